package urlcheck

import (
	"net/url"
	"strings"
	"testing"
)

func TestOpenable(t *testing.T) {
	ok := []string{
		"https://idp.example.com/app/alibaba/sso",
		"https://signin.aliyun.com/federation?Action=Login&SigninToken=x",
		"http://127.0.0.1:8080/federation?x=1",
		"http://localhost:9/x",
		"http://[::1]:9/x",
	}
	bad := []string{
		"--new-instance=file:///etc/shadow",
		"-https://idp.example.com",
		"file:///etc/shadow",
		"http://idp.example.com/sso",
		"javascript:alert(1)",
		" https://idp.example.com/a",
		"https://idp.example.com/\n--x",
		"idp.example.com/sso",
		"",
		"mailto:x@example.com",
		"http://127.0.0.1.evil.example/x",
	}
	for _, u := range ok {
		if err := Openable(u); err != nil {
			t.Errorf("Openable(%q) = %v", u, err)
		}
	}
	for _, u := range bad {
		if err := Openable(u); err == nil {
			t.Errorf("Openable(%q) accepted it", u)
		}
	}
}

func TestSecure(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://signin.aliyun.com":    true,
		"http://signin.aliyun.com":     false,
		"http://127.0.0.1:1234":        true,
		"http://localhost:1234":        true,
		"ftp://signin.aliyun.com":      false,
		"http://user:pw@evil.example/": false,
	} {
		u, _ := url.Parse(raw)
		err := Secure(u, "sign-in endpoint")
		if (err == nil) != want {
			t.Errorf("Secure(%s) = %v", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error echoes the password: %v", err)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"http://user:s3cret@proxy.example:3128":     "http://xxxxx@proxy.example:3128",
		"http://user:s3cret@proxy.example:3128/%zz": "http://xxxxx@proxy.example:3128/%zz",
		"http://us er:s3cret@proxy:bad port":        "http://xxxxx@proxy:bad port",
		"user:s3cret@proxy.example:3128":            "xxxxx@proxy.example:3128",
		"http://proxy.example:3128":                 "http://proxy.example:3128",
		"http://a@b:s3cret@proxy:1":                 "http://xxxxx@proxy:1",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
