package textsafe

import "testing"

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://idp.example.com/app", "https://idp.example.com/app"},
		{"阿里云-管理员", "阿里云-管理员"},
		{"Élodie Müller", "Élodie Müller"},
		{"evil\nIssuer: https://good.example.com", `evil\nIssuer: https://good.example.com`},
		{"a\r\tb", `a\r\tb`},
		{"\x1b[2J\x1b]0;title\x07", `\x1b[2J\x1b]0;title\x07`},
		{"admin\u202egpj.exe", `admin\u{202E}gpj.exe`},
		{"x\u2066y\u2069\u200ez\u061c", `x\u{2066}y\u{2069}\u{200E}z\u{061C}`},
		{"zero\u200bwidth\ufeff", `zero\u{200B}width\u{FEFF}`},
		{"c1\u009b31m", `c1\u{009B}31m`},
		{"line\u2028sep", `line\u{2028}sep`},
		{"nbsp\u00a0x", `nbsp\u{00A0}x`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`back\slash`, `back\\slash`},
		{"del\x7f", `del\x7f`},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkEscapePlain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Escape("https://idp.example.com/app/alibaba/exk1234567890")
	}
}

func BenchmarkEscapeHostile(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Escape("evil\nIssuer: https://idp.good.example\u202e\x1b[2J")
	}
}
