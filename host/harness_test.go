package host

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// TestMain lets the test binary act as ramsso-host for process tests.
func TestMain(m *testing.M) {
	if os.Getenv("RAMSSO_HOST_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], "test-version", Hooks{}))
	}
	os.Exit(m.Run())
}

const (
	acct1  = "1234567890123456"
	acct2  = "2222222222222222"
	prov1  = "acs:ram::" + acct1 + ":saml-provider/okta"
	prov2  = "acs:ram::" + acct2 + ":saml-provider/okta"
	admin  = "acs:ram::" + acct1 + ":role/admin"
	ro     = "acs:ram::" + acct1 + ":role/readonly"
	dev    = "acs:ram::" + acct2 + ":role/dev"
	issuer = "https://idp.example.com/app/ramsso"
)

var origin = browsers.Origin(browsers.ChromeExtensionID)

// world is a ramsso home wired (through settings.json, as the real host
// reads it) to a file store and an STS emulator with a fixed clock.
type world struct {
	t     testing.TB
	home  string
	idp   *testidp.IdP
	emu   *emulator.Server
	url   string
	clock time.Time
}

func newWorld(t testing.TB, extra map[string]any) *world {
	t.Helper()
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: prov1, Certificate: string(idp.CertPEM())}, {Arn: prov2, Certificate: string(idp.CertPEM())}},
		Roles:     []emulator.Role{{Arn: admin, MaxSessionDuration: 43200}, {Arn: ro}, {Arn: dev, MaxSessionDuration: 7200}},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now().UTC().Truncate(time.Second)
	emu.SetClock(func() time.Time { return clock })
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	home := filepath.Join(t.TempDir(), "home")
	set := map[string]any{"store": "file", "sts": map[string]any{"endpoint": srv.URL}}
	for k, v := range extra {
		set[k] = v
	}
	b, _ := json.Marshal(set)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, config.SettingsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The test IdP and its accounts are ones the user confirmed before
	// (confirm_test.go covers a first sign-in).
	tr := &capture.Trust{Home: home}
	for _, a := range []string{acct1, acct2} {
		if err := tr.Record(context.Background(), issuer, a); err != nil {
			t.Fatal(err)
		}
	}
	return &world{t: t, home: home, idp: idp, emu: emu, url: srv.URL, clock: clock}
}

func (w *world) assertion(o testidp.Options, roles ...string) string {
	w.t.Helper()
	for _, r := range roles {
		p := prov1
		if strings.Contains(r, acct2) {
			p = prov2
		}
		o.Roles = append(o.Roles, r+","+p)
	}
	if o.Now.IsZero() {
		o.Now = w.clock
	}
	b64, err := w.idp.Response(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return b64
}

func (w *world) store() store.Store {
	st, err := store.Open(context.Background(), w.home, store.KindFile)
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// conn is one host process (or in-process Serve) seen from the browser.
type conn struct {
	t       testing.TB
	in      io.WriteCloser
	replies chan map[string]any
	raw     *bytes.Buffer // every byte the host wrote on stdout
	rawMu   *sync.Mutex
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	done    chan struct{}
}

func (w *world) spawn(args ...string) *conn {
	w.t.Helper()
	if args == nil {
		args = []string{origin}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "RAMSSO_HOST_TEST_MAIN=1", "RAMSSO_HOME="+w.home,
		"RAMSSO_STORE=", "RAMSSO_STS_ENDPOINT=", "DISPLAY=", "WAYLAND_DISPLAY=")
	in, err := cmd.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	c := &conn{t: w.t, in: in, cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	c.read(out)
	w.t.Cleanup(func() {
		in.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return c
}

func (c *conn) read(out io.Reader) {
	c.replies = make(chan map[string]any, 100)
	c.raw = &bytes.Buffer{}
	c.rawMu = &sync.Mutex{}
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		defer close(c.replies)
		tee := io.TeeReader(out, lockedWriter{c.raw, c.rawMu})
		for {
			b, err := nativemsg.ReadFrame(tee)
			if err != nil {
				if c.cmd != nil {
					_ = c.cmd.Wait()
				}
				return
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				m = map[string]any{"invalid": string(b)}
			}
			c.replies <- m
		}
	}()
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (c *conn) send(v any) {
	c.t.Helper()
	if err := nativemsg.WriteJSON(c.in, v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *conn) next() map[string]any {
	c.t.Helper()
	select {
	case m, ok := <-c.replies:
		if !ok {
			c.t.Fatalf("host closed stdout; stderr: %s", c.stderr)
		}
		if _, ok := m["ok"].(bool); !ok {
			c.t.Fatalf("reply without ok: %v", m)
		}
		return m
	case <-time.After(10 * time.Second):
		c.t.Fatal("no reply in time")
	}
	return nil
}

// until reads replies for id until one of type typ (or an error/done),
// returning it and the states seen on the way.
func (c *conn) until(id, typ string) (map[string]any, []string) {
	c.t.Helper()
	var states []string
	for {
		m := c.next()
		if m["id"] != id && id != "" {
			continue
		}
		if m["type"] == "status" {
			states = append(states, m["state"].(string))
			if typ == "status:"+m["state"].(string) {
				return m, states
			}
			continue
		}
		if m["type"] == typ || m["type"] == "error" || m["type"] == "done" {
			return m, states
		}
	}
}

func (c *conn) waitExit(d time.Duration) {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		c.t.Fatalf("host did not exit within %s", d)
	}
}

func (c *conn) stdout() string {
	c.rawMu.Lock()
	defer c.rawMu.Unlock()
	return c.raw.String()
}

func capMsg(id, saml string) map[string]any {
	return map[string]any{"type": "capture", "id": id, "tabId": 7, "url": "https://signin.aliyun.com/saml-role/sso",
		"initiator": "https://idp.example.com", "samlResponse": saml}
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	if e == nil {
		return ""
	}
	if r, _ := e["remedy"].(string); r == "" {
		return "NO-REMEDY"
	}
	c, _ := e["code"].(string)
	return c
}

func (w *world) serve(h *Host) *conn {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &conn{t: w.t, in: inW, stderr: &bytes.Buffer{}}
	c.read(outR)
	go func() {
		_ = h.Serve(context.Background(), inR, outW)
		outW.Close()
	}()
	w.t.Cleanup(func() { inW.Close() })
	return c
}

func (w *world) host() *Host {
	set, err := config.Load(w.home)
	if err != nil {
		w.t.Fatal(err)
	}
	h := &Host{Version: "v", Home: w.home, Settings: set}
	h.NewExchanger = func(ctx context.Context) (*capture.Exchanger, error) {
		return NewExchanger(ctx, w.home, set, nil)
	}
	return h
}
