package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// capturesOnOpen refreshes the admin session (as the extension's capture
// would) when the fake browser opens the login URL.
func (w *world) capturesOnOpen(opened string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if len(readLines(opened)) > 0 {
				if r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code != 0 {
					w.t.Errorf("capture: %s", r.stderr)
				}
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (w *world) writeSettings(v map[string]any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.home, "settings.json"), b, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// TestReloginSingleFlight: 20 concurrent `ramsso process` on an expired
// session open the login URL once and all succeed after the capture.
func TestReloginSingleFlight(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	profile := acct1 + "-admin"
	w.expire(profile)
	w.writeSettings(map[string]any{"idpLoginURLs": map[string]string{"https://idp.example.com/app/ramsso": loginURL}})
	opened := filepath.Join(w.workdir, "opened")
	w.env["BROWSER"] = browserScript(t, w.workdir, opened)
	stop := w.capturesOnOpen(opened)
	defer stop()
	exe, _ := os.Executable()
	const n = 20
	type out struct {
		stdout, stderr string
		err            error
	}
	results := make(chan out, n)
	for i := 0; i < n; i++ {
		go func() {
			cmd := exec.Command(exe, "process", profile)
			cmd.Env = append(w.environ(), "RAMSSO_CLI_TEST_MAIN=1")
			var so, se bytes.Buffer
			cmd.Stdout, cmd.Stderr = &so, &se
			err := cmd.Run()
			results <- out{so.String(), se.String(), err}
		}()
	}
	var first string
	for i := 0; i < n; i++ {
		r := <-results
		if r.err != nil {
			t.Fatalf("process: %v: %s", r.err, r.stderr)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("process output: %v", err)
		}
		if first == "" {
			first = got["access_key_id"]
		}
		if got["access_key_id"] != first {
			t.Fatal("processes got different keys")
		}
		exp, _ := time.Parse("2006-01-02T15:04:05Z", got["expiration"])
		if time.Until(exp) < 30*time.Minute {
			t.Fatalf("stale keys served, expiring %s", got["expiration"])
		}
	}
	if lines := readLines(opened); len(lines) != 1 || lines[0] != loginURL {
		t.Fatalf("login URL opened %d times: %v", len(lines), lines)
	}
}

func TestLoginCommand(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	profile := acct1 + "-admin"
	opened := filepath.Join(w.workdir, "opened")
	w.env["BROWSER"] = browserScript(t, w.workdir, opened)

	// No login URL configured.
	if r := w.run("login", profile); r.code == 0 || !strings.Contains(r.stderr, "idpLoginURLs") {
		t.Fatalf("no url: %d %s", r.code, r.stderr)
	}
	if r := w.run("login"); r.code == 0 || !strings.Contains(r.stderr, "idpLoginURLs") {
		t.Fatalf("no url, no profile: %d %s", r.code, r.stderr)
	}
	w.writeSettings(map[string]any{"idpLoginURLs": map[string]string{profile: loginURL}})
	stop := w.capturesOnOpen(opened)
	r := w.run("login", profile, "--timeout", "30s")
	stop()
	if r.code != 0 || !strings.Contains(r.stderr, "refreshed") {
		t.Fatalf("login: %d %s", r.code, r.stderr)
	}
	if lines := readLines(opened); len(lines) != 1 || lines[0] != loginURL {
		t.Fatalf("opened %v", lines)
	}
	// Without PROFILE, the one configured URL; a timeout is a clear error.
	r = w.run("login", "--timeout", "300ms")
	if r.code == 0 || !strings.Contains(r.stderr, "no new session after") {
		t.Fatalf("login timeout: %d %s", r.code, r.stderr)
	}
	// No browser: print the URL.
	delete(w.env, "BROWSER")
	w.env["RAMSSO_NO_BROWSER"] = "1"
	r = w.run("login", profile, "--timeout", "200ms")
	if strings.TrimSpace(r.stdout) != loginURL {
		t.Fatalf("no-browser login printed %q", r.stdout)
	}
	// An expired session without a display: a clear error.
	w.expire(profile)
	delete(w.env, "RAMSSO_NO_BROWSER")
	r = w.run("process", profile)
	if r.code == 0 || !strings.Contains(r.stderr, "cannot open a browser") || !strings.Contains(r.stderr, loginURL) {
		t.Fatalf("expired without display: %d %s", r.code, r.stderr)
	}
}
