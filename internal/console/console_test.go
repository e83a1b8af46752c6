package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/standin/emulator"
)

var good = creds.Credentials{AccessKeyID: "STS.TESTKEY", AccessKeySecret: "TEST-SECRET-VALUE", SecurityToken: "TEST+TOKEN/=VALUE", Expiration: time.Now().Add(time.Hour)}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
func get(t *testing.T, u string) *http.Response {
	t.Helper()
	res, err := noRedirect().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func newFed(t *testing.T) (*emulator.Federation, *clock, *Client) {
	t.Helper()
	fed := emulator.NewFederation(func(a, s, tok string) bool {
		return a == good.AccessKeyID && s == good.AccessKeySecret && tok == good.SecurityToken
	})
	c := &clock{t: time.Now()}
	fed.SetClock(c.now)
	srv := httptest.NewServer(fed)
	t.Cleanup(srv.Close)
	cl, err := New(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return fed, c, cl
}

func TestSignInAgainstEmulator(t *testing.T) {
	fed, clk, cl := newFed(t)
	ctx := context.Background()
	dest := "https://ecs.console.aliyun.com/?region=cn-hangzhou#/server"
	u, err := cl.SignIn(ctx, good, dest, "https://idp.example.com/login")
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, u)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != dest {
		t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := fed.Logins(); len(got) != 1 || got[0] != dest {
		t.Fatalf("logins %v", got)
	}
	// Single use.
	if res := get(t, u); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reused token: %d", res.StatusCode)
	}
	// 30 s validity.
	u2, err := cl.SignIn(ctx, good, dest, "")
	if err != nil {
		t.Fatal(err)
	}
	clk.add(31 * time.Second)
	if res := get(t, u2); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token: %d", res.StatusCode)
	}
	u3, _ := cl.SignIn(ctx, good, dest, "")
	clk.add(29 * time.Second)
	if res := get(t, u3); res.StatusCode != http.StatusFound {
		t.Fatalf("token at 29 s: %d", res.StatusCode)
	}
	// A forged token.
	if res := get(t, cl.LoginURL("forged", dest, "")); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged token: %d", res.StatusCode)
	}
}

func TestErrorsCarryNoSecret(t *testing.T) {
	_, _, cl := newFed(t)
	bad := good
	bad.AccessKeySecret = "WRONG-SECRET-VALUE"
	_, err := cl.SigninToken(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), "InvalidSecurityToken") {
		t.Fatalf("err %v", err)
	}
	dead, _ := New("http://127.0.0.1:1", "")
	_, err2 := dead.SigninToken(context.Background(), good)
	for _, e := range []error{err, err2} {
		if e == nil {
			t.Fatal("no error")
		}
		for _, s := range []string{good.AccessKeySecret, "WRONG-SECRET-VALUE", "TEST", "SecurityToken="} {
			if strings.Contains(e.Error(), s) {
				t.Fatalf("error leaks %q: %v", s, e)
			}
		}
	}
}

func TestValidateDestination(t *testing.T) {
	real, _ := New("", "")
	emu, _ := New("http://127.0.0.1:8080", "")
	cases := []struct {
		c    *Client
		dest string
		ok   bool
	}{
		{real, "https://home.console.aliyun.com/", true},
		{real, "https://ecs.console.alibabacloud.com/#/x", true},
		{real, "https://aliyun.com/", true},
		{real, "http://home.console.aliyun.com/", false},
		{real, "https://evilaliyun.com/", false},
		{real, "https://aliyun.com.evil.example/", false},
		{real, "https://user@home.console.aliyun.com/", false},
		{real, "/relative", false},
		{real, "http://127.0.0.1:8080/console", false},
		{emu, "http://127.0.0.1:8080/console", true},
		{emu, "http://127.0.0.1:9090/console", false},
	}
	for _, c := range cases {
		if err := c.c.ValidateDestination(c.dest); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.dest, err)
		}
	}
}

func TestEndpoint(t *testing.T) {
	cases := map[string]string{
		"":                                      "https://signin.aliyun.com/federation",
		"signin.alibabacloud.com":               "https://signin.alibabacloud.com/federation",
		"http://127.0.0.1:8080":                 "http://127.0.0.1:8080/federation",
		"http://127.0.0.1:8080/federation":      "http://127.0.0.1:8080/federation",
		"https://signin.aliyun.com/federation/": "https://signin.aliyun.com/federation",
	}
	for in, want := range cases {
		c, err := New(in, "")
		if err != nil || c.Endpoint() != want {
			t.Errorf("%q: %v %v", in, c, err)
		}
	}
	if _, err := New("ftp://x", ""); err == nil {
		t.Error("ftp accepted")
	}
	// GetSigninToken's query holds AccessKeySecret and SecurityToken: plain
	// http is refused except to loopback.
	for _, e := range []string{"http://signin.aliyun.com", "http://10.0.0.1:8080"} {
		if _, err := New(e, ""); err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("%s: err %v, want a refusal naming https", e, err)
		}
	}
	// A malformed proxy is not echoed with its password.
	if _, err := New("", "http://user:s3cret@proxy example:3128"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("proxy error %v", err)
	}
	if DefaultDestination("international") != InternationalConsole || DefaultDestination("china") != ChinaConsole {
		t.Error("default destinations")
	}
}
