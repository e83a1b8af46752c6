package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
	"github.com/ramsso/ramsso/internal/emulator"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/testidp"
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

func TestProcessPing(t *testing.T) {
	w := newWorld(t, nil)
	c := w.spawn()
	c.send(map[string]any{"type": "ping"})
	m := c.next()
	if m["type"] != "pong" || m["ok"] != true || m["protocol"] != float64(1) || m["version"] != "test-version" {
		t.Fatalf("pong = %v", m)
	}
	for _, args := range [][]string{{"--parent-window=0", origin}, {"/x/com.ramsso.host.json", browsers.FirefoxExtensionID}} {
		c := w.spawn(args...)
		c.send(map[string]any{"type": "ping"})
		if m := c.next(); m["type"] != "pong" {
			t.Fatalf("%v: %v", args, m)
		}
	}
}

func TestProcessCaptureOneRole(t *testing.T) {
	w := newWorld(t, map[string]any{"accountAliases": map[string]string{acct1: "prod"}})
	c := w.spawn()
	b64 := w.assertion(testidp.Options{}, admin)
	c.send(capMsg("f1", b64))
	m, states := c.until("f1", "done")
	if m["type"] != "done" {
		t.Fatalf("reply %v; stderr %s", m, c.stderr)
	}
	want := w.clock.Add(time.Hour).Format("2006-01-02T15:04:05Z")
	if m["expiration"] != want || m["roleArn"] != admin || m["profile"] != "prod-admin" {
		t.Fatalf("done = %v, want expiration %s", m, want)
	}
	if strings.Join(states, ",") != "deciding,exchanging" {
		t.Errorf("states %v", states)
	}
	s, err := w.store().Get(context.Background(), "prod-admin")
	if err != nil || s.Expiration.Format("2006-01-02T15:04:05Z") != want || s.Credentials.AccessKeyID == "" {
		t.Fatalf("stored %+v, %v", s, err)
	}
	c.in.Close()
	c.waitExit(5 * time.Second)
	assertNoSecrets(t, w, b64, c.stdout(), s)
}

// assertNoSecrets checks stdout and host.log for the session's keys and
// the assertion.
func assertNoSecrets(t *testing.T, w *world, b64, stdout string, s *store.Session) {
	t.Helper()
	logb, err := os.ReadFile(filepath.Join(w.home, LogFile))
	if err != nil {
		t.Fatalf("host.log: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(w.home, LogFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("host.log mode %v", fi.Mode())
	}
	if !strings.Contains(string(logb), "stored") {
		t.Errorf("host.log does not record the outcome:\n%s", logb)
	}
	secrets := map[string]string{"AccessKeyId": s.Credentials.AccessKeyID, "AccessKeySecret": s.Credentials.AccessKeySecret,
		"SecurityToken": s.Credentials.SecurityToken, "assertion": b64[len(b64)/2 : len(b64)/2+40]}
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("%s empty: test proves nothing", name)
		}
		if strings.Contains(stdout, v) {
			t.Errorf("%s on stdout", name)
		}
		if strings.Contains(string(logb), v) {
			t.Errorf("%s in host.log", name)
		}
	}
}

func TestProcessSeveralRoles(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]any
		setup    func(t *testing.T, w *world)
		drive    func(t *testing.T, c *conn)
		target   string
		want     string
	}{
		{name: "console choice", want: dev,
			drive: func(t *testing.T, c *conn) {
				c.until("f", "status:waiting_console")
				c.send(map[string]any{"type": "consoleChoice", "id": "f", "targetRole": "acs:ram::9:role/x,acs:ram::9:saml-provider/y"})
				if m := c.next(); errCode(m) != capture.CodeBadRole || m["id"] != "f" {
					t.Fatalf("foreign console role: %v", m)
				}
				c.send(map[string]any{"type": "consoleChoice", "id": "f", "targetRole": dev + "," + prov2})
			}},
		{name: "target role in capture", target: ro + "," + prov1, want: ro},
		{name: "popup choice", settings: map[string]any{"consoleChoiceWait": "50ms"}, want: ro,
			drive: func(t *testing.T, c *conn) {
				m, _ := c.until("f", "status:needs_choice")
				if roles, _ := m["roles"].([]any); len(roles) != 3 || roles[0].(map[string]any)["accountAlias"] != "prod" {
					t.Fatalf("needs_choice roles: %v", m["roles"])
				}
				c.send(map[string]any{"type": "choose", "id": "f", "roleArn": "acs:ram::9:role/x"})
				if m := c.next(); errCode(m) != capture.CodeBadRole {
					t.Fatalf("foreign choice: %v", m)
				}
				c.send(map[string]any{"type": "choose", "id": "f", "roleArn": ro})
			}},
		{name: "remembered", want: admin,
			setup: func(t *testing.T, w *world) {
				st := &capture.State{Home: w.home}
				if err := st.RememberChoice(context.Background(), issuer, rolesOf(admin, ro, dev), admin); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "intent", want: dev,
			setup: func(t *testing.T, w *world) {
				st := &capture.State{Home: w.home}
				if err := st.RecordIntent(context.Background(), capture.Intent{Profile: "my-dev", RoleArn: dev, Issuer: issuer}); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]any{"accountAliases": map[string]string{acct1: "prod"}}
			for k, v := range tc.settings {
				set[k] = v
			}
			w := newWorld(t, set)
			if tc.setup != nil {
				tc.setup(t, w)
			}
			c := w.spawn()
			msg := capMsg("f", w.assertion(testidp.Options{}, admin, ro, dev))
			if tc.target != "" {
				msg["targetRole"] = tc.target
			}
			c.send(msg)
			if tc.drive != nil {
				tc.drive(t, c)
			}
			m, _ := c.until("f", "done")
			if m["type"] != "done" || m["roleArn"] != tc.want {
				t.Fatalf("got %v, want done for %s", m, tc.want)
			}
			if tc.name == "intent" && m["profile"] != "my-dev" {
				t.Errorf("intent profile: %v", m["profile"])
			}
			{
				by := map[string]string{"console choice": capture.ByConsole, "target role in capture": capture.ByTarget,
					"popup choice": capture.ByChoice, "remembered": capture.ByMemory, "intent": capture.ByIntent}[tc.name]
				if m["decidedBy"] != by {
					t.Errorf("decidedBy %v, want %s", m["decidedBy"], by)
				}
			}
		})
	}
}

func rolesOf(arns ...string) []saml.Role {
	out := make([]saml.Role, len(arns))
	for i, a := range arns {
		out[i] = saml.Role{RoleArn: a}
	}
	return out
}

func TestProcessErrors(t *testing.T) {
	w := newWorld(t, nil)
	t.Run("expired assertion", func(t *testing.T) {
		c := w.spawn()
		c.send(capMsg("e", w.assertion(testidp.Options{Now: time.Now().Add(-time.Hour)}, admin)))
		m, _ := c.until("e", "error")
		e := m["error"].(map[string]any)
		if e["code"] != capture.CodeAssertionExpired || !strings.Contains(e["remedy"].(string), "log in again") || m["id"] != "e" {
			t.Fatalf("expired: %v", m)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		c := w.spawn()
		c.send(capMsg("x", w.assertion(testidp.Options{}, admin, ro)))
		c.until("x", "status:waiting_console")
		c.send(map[string]any{"type": "cancel", "id": "x"})
		if m, _ := c.until("x", "error"); errCode(m) != capture.CodeCancelled {
			t.Fatalf("cancel: %v", m)
		}
	})
	t.Run("stdin closed mid-flow", func(t *testing.T) {
		c := w.spawn()
		c.send(capMsg("s", w.assertion(testidp.Options{}, admin, ro)))
		c.until("s", "status:waiting_console")
		c.in.Close()
		if m, _ := c.until("s", "error"); errCode(m) != capture.CodeNoChoice {
			t.Fatalf("closed: %v", m)
		}
		c.waitExit(5 * time.Second)
	})
	t.Run("foreign origin", func(t *testing.T) {
		for _, args := range [][]string{{"chrome-extension://abcdefghijklmnopabcdefghijklmnop/"}, {"/m.json", "evil@example.com"}, {"just-one-arg"}} {
			c := w.spawn(append([]string{}, args...)...)
			m := c.next()
			if errCode(m) != CodeForbiddenOrigin || !strings.Contains(m["error"].(map[string]any)["remedy"].(string), "allowedExtensionIds") {
				t.Fatalf("%v: %v", args, m)
			}
			c.waitExit(5 * time.Second)
			if c.cmd.ProcessState.ExitCode() != 0 {
				t.Errorf("exit %d", c.cmd.ProcessState.ExitCode())
			}
		}
		// A 100 KB caller id is capped in the log and in the reply.
		before, _ := os.ReadFile(filepath.Join(w.home, LogFile))
		huge := "chrome-extension://" + strings.Repeat("a", 100*1024) + "/"
		hc := w.spawn(huge)
		if m := hc.next(); errCode(m) != CodeForbiddenOrigin || len(m["error"].(map[string]any)["message"].(string)) > 400 {
			t.Fatalf("huge id reply: %.300v", m)
		}
		hc.waitExit(5 * time.Second)
		after, _ := os.ReadFile(filepath.Join(w.home, LogFile))
		if grown := len(after) - len(before); grown > 2048 {
			t.Errorf("a 100 KB extension id grew the log by %d bytes", grown)
		}
		// started with no arguments: the user's own shell or script, not a browser
		direct := w.spawn([]string{}...)
		direct.send(map[string]any{"type": "ping"})
		if m := direct.next(); m["type"] != "pong" {
			t.Fatalf("direct start refused: %v", m)
		}
		direct.in.Close()
		direct.waitExit(5 * time.Second)
		w2 := newWorld(t, map[string]any{"allowedExtensionIds": []string{"abcdefghijklmnopabcdefghijklmnop"}})
		c := w2.spawn("chrome-extension://abcdefghijklmnopabcdefghijklmnop/")
		c.send(map[string]any{"type": "ping"})
		if m := c.next(); m["type"] != "pong" {
			t.Fatalf("allowed id refused: %v", m)
		}
	})
	t.Run("over-cap length", func(t *testing.T) {
		c := w.spawn()
		var hdr [4]byte
		binary.NativeEndian.PutUint32(hdr[:], nativemsg.MaxIncoming+1)
		_, _ = c.in.Write(hdr[:])
		if m := c.next(); errCode(m) != CodeTooLarge {
			t.Fatalf("over cap: %v", m)
		}
		c.waitExit(5 * time.Second)
	})
	t.Run("truncated frame", func(t *testing.T) {
		c := w.spawn()
		var hdr [4]byte
		binary.NativeEndian.PutUint32(hdr[:], 100)
		_, _ = c.in.Write(append(hdr[:], `{"type":"pi`...))
		c.in.Close()
		if m := c.next(); errCode(m) != CodeBadFrame {
			t.Fatalf("truncated: %v", m)
		}
		c.waitExit(5 * time.Second)
	})
}

func TestProcessTwoFlowsAtOnce(t *testing.T) {
	w := newWorld(t, map[string]any{"consoleChoiceWait": "5s"})
	c := w.spawn()
	c.send(capMsg("a", w.assertion(testidp.Options{}, admin, ro)))
	c.send(capMsg("b", w.assertion(testidp.Options{Subject: "bob@example.com"}, admin, dev)))
	// Both wait for their console at once; answer in reverse order.
	waiting := map[string]bool{}
	for len(waiting) < 2 {
		m := c.next()
		if m["state"] == "waiting_console" {
			waiting[m["id"].(string)] = true
		}
	}
	c.send(map[string]any{"type": "consoleChoice", "id": "b", "targetRole": dev + "," + prov2})
	c.send(map[string]any{"type": "consoleChoice", "id": "a", "targetRole": ro + "," + prov1})
	done := map[string]string{}
	for len(done) < 2 {
		m := c.next()
		if m["type"] == "error" {
			t.Fatalf("error: %v", m)
		}
		if m["type"] == "done" {
			done[m["id"].(string)] = m["roleArn"].(string)
		}
	}
	if done["a"] != ro || done["b"] != dev {
		t.Fatalf("done %v", done)
	}
	if l, _ := w.store().List(context.Background()); len(l) != 2 {
		t.Fatalf("stored %d sessions", len(l))
	}
}

// serve runs Host.Serve in-process over pipes.
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

func TestMessageTable(t *testing.T) {
	w := newWorld(t, nil)
	c := w.serve(w.host())
	tests := []struct {
		name  string
		frame string
		want  string // error code, or reply type
	}{
		{"ping", `{"type":"ping"}`, "pong"},
		{"invalid json", `{"type":`, CodeBadMessage},
		{"not an object", `[1,2]`, CodeBadMessage},
		{"null", `null`, CodeBadMessage},
		{"wrong field type", `{"type":"capture","id":5}`, CodeBadMessage},
		{"unknown type", `{"type":"launch","id":"z"}`, CodeUnknownType},
		{"no type", `{"id":"z"}`, CodeBadMessage},
		{"capture without id", `{"type":"capture","samlResponse":"PHg+"}`, CodeMissingID},
		{"capture without saml", `{"type":"capture","id":"q"}`, capture.CodeBadSAML},
		{"capture with junk saml", `{"type":"capture","id":"q","samlResponse":"!!!not base64"}`, capture.CodeBadSAML},
		{"choose unknown flow", `{"type":"choose","id":"nope","roleArn":"x"}`, CodeUnknownFlow},
		{"cancel without id", `{"type":"cancel"}`, CodeMissingID},
		{"utf8 garbage", "\xff\xfe", CodeBadMessage},
	}
	for _, tc := range tests {
		if err := nativemsg.WriteFrame(c.in, []byte(tc.frame)); err != nil {
			t.Fatal(err)
		}
		m := c.next()
		got, _ := m["type"].(string)
		if got == "error" {
			got = errCode(m)
		}
		if got != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, m, tc.want)
		}
	}
}

func TestDuplicateFlowAndPanic(t *testing.T) {
	w := newWorld(t, nil)
	h := w.host()
	h.HasDisplay = func() bool { return false }
	h.NotifyTray = func(context.Context, store.Session) { panic("tray hook boom") }
	c := w.serve(h)
	b64 := w.assertion(testidp.Options{}, admin, ro)
	c.send(capMsg("d", b64))
	c.until("d", "status:waiting_console")
	c.send(capMsg("d", b64))
	if m := c.next(); errCode(m) != CodeDuplicateFlow {
		t.Fatalf("duplicate: %v", m)
	}
	c.send(map[string]any{"type": "consoleChoice", "id": "d", "targetRole": admin})
	if m, _ := c.until("d", "done"); m["type"] != "done" {
		t.Fatalf("%v", m)
	}
	// the panicking hook did not take the host down
	c.send(map[string]any{"type": "ping"})
	if m := c.next(); m["type"] != "pong" {
		t.Fatalf("after hook panic: %v", m)
	}
}

func TestRotatingLog(t *testing.T) {
	p := filepath.Join(t.TempDir(), "host.log")
	l, err := OpenLog(p, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		fmt.Fprintf(l, "line %02d 0123456789012345678901234567890123456789\n", i)
	}
	l.Close()
	cur, _ := os.ReadFile(p)
	old, _ := os.ReadFile(p + ".1")
	if len(cur) > 100 || len(old) == 0 || !strings.Contains(string(cur), "line 09") {
		t.Fatalf("rotation: cur %q old %q", cur, old)
	}
	if _, err := os.Stat(p + ".2"); err == nil {
		t.Error("more than one old log kept")
	}
}

func TestParseCaller(t *testing.T) {
	tests := []struct {
		args []string
		want Caller
	}{
		{[]string{origin}, Caller{Origin: origin, ExtensionID: browsers.ChromeExtensionID, Browser: browsers.Chromium}},
		{[]string{origin, "--parent-window=123"}, Caller{Origin: origin, ExtensionID: browsers.ChromeExtensionID, Browser: browsers.Chromium}},
		{[]string{"/p/com.ramsso.host.json", "ramsso@ramsso.dev"}, Caller{ExtensionID: "ramsso@ramsso.dev", Browser: browsers.Firefox}},
		{nil, Caller{Direct: true}},
		{[]string{"just-one-arg"}, Caller{}},
	}
	for _, tc := range tests {
		if got := ParseCaller(tc.args); got != tc.want {
			t.Errorf("%v: %+v", tc.args, got)
		}
	}
	if (Caller{ExtensionID: "ramsso@ramsso.dev", Browser: browsers.Chromium}).Allowed(nil) {
		t.Error("gecko id accepted as a chrome origin")
	}
	if !ParseCaller(nil).Allowed(nil) {
		t.Error("a direct start from the shell was refused")
	}
	if ParseCaller([]string{"just-one-arg"}).Allowed(nil) || ParseCaller([]string{"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"}).Allowed(nil) {
		t.Error("an unknown caller was accepted")
	}
}

// FuzzHost feeds random frames to the host: it must never panic or hang,
// and every reply must be valid JSON with ok.
func FuzzHost(f *testing.F) {
	for _, s := range []string{`{"type":"ping"}`, `{"type":"capture","id":"a","samlResponse":"PHNhbWxwOlJlc3BvbnNlLz4="}`,
		`{"type":"choose","id":"a","roleArn":"acs:ram::1:role/x","duration":"1h"}`, `{"type":"cancel","id":"a"}`, `[`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &Host{Version: "fuzz", Home: t.TempDir(), Settings: &config.Settings{ConsoleChoiceWait: "1ms"}, DrainTimeout: time.Second}
		h.NewExchanger = func(context.Context) (*capture.Exchanger, error) { return nil, fmt.Errorf("no exchange in fuzzing") }
		var in bytes.Buffer
		_ = nativemsg.WriteFrame(&in, data)
		in.Write(data) // and the raw bytes as a second, probably broken, frame
		var out bytes.Buffer
		done := make(chan struct{})
		go func() { _ = h.Serve(context.Background(), &in, &out); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("host hung")
		}
		for out.Len() > 0 {
			b, err := nativemsg.ReadFrame(&out)
			if err != nil {
				t.Fatalf("bad reply framing: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("reply not JSON: %q", b)
			}
			if _, ok := m["ok"].(bool); !ok {
				t.Fatalf("reply without ok: %s", b)
			}
		}
	})
}

type trayStub struct{ arn string }

func (s trayStub) AskRole(_ context.Context, req capture.AskRequest) (capture.Answer, error) {
	return capture.Answer{RoleArn: s.arn}, nil
}

// TestTrayHooks: no tray answers at first, a display exists, so the host
// starts the tray once and then asks it; the stored session is announced.
func TestTrayHooks(t *testing.T) {
	w := newWorld(t, map[string]any{"consoleChoiceWait": "20ms", "configureCli": true})
	h := w.host()
	var mu sync.Mutex
	started, notified, configured := 0, "", ""
	var reported []CaptureEnd
	h.ReportCapture = func(_ context.Context, end CaptureEnd) {
		mu.Lock()
		reported = append(reported, end)
		mu.Unlock()
	}
	h.HasDisplay = func() bool { return true }
	h.StartTray = func() error { mu.Lock(); started++; mu.Unlock(); return nil }
	h.TrayAsker = func(context.Context) (capture.Asker, bool) {
		mu.Lock()
		defer mu.Unlock()
		return trayStub{dev}, started > 0
	}
	h.NotifyTray = func(_ context.Context, s store.Session) {
		mu.Lock()
		notified = s.Profile
		mu.Unlock()
		if s.Credentials.AccessKeySecret != "" {
			t.Error("hook got secrets")
		}
	}
	h.ConfigureCLI = func(_ context.Context, s store.Session) (string, error) {
		mu.Lock()
		configured = s.Profile
		mu.Unlock()
		return "", nil
	}
	c := w.serve(h)
	c.send(capMsg("t", w.assertion(testidp.Options{}, admin, dev)))
	m, states := c.until("t", "done")
	if m["type"] != "done" || m["roleArn"] != dev || m["decidedBy"] != capture.ByTray {
		t.Fatalf("%v", m)
	}
	if strings.Join(states, ",") != "deciding,waiting_console,asking_tray,exchanging" {
		t.Errorf("states %v", states)
	}
	c.in.Close()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		ok := notified != "" && configured != "" && len(reported) == 1
		mu.Unlock()
		if ok {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if started != 1 || notified != m["profile"] || configured != m["profile"] {
		t.Fatalf("started %d, notified %q, configured %q", started, notified, configured)
	}
	// the tray hears how the capture ended, with the assertion for "Pick role…"
	if len(reported) != 1 || reported[0].ID != "t" || reported[0].Err != nil || reported[0].Result == nil ||
		reported[0].Result.Outcome.Session.RoleArn != dev || reported[0].Response == nil || reported[0].Response.Base64 == "" {
		t.Fatalf("reported %+v", reported)
	}
}

// TestReportCaptureOnError: a failed capture is reported to the tray too.
func TestReportCaptureOnError(t *testing.T) {
	w := newWorld(t, nil)
	h := w.host()
	got := make(chan CaptureEnd, 1)
	h.ReportCapture = func(_ context.Context, end CaptureEnd) { got <- end }
	c := w.serve(h)
	c.send(capMsg("e", w.assertion(testidp.Options{Now: time.Now().Add(-time.Hour)}, admin)))
	if m, _ := c.until("e", "error"); m["type"] != "error" {
		t.Fatalf("%v", m)
	}
	select {
	case end := <-got:
		if end.Err == nil || end.Err.Code != capture.CodeAssertionExpired || end.Result != nil {
			t.Fatalf("reported %+v", end)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("failed capture not reported")
	}
}
