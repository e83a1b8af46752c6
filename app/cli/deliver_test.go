package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ramsso/ramsso/internal/credserver"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/store"
)

// assumeAdmin makes the admin session and returns its keys.
func (w *world) assumeAdmin() map[string]string {
	w.t.Helper()
	r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))), "--output", "json")
	if r.code != 0 {
		w.t.Fatalf("assume: %s", r.stderr)
	}
	var keys map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &keys); err != nil {
		w.t.Fatal(err)
	}
	return keys
}

func (w *world) aliyunConfig() string { return filepath.Join(w.env["HOME"], ".aliyun", "config.json") }

const otherProfiles = `{
	"current": "work",
	"profiles": [
		{"name": "work", "mode": "AK", "access_key_id": "LTAI-EXAMPLE", "access_key_secret": "EXAMPLE", "region_id": "cn-hangzhou", "x_keep": [1, 2]}
	],
	"meta_path": "",
	"x_top": {"a": true}
}
`

func TestConfigureCLI(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	profile := acct1 + "-admin"
	if err := os.MkdirAll(filepath.Dir(w.aliyunConfig()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.aliyunConfig(), []byte(otherProfiles), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run("configure-cli")
	if r.code != 0 || !strings.Contains(r.stderr, "added aliyun CLI profile "+profile+" (External, region cn-hangzhou)") {
		t.Fatalf("configure-cli: %d %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(w.aliyunConfig())
	for _, k := range []string{keys["AccessKeySecret"], keys["SecurityToken"], keys["AccessKeyId"]} {
		if bytes.Contains(b, []byte(k)) {
			t.Fatal("a secret was written to config.json")
		}
	}
	var cfg struct {
		Current  string           `json:"current"`
		Profiles []map[string]any `json:"profiles"`
		XTop     map[string]any   `json:"x_top"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Current != "work" || len(cfg.Profiles) != 2 || cfg.XTop["a"] != true || cfg.Profiles[0]["x_keep"] == nil {
		t.Fatalf("config disturbed: %s", b)
	}
	cmdline, _ := cfg.Profiles[1]["process_command"].(string)
	exe, _ := os.Executable()
	if cfg.Profiles[1]["mode"] != "External" || cmdline != exe+" process "+profile {
		t.Fatalf("profile: %v", cfg.Profiles[1])
	}
	// Run the process_command as the aliyun CLI does (split on spaces).
	argv := strings.Fields(cmdline)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(w.environ(), "RAMSSO_CLI_TEST_MAIN=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("process_command: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil || got["access_key_id"] != keys["AccessKeyId"] || got["mode"] != "StsToken" {
		t.Fatalf("process output %v", err)
	}

	// --plaintext writes the keys and says they go stale.
	r = w.run("configure-cli", "--plaintext", profile)
	if r.code != 0 || !strings.Contains(r.stderr, "expire at") {
		t.Fatalf("--plaintext: %d %s", r.code, r.stderr)
	}
	b, _ = os.ReadFile(w.aliyunConfig())
	if !bytes.Contains(b, []byte(keys["AccessKeyId"])) || bytes.Contains(b, []byte("process_command")) {
		t.Fatalf("plaintext profile: %s", b)
	}

	// A malformed file is left untouched, with path:line:col.
	bad := "{\n  \"profiles\": [\n    {\"name\": \"x\",}\n  ]\n}\n"
	if err := os.WriteFile(w.aliyunConfig(), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	r = w.run("configure-cli", profile)
	if r.code == 0 || !strings.Contains(r.stderr, w.aliyunConfig()+":3:") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("malformed: %d %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(w.aliyunConfig()); string(after) != bad {
		t.Fatal("malformed file changed")
	}
	if r := w.run("configure-cli", "nosuch"); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Fatalf("unknown profile: %d %s", r.code, r.stderr)
	}
}

func (w *world) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAMSSO_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "BROWSER=") &&
			!strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	return env
}

// startServe runs `ramsso serve` in this process until the test ends.
func (w *world) startServe(port int) credserver.State {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan credserver.State, 1)
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return w.env[k] }, Now: time.Now}
	go func() {
		done <- ServeCommand(ctx, ServeInput{Port: port, ready: func(s credserver.State) { ready <- s }}, app)
	}()
	var st credserver.State
	select {
	case st = <-ready:
	case err := <-done:
		cancel()
		w.t.Fatalf("serve: %v: %s", err, errb.String())
	case <-time.After(10 * time.Second):
		w.t.Fatal("serve did not start")
	}
	w.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			w.t.Errorf("serve: %v", err)
		}
	})
	if !strings.Contains(out.String(), "export ALIBABA_CLOUD_CREDENTIALS_URI="+st.URL(acct1+"-admin")) {
		w.t.Errorf("serve printed %q", out.String())
	}
	return st
}

// TestServeCredentialsGo: the real credentials-go resolves credentials
// through ALIBABA_CLOUD_CREDENTIALS_URI from ramsso serve, and leaves
// ~/.aliyun/config.json byte-identical.
func TestServeCredentialsGo(t *testing.T) {
	w := newWorld(t)
	keys := w.assumeAdmin()
	if err := os.MkdirAll(filepath.Dir(w.aliyunConfig()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.aliyunConfig(), []byte(otherProfiles), 0o600); err != nil {
		t.Fatal(err)
	}
	st := w.startServe(0)
	uri := st.URL(acct1 + "-admin")
	if r := w.run("serve", "--print", acct1+"-admin"); r.code != 0 || strings.TrimSpace(r.stdout) != uri {
		t.Fatalf("serve --print: %q, want %q", r.stdout, uri)
	}
	t.Setenv("HOME", w.env["HOME"])
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri)
	p, err := providers.NewURLCredentialsProviderBuilder().Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("credentials-go: %v", err)
	}
	if got.AccessKeyId != keys["AccessKeyId"] || got.AccessKeySecret != keys["AccessKeySecret"] || got.SecurityToken != keys["SecurityToken"] {
		t.Fatal("credentials-go got other keys than the session's")
	}
	// The README's SDK example: NewCredential with type credentials_uri.
	cred, err := credentials.NewCredential(new(credentials.Config).SetType("credentials_uri"))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := cred.GetCredential(); err != nil || *m.AccessKeyId != keys["AccessKeyId"] || *m.SecurityToken != keys["SecurityToken"] {
		t.Fatalf("NewCredential(credentials_uri): %v", err)
	}
	// The default chain reaches the URI once the config file's profile is
	// out of its way (it comes first) and IMDS is off (no network here).
	t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", filepath.Join(w.workdir, "none"))
	chain, err := providers.NewDefaultCredentialsProvider().GetCredentials()
	if err != nil || chain.AccessKeyId != keys["AccessKeyId"] {
		t.Fatalf("default chain: %v", err)
	}
	if after, _ := os.ReadFile(w.aliyunConfig()); string(after) != otherProfiles {
		t.Fatal("config.json changed")
	}
	// A wrong token is a bare 404 through the SDK too.
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", strings.Replace(uri, st.Token, wrongToken(st.Token), 1))
	p2, _ := providers.NewURLCredentialsProviderBuilder().Build()
	if _, err := p2.GetCredentials(); err == nil || !strings.Contains(err.Error(), "404 page not found") {
		t.Fatalf("wrong token: %v", err)
	}
}

// TestServeExpiredAndRestart: an expired session is an error the SDK
// shows; a restarted serve (a new owner of the port) keeps the port and
// rotates the token, so a URL collected before is worthless.
func TestServeExpiredAndRestart(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	w.expire(acct1 + "-admin")
	a, err := credserver.LoadState(context.Background(), w.home, 0)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	st := w.startServe(port)
	if st.Token == a.Token || st.Port != port {
		t.Fatalf("state %+v vs %+v: want the port kept and a new token", st, a)
	}
	p, _ := providers.NewURLCredentialsProviderBuilder().WithUrl(st.URL(acct1 + "-admin")).Build()
	_, err = p.GetCredentials()
	if err == nil || !strings.Contains(err.Error(), "session "+acct1+"-admin expired: log in again") {
		t.Fatalf("expired: %v", err)
	}
	b, _ := credserver.LoadState(context.Background(), w.home, 0)
	if b.Port != port || b.Token != st.Token {
		t.Fatal("the running server's port or token not recorded")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := credserver.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var port int
	fmt.Sscanf(ln.Addr().String()[strings.LastIndex(ln.Addr().String(), ":")+1:], "%d", &port)
	return port
}

// expire rewrites a stored session as expired an hour ago.
func (w *world) expire(profile string) {
	w.t.Helper()
	st, err := store.Open(context.Background(), w.home, store.KindFile)
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := st.Get(context.Background(), profile)
	if err != nil {
		w.t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	s.Expiration, s.Credentials.Expiration = past, past
	s.CreatedAt = past.Add(-time.Hour)
	if err := st.Put(context.Background(), *s); err != nil {
		w.t.Fatal(err)
	}
}

func TestConsole(t *testing.T) {
	w := newWorld(t)
	w.assumeAdmin()
	fed := emulator.NewFederation(w.emu.Issued)
	fs := httptest.NewServer(fed)
	defer fs.Close()
	w.env["RAMSSO_SIGNIN_ENDPOINT"] = fs.URL
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	r := w.run("console", acct1+"-admin", "--print")
	if r.code != 0 {
		t.Fatalf("console --print: %s", r.stderr)
	}
	u := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(u, fs.URL+"/federation?") || !strings.Contains(r.stderr, "valid 30 s") {
		t.Fatalf("url %q", u)
	}
	res, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://home.console.aliyun.com/" {
		t.Fatalf("login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res2, _ := client.Get(u); res2.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reuse: %d", res2.StatusCode)
	}

	// Opened through $BROWSER with a destination.
	opened := filepath.Join(w.workdir, "opened")
	w.env["BROWSER"] = browserScript(t, w.workdir, opened)
	r = w.run("console", acct1+"-admin", "--destination", "https://ecs.console.aliyun.com/#/server/region/cn-hangzhou")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("console: %d %q %s", r.code, r.stdout, r.stderr)
	}
	lines := readLines(opened)
	if len(lines) != 1 {
		t.Fatalf("opened %v", lines)
	}
	res, err = client.Get(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Location") != "https://ecs.console.aliyun.com/#/server/region/cn-hangzhou" {
		t.Fatalf("landed on %q", res.Header.Get("Location"))
	}
	// Not a console URL.
	r = w.run("console", acct1+"-admin", "--destination", "https://evil.example.com/")
	if r.code == 0 || !strings.Contains(r.stderr, "Alibaba Cloud console URL") {
		t.Fatalf("bad destination: %d %s", r.code, r.stderr)
	}
	if got := fed.Logins(); len(got) != 2 {
		t.Fatalf("logins %v", got)
	}
}

func browserScript(t *testing.T, dir, out string) string {
	t.Helper()
	p := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '"+out+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func readLines(path string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}

const loginURL = "https://idp.example.com/app/alibaba/sso?x=1"

// wrongToken is token with its first character changed (to something it
// is not, whatever the random token starts with).
func wrongToken(token string) string {
	c := "x"
	if strings.HasPrefix(token, "x") {
		c = "y"
	}
	return c + token[1:]
}
