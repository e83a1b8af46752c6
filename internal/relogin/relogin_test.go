package relogin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

const (
	issuer = "https://idp.example.com/app"
	role   = "acs:ram::1234567890123456:role/admin"
	prov   = "acs:ram::1234567890123456:saml-provider/okta"
	login  = "https://idp.example.com/login?app=alibaba"
)

func newStore(t *testing.T) (string, store.Store) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	if err := config.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	return home, st
}

func session(created, exp time.Time, key string) store.Session {
	return store.Session{Profile: "acct-admin", RoleArn: role, ProviderArn: prov, Issuer: issuer, Site: "china",
		AccountID: "1234567890123456", RoleName: "admin", CreatedAt: created, Expiration: exp,
		Credentials: creds.Credentials{AccessKeyID: key, AccessKeySecret: "s", SecurityToken: "t", Expiration: exp}}
}

// TestRefreshSingleFlight: 20 callers meet the same expired session; the
// login page opens once, an intent is recorded, and all get the fresh
// session the "capture" stores.
func TestRefreshSingleFlight(t *testing.T) {
	home, st := newStore(t)
	ctx := context.Background()
	now := time.Now()
	old := session(now.Add(-2*time.Hour), now.Add(-time.Hour), "OLD")
	if err := st.Put(ctx, old); err != nil {
		t.Fatal(err)
	}
	var opens atomic.Int32
	var intentSeen atomic.Bool
	open := func(ctx context.Context, url string) error {
		if url != login {
			t.Errorf("opened %q", url)
		}
		opens.Add(1)
		go func() {
			time.Sleep(100 * time.Millisecond)
			cs := &capture.State{Home: home}
			if in, _ := cs.PendingIntent("acct-admin"); in != nil && in.RoleArn == role && in.Issuer == issuer {
				intentSeen.Store(true)
			}
			_ = st.Put(context.Background(), session(time.Now(), time.Now().Add(time.Hour), "NEW"))
		}()
		return nil
	}
	var log bytes.Buffer
	var logMu sync.Mutex
	m := &Manager{Home: home, Store: st, Settings: &config.Settings{IdPLoginURLs: map[string]string{issuer: login}},
		Open: open, Wait: 10 * time.Second, Poll: 20 * time.Millisecond, Log: &lockedWriter{w: &log, mu: &logMu}}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := m.Refresh(ctx, &old)
			if err == nil && s.Credentials.AccessKeyID != "NEW" {
				t.Errorf("got %s", s.Credentials.AccessKeyID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := opens.Load(); n != 1 {
		t.Fatalf("login page opened %d times, want 1", n)
	}
	if !intentSeen.Load() {
		t.Error("no re-login intent was recorded before the capture")
	}
	if !strings.Contains(log.String(), "opened your IdP's login page") {
		t.Errorf("log: %s", log.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRefreshErrors(t *testing.T) {
	home, st := newStore(t)
	now := time.Now()
	old := session(now.Add(-2*time.Hour), now.Add(-time.Hour), "OLD")
	cases := []struct {
		name string
		set  *config.Settings
		env  map[string]string
		want string
	}{
		{"no url", &config.Settings{}, map[string]string{"DISPLAY": ":0"}, "idpLoginURLs"},
		{"no display", &config.Settings{IdPLoginURLs: map[string]string{"acct-admin": login}}, map[string]string{}, "cannot open a browser"},
		{"no browser", &config.Settings{IdPLoginURLs: map[string]string{issuer: login}}, map[string]string{"DISPLAY": ":0", "RAMSSO_NO_BROWSER": "1"}, login},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := c.env
			m := &Manager{Home: home, Store: st, Settings: c.set, Env: func(k string) string { return env[k] }}
			_, err := m.Refresh(context.Background(), &old)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestWaitTimesOut(t *testing.T) {
	home, st := newStore(t)
	m := &Manager{Home: home, Store: st, Wait: 100 * time.Millisecond, Poll: 10 * time.Millisecond}
	_, err := m.WaitFresh(context.Background(), "nobody", nil)
	if err == nil || !strings.Contains(err.Error(), "no fresh session") {
		t.Fatalf("err %v", err)
	}
}

// TestOpenerBrowserEnv: $BROWSER commands get the URL as one argument,
// with %s substitution, falling through a failing command.
func TestOpenerBrowserEnv(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >> "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	url := "https://idp.example.com/login?a=1&b=two words"
	env := Env(func(k string) string {
		if k == EnvBrowser {
			return "/nonexistent/browser:" + script + " --new-tab %s"
		}
		return ""
	})
	if err := env.CanOpen(); err != nil {
		t.Fatal(err)
	}
	if err := env.Open(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "--new-tab\n"+url+"\n" {
		t.Fatalf("browser got %q", b)
	}
}

func TestLoginURL(t *testing.T) {
	m := &Manager{Settings: &config.Settings{IdPLoginURLs: map[string]string{issuer: "by-issuer", "p2": "by-profile"}}}
	s := session(time.Now(), time.Now(), "")
	if got := m.LoginURL(&s); got != "by-issuer" {
		t.Fatal(got)
	}
	s.Profile = "p2"
	if got := m.LoginURL(&s); got != "by-profile" {
		t.Fatal(got)
	}
	if got := m.LoginURLs(); len(got) != 2 {
		t.Fatal(got)
	}
}

// TestRefreshChainedSession: a chained session is never re-logged in
// itself (no page opens, no intent); the error names its source.
func TestRefreshChainedSession(t *testing.T) {
	home, st := newStore(t)
	now := time.Now()
	s := session(now.Add(-2*time.Hour), now.Add(-time.Hour), "OLD")
	s.Profile, s.SourceProfile, s.ProviderArn = "spoke-deploy", "acct-admin", ""
	opened := false
	m := &Manager{Home: home, Store: st, Settings: &config.Settings{IdPLoginURLs: map[string]string{issuer: login}},
		Open: func(context.Context, string) error { opened = true; return nil }}
	_, err := m.Refresh(context.Background(), &s)
	if err == nil || !strings.Contains(err.Error(), "chained from acct-admin") || opened {
		t.Fatalf("err = %v, opened = %v", err, opened)
	}
}

// TestOpenRefusesNonHTTPS: an idpLoginURLs value like
// "--new-instance=file:///etc/shadow" used to reach $BROWSER as an option.
func TestOpenRefusesNonHTTPS(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >> "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := Env(func(k string) string {
		if k == EnvBrowser {
			return script
		}
		return ""
	})
	for _, u := range []string{"--new-instance=file:///etc/shadow", "file:///etc/shadow", "http://idp.example.com/sso", "javascript:alert(1)"} {
		if err := env.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) was allowed", u)
		}
	}
	if _, err := os.Stat(out); err == nil {
		b, _ := os.ReadFile(out)
		t.Fatalf("the browser was started with %q", b)
	}
	if err := env.Open(context.Background(), "http://127.0.0.1:8080/login"); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}
