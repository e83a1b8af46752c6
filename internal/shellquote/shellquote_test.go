package shellquote

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile are values a crafted field could carry.
var hostile = []string{
	"", "plain", "with space", `it's`, `back\slash`, `\'`, `\\'`, `'\''`, `end\`,
	"$(touch /tmp/pwned)", "`id`", "$HOME", "; echo pwned", "a\nb", "tab\there",
	"{a,b}", "*", "~", "(x)", "#comment", `"dq"`, "‘curly’", "‚low‛", "“dq”„",
	"mixed ' \\ \" $ ` ‘ ’ ‚ ‛ “ ” „ end", "\x01\x1b[31m",
}

// TestFishReal evaluates every hostile value in the real fish (a Debian
// package CI installs) and checks it reads back byte for byte.
func TestFishReal(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Fatalf("fish is not installed (apt-get install fish; .ci/run installs it): %v", err)
	}
	dir := t.TempDir()
	for i, v := range hostile {
		line, _ := Assignment("fish", "RAMSSO_Q", v)
		script := filepath.Join(dir, "s.fish")
		if err := os.WriteFile(script, []byte(line+"\nprintf '%s' \"$RAMSSO_Q\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(fish, "--no-config", script)
		cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("#%d %q: fish failed: %v\n%s", i, v, err, out)
			continue
		}
		if string(out) != v {
			t.Errorf("#%d: fish read %q back as %q (line %s)", i, v, out, line)
		}
		if _, err := os.Stat("/tmp/pwned"); err == nil {
			t.Fatal("a value ran a command")
		}
	}
}

// TestShReal does the same with the POSIX sh.
func TestShReal(t *testing.T) {
	for i, v := range hostile {
		line, _ := Assignment("sh", "RAMSSO_Q", v)
		out, err := exec.Command("sh", "-c", line+"\nprintf '%s' \"$RAMSSO_Q\"").CombinedOutput()
		if err != nil || string(out) != v {
			t.Errorf("#%d %q: sh read back %q (%v)", i, v, out, err)
		}
	}
}

// readPowerShellVerbatim parses a PowerShell verbatim string literal at the
// start of s as the language specification defines it (§2.3.5.2): it
// opens with a single-quote-character, a doubled single-quote-character
// stands for one, and any lone single-quote-character closes it. It
// returns the value and what follows the literal.
func readPowerShellVerbatim(t *testing.T, s string) (value, rest string) {
	t.Helper()
	isQ := func(r rune) bool {
		return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
	}
	r, n := utf8.DecodeRuneInString(s)
	if !isQ(r) {
		t.Fatalf("%q does not open with a single quote", s)
	}
	s = s[n:]
	var b strings.Builder
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		if isQ(r) {
			r2, n2 := utf8.DecodeRuneInString(s[n:])
			if isQ(r2) {
				b.WriteRune(r) // a doubled quote is one (the first one, as written)
				s = s[n+n2:]
				continue
			}
			return b.String(), s[n:]
		}
		b.WriteRune(r)
		s = s[n:]
	}
	t.Fatal("unterminated literal")
	return "", ""
}

func TestPowerShellRules(t *testing.T) {
	for i, v := range hostile {
		line, _ := Assignment("powershell", "RAMSSO_Q", v)
		prefix := "$Env:RAMSSO_Q = "
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("%q", line)
		}
		got, rest := readPowerShellVerbatim(t, line[len(prefix):])
		if got != v || rest != "" {
			t.Errorf("#%d %q: PowerShell reads %q, then %q outside the string", i, v, got, rest)
		}
	}
	// The old quoting doubled only U+0027: a U+2019 closed the string.
	if got := PowerShell("x\u2019; rm -r ~ #"); got != "'x\u2019\u2019; rm -r ~ #'" {
		t.Fatalf("%q", got)
	}
}
