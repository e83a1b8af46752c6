package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

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
