package cli

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/testutil/asuser"
)

// snapshot is every file and directory under a root: path → mode and bytes.
type snapshot map[string]string

func takeSnapshot(t testing.TB, root string) snapshot {
	t.Helper()
	s := snapshot{}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, ierr := os.Lstat(p)
		if ierr != nil {
			return nil
		}
		v := info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		case info.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			v += " " + string(b)
		}
		s[p] = v
		return nil
	})
	return s
}

func (s snapshot) diff(after snapshot) []string {
	var d []string
	for p, v := range s {
		if w, ok := after[p]; !ok {
			d = append(d, "removed "+p)
		} else if w != v {
			d = append(d, "changed "+p)
		}
	}
	for p := range after {
		if _, ok := s[p]; !ok {
			d = append(d, "created "+p)
		}
	}
	return d
}

// runBounded runs the CLI in-process with a context deadline, so a hang
// fails the case instead of the whole test binary.
func (w *world) runBounded(args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := w.runCtx(ctx, args...)
	if ctx.Err() != nil {
		w.t.Errorf("ramsso %s ran into the test's 30 s bound (a hang)", strings.Join(args, " "))
	}
	return r
}

// busyPort returns a loopback port something listens on.
func busyPort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// fakeEndpoint serves h and returns its URL.
func fakeEndpoint(t testing.TB, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBadInput is the bad-input table: every command, given input a new
// user gets wrong, exits non-zero with exactly one line on stderr that
// names the problem and what to do, does not hang, and leaves every file
// (RAMSSO_HOME, config.json, the inputs) byte-identical.
func TestBadInput(t *testing.T) {
	type tcase struct {
		name  string
		setup func(w *world) []string // returns the args
		env   map[string]string
		want  []string // substrings of the one stderr line
	}
	write := func(w *world, name, data string) string {
		p := filepath.Join(w.workdir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			w.t.Fatal(err)
		}
		return p
	}
	args := func(a ...string) func(*world) []string { return func(*world) []string { return a } }
	good := func(w *world) string { return w.response(w.roles(roleValue(roleAdmin, provider))) }
	withSession := func(w *world) {
		if r := w.runBounded("assume", "--saml", good(w)); r.code != 0 {
			w.t.Fatalf("setup assume: %s", r.stderr)
		}
	}
	cases := []tcase{
		// Malformed SAML, every kind.
		{"decode: not base64", func(w *world) []string { return []string{"decode", write(w, "r", "!!! not base64 !!!")} }, nil, []string{"base64"}},
		{"decode: broken XML", func(w *world) []string { return []string{"decode", write(w, "r", "<samlp:Response><oops")} }, nil, []string{"XML"}},
		{"decode: empty file", func(w *world) []string { return []string{"decode", write(w, "r", "")} }, nil, []string{"empty"}},
		{"decode: binary", func(w *world) []string {
			return []string{"decode", write(w, "r", "PK\x03\x04\x14\x00\x00\x00\x08\x00")}
		}, nil, []string{"UTF-8"}},
		{"decode: missing file", args("decode", "/nonexistent/response.b64"), nil, []string{"/nonexistent/response.b64"}},
		{"decode: not a Response", func(w *world) []string { return []string{"decode", write(w, "r", "<html><body>login</body></html>")} }, nil, []string{"SAML"}},
		{"assume: truncated base64", func(w *world) []string {
			b, _ := os.ReadFile(good(w))
			return []string{"assume", "--saml", write(w, "r", string(b[:len(b)/2]))}
		}, nil, []string{"SAML"}},
		{"assume: form body without SAMLResponse value", func(w *world) []string {
			return []string{"assume", "--saml", write(w, "r", "SAMLResponse=&RelayState=x")}
		}, nil, []string{"SAMLResponse"}},
		// Bad flag values.
		{"assume: bad duration", func(w *world) []string { return []string{"assume", "--saml", good(w), "--duration", "soon"} }, nil, []string{"soon"}},
		{"assume: duration too short", func(w *world) []string { return []string{"assume", "--saml", good(w), "--duration", "5s"} }, nil, []string{"15"}},
		{"assume: bad output", func(w *world) []string { return []string{"assume", "--saml", good(w), "--output", "yaml"} }, nil, []string{"yaml"}},
		{"assume: unknown role", func(w *world) []string { return []string{"assume", "--saml", good(w), "--role", "nosuch"} }, nil, []string{"nosuch"}},
		{"assume: bad sts region", func(w *world) []string { return []string{"assume", "--saml", good(w), "--sts-region", "bad/region"} }, map[string]string{"RAMSSO_STS_ENDPOINT": ""}, []string{"bad/region"}},
		{"assume: vpc region without a VPC endpoint", func(w *world) []string {
			write(w, "home-settings", "")
			_ = os.MkdirAll(w.home, 0o700)
			_ = os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"sts": {"region": "me-east-1", "vpc": true}}`), 0o600)
			return []string{"assume", "--saml", good(w)}
		}, map[string]string{"RAMSSO_STS_ENDPOINT": ""}, []string{"me-east-1", "vpc"}},
		{"env: bad format", func(w *world) []string { withSession(w); return []string{"env", acct1 + "-admin", "--format", "cmd"} }, nil, []string{"cmd"}},
		{"serve: port out of range", args("serve", "--port", "70000"), nil, []string{"70000"}},
		{"login: zero timeout", args("login", "--timeout", "0"), nil, []string{"--timeout", "positive"}},
		{"sts timeout setting", func(w *world) []string { return []string{"assume", "--saml", good(w)} }, map[string]string{"RAMSSO_STS_TIMEOUT": "forever"}, []string{"forever", "RAMSSO_STS_TIMEOUT"}},
		// Unreachable and garbage STS answers.
		{"assume: STS unreachable", func(w *world) []string {
			return []string{"assume", "--saml", good(w), "--sts-endpoint", "http://127.0.0.1:1"}
		}, nil, []string{"127.0.0.1:1"}},
		{"assume: STS answers HTML", func(w *world) []string {
			u := fakeEndpoint(w.t, func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "<html>captive portal</html>") })
			return []string{"assume", "--saml", good(w), "--sts-endpoint", u}
		}, nil, []string{"not an STS response"}},
		{"assume: STS answers truncated JSON", func(w *world) []string {
			u := fakeEndpoint(w.t, func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, `{"RequestId":"x","Credentials":{`) })
			return []string{"assume", "--saml", good(w), "--sts-endpoint", u}
		}, nil, []string{"not an STS response"}},
		{"assume: STS redirects", func(w *world) []string {
			u := fakeEndpoint(w.t, func(rw http.ResponseWriter, r *http.Request) {
				http.Redirect(rw, r, "http://127.0.0.1:9/elsewhere", http.StatusTemporaryRedirect)
			})
			return []string{"assume", "--saml", good(w), "--sts-endpoint", u}
		}, nil, []string{"does not follow redirects"}},
		{"assume: STS stalls", func(w *world) []string {
			u := fakeEndpoint(w.t, func(rw http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(3 * time.Second):
				}
			})
			return []string{"assume", "--saml", good(w), "--sts-endpoint", u}
		}, map[string]string{"RAMSSO_STS_TIMEOUT": "500ms"}, []string{"did not answer within 500ms"}},
		// Unknown profiles.
		{"env: unknown profile", args("env", "nosuch"), nil, []string{"nosuch"}},
		{"process: unknown profile", args("process", "nosuch"), nil, []string{"nosuch"}},
		{"exec: unknown profile", args("exec", "nosuch", "--", "true"), nil, []string{"nosuch"}},
		{"rm: unknown profile", args("rm", "nosuch"), nil, []string{"nosuch"}},
		{"console: unknown profile", args("console", "nosuch", "--print"), nil, []string{"nosuch"}},
		{"login: unknown profile", args("login", "nosuch"), nil, []string{"nosuch"}},
		// Malformed settings.
		{"list: malformed settings", func(w *world) []string {
			_ = os.MkdirAll(w.home, 0o700)
			_ = os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"region": `), 0o600)
			return []string{"list"}
		}, nil, []string{"settings.json", "fix or delete"}},
		{"list: UTF-16 settings", func(w *world) []string {
			_ = os.MkdirAll(w.home, 0o700)
			_ = os.WriteFile(filepath.Join(w.home, "settings.json"), []byte("\xff\xfe{\x00}\x00"), 0o600)
			return []string{"list"}
		}, nil, []string{"UTF-16", "UTF-8"}},
		{"console: bad per-site sign-in host", func(w *world) []string {
			withSession(w)
			_ = os.WriteFile(filepath.Join(w.home, "settings.json"), []byte(`{"signinEndpoints": {"china": "ftp://signin.example"}}`), 0o600)
			return []string{"console", acct1 + "-admin", "--print"}
		}, nil, []string{"signinEndpoints.china"}},
		{"console: federation host unreachable names the setting", func(w *world) []string {
			withSession(w)
			return []string{"console", acct1 + "-admin", "--print"}
		}, map[string]string{"RAMSSO_SIGNIN_ENDPOINT": "http://127.0.0.1:1"}, []string{"RAMSSO_SIGNIN_ENDPOINT"}},
		// A malformed config.json is left alone.
		{"configure-cli: malformed config.json", func(w *world) []string {
			withSession(w)
			_ = os.MkdirAll(filepath.Join(w.workdir, ".aliyun"), 0o700)
			_ = os.WriteFile(filepath.Join(w.workdir, ".aliyun", "config.json"), []byte(`{"profiles": [`), 0o600)
			return []string{"configure-cli"}
		}, nil, []string{"config.json"}},
		// Failed commands change no state.
		{"serve: busy port", func(w *world) []string { return []string{"serve", "--port", busyPort(w.t)} }, nil, []string{"--port"}},
		{"emulator: non-loopback listen with --init", func(w *world) []string {
			return []string{"emulator", "--init", filepath.Join(w.workdir, "demo"), "--listen", "0.0.0.0:" + busyPort(w.t)}
		}, nil, []string{"loopback"}},
		{"emulator: busy port with --init", func(w *world) []string {
			return []string{"emulator", "--init", filepath.Join(w.workdir, "demo"), "--listen", "127.0.0.1:" + busyPort(w.t)}
		}, nil, []string{"listen"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range tc.env {
				w.env[k] = v
			}
			a := tc.setup(w)
			before := takeSnapshot(t, w.workdir)
			r := w.runBounded(a...)
			if r.code == 0 {
				t.Fatalf("ramsso %s succeeded; want a failure\nstderr: %s", strings.Join(a, " "), r.stderr)
			}
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if len(lines) != 1 || lines[0] == "" {
				t.Errorf("stderr has %d lines, want exactly one:\n%s", len(lines), r.stderr)
			}
			for _, bad := range []string{"panic", "goroutine ", "SDK.", "GetHttpStatusCode"} {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stderr carries %q: %s", bad, r.stderr)
				}
			}
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q lacks %q", strings.TrimSpace(r.stderr), want)
				}
			}
			if d := before.diff(takeSnapshot(t, w.workdir)); len(d) > 0 {
				t.Errorf("the failed command changed files: %v", d)
			}
		})
	}
}

// TestDoctorInFreshHomeCreatesNothing: doctor only looks.
func TestDoctorInFreshHomeCreatesNothing(t *testing.T) {
	w := newWorld(t)
	delete(w.env, "RAMSSO_STORE")
	before := takeSnapshot(t, w.workdir)
	w.runBounded("doctor")
	if _, err := os.Stat(w.home); err == nil {
		t.Errorf("doctor created %s", w.home)
	}
	if d := before.diff(takeSnapshot(t, w.workdir)); len(d) > 0 {
		t.Errorf("doctor changed files: %v", d)
	}
}

// TestUnwritableHome runs ramsso as an unprivileged user whose RAMSSO_HOME
// it cannot write (CI runs as root, which could): one line, no panic.
func TestUnwritableHome(t *testing.T) {
	dir, bin := asuser.Binary(t, "ramsso-cli-test")
	parent := filepath.Join(dir, "locked")
	if err := os.Mkdir(parent, 0o755); err != nil { // owned by root: nobody cannot create in it
		t.Fatal(err)
	}
	w := newWorld(t)
	resp := w.response(w.roles(roleValue(roleAdmin, provider)))
	data, _ := os.ReadFile(resp)
	in := filepath.Join(dir, "response.b64")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, a := range [][]string{
		{"assume", "--saml", in},
		{"serve", "--print", "p"},
		{"env", "nosuch"},
	} {
		argv, _ := json.Marshal(a)
		out := asuser.Run(t, bin, asuser.Nobody,
			"RAMSSO_CLI_TEST_ASUSER=1", "RAMSSO_CLI_TEST_ARGS="+string(argv),
			"RAMSSO_HOME="+filepath.Join(parent, "home"), "RAMSSO_STORE=file",
			"RAMSSO_STS_ENDPOINT="+w.stsURL, "HOME="+parent, "PATH=/usr/bin:/bin")
		var got struct {
			Code   int    `json:"code"`
			Stderr string `json:"stderr"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: child said %q", a, out)
		}
		lines := strings.Split(strings.TrimRight(got.Stderr, "\n"), "\n")
		if got.Code == 0 || len(lines) != 1 || strings.Contains(got.Stderr, "panic") {
			t.Errorf("%v as nobody: exit %d, stderr %q; want a failure with one line", a, got.Code, got.Stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(parent, "home")); err == nil {
		t.Errorf("a home was created")
	}
}

// TestProcessNeverRetriesTheKeyring: `ramsso process` (run by the aliyun
// CLI on every call) leaves a recorded keyring fallback alone, while a
// command a person runs retries it when a Secret Service is reachable.
func TestProcessNeverRetriesTheKeyring(t *testing.T) {
	w := newWorld(t)
	if r := w.runBounded("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider)))); r.code != 0 {
		t.Fatalf("assume: %s", r.stderr)
	}
	fallback := filepath.Join(w.home, store.FallbackFile)
	if err := os.WriteFile(fallback, []byte(`{"reason":"no answer within 5s; it may be locked"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(w.env, "RAMSSO_STORE") // the keyring, with the fallback recorded
	before := takeSnapshot(t, w.home)
	if r := w.runBounded("process", acct1+"-admin"); r.code != 0 {
		t.Fatalf("process: %s", r.stderr)
	}
	if d := before.diff(takeSnapshot(t, w.home)); len(d) > 0 {
		t.Errorf("process touched the store's state: %v", d)
	}
	r := w.runBounded("list")
	if r.code != 0 {
		t.Fatalf("list: %s", r.stderr)
	}
	if store.SecretServiceReachable(context.Background()) == nil {
		// A person's command retried: the fallback either healed or the
		// attempt was recorded for the rate limit.
		if _, err := os.Stat(fallback); err == nil {
			if _, err := os.Stat(filepath.Join(w.home, "store-heal-attempt")); err != nil {
				t.Errorf("list neither healed the fallback nor recorded a retry")
			}
		}
	}
}
