package resident

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

const (
	issuer   = "https://idp.example.com/app/ramsso"
	provA    = "acs:ram::1234567890123456:saml-provider/okta"
	provB    = "acs:ram::6543210987654321:saml-provider/okta"
	roleA1   = "acs:ram::1234567890123456:role/admin"
	roleA2   = "acs:ram::1234567890123456:role/readonly"
	roleB1   = "acs:ram::6543210987654321:role/dev"
	waitTime = 10 * time.Second
)

// clip records copies (the real X11 owner is tested in clipboard_linux_test.go).
type clip struct {
	mu     sync.Mutex
	text   string
	secret bool
	after  time.Duration
}

func (c *clip) Copy(_ context.Context, text string, secret bool, after time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.secret, c.after = text, secret, after
	return nil
}

func (c *clip) get() (string, bool, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, c.secret, c.after
}

// rig is a resident tray serving the local API on a real socket, with
// the window process played by this test binary, an STS emulator and a
// test IdP: the host's side is played by the test through
// localapi.Client, as ramsso-host does.
type rig struct {
	t      *testing.T
	home   string
	win    string // the window helper's script directory
	res    *Resident
	client *localapi.Client
	store  store.Store
	idp    *testidp.IdP
	sts    sts.Assumer
	clip   *clip
}

func newRig(t *testing.T, grace time.Duration) *rig {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(config.EnvNoBrowser, "1")
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: provA, Certificate: string(idp.CertPEM())}, {Arn: provB, Certificate: string(idp.CertPEM())}},
		Roles:     []emulator.Role{{Arn: roleA1, MaxSessionDuration: 43200}, {Arn: roleA2, MaxSessionDuration: 3600}, {Arn: roleB1, MaxSessionDuration: 7200}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := config.Update(ctx, home, func(s *config.Settings) error {
		s.AccountAliases = map[string]string{"1234567890123456": "prod"}
		s.ClipboardTimeout = "7s"
		s.IdPLoginURLs = map[string]string{issuer: "https://idp.example.com/login"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Both accounts are already confirmed (first-seen confirmation is the
	// popup's until the tray answers /v1/confirm).
	for _, acct := range []string{"1234567890123456", "6543210987654321"} {
		if err := (&capture.Trust{Home: home}).Record(ctx, issuer, acct); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	assumer, err := sts.New(sts.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	win := t.TempDir()
	c := &clip{}
	res, err := New(Options{
		Home: home, Store: st, Windows: helperWindows(t, win), Grace: grace, Clipboard: c,
		NewSTS: func(*config.Settings) (sts.Assumer, error) { return assumer, nil },
		Logf:   t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Start(ctx)
	ln, err := localapi.Listen(home)
	if err != nil {
		t.Fatal(err)
	}
	server := localapi.NewServer(res)
	server.Logf = t.Logf
	done := make(chan struct{})
	go func() { defer close(done); _ = server.Serve(ctx, ln) }()
	t.Cleanup(func() { res.Close(); cancel(); <-done })
	cl := localapi.Dial(home)
	t.Cleanup(cl.Close)
	return &rig{t: t, home: home, win: win, res: res, client: cl, store: st, idp: idp, sts: assumer, clip: c}
}

// assertion is a fresh signed SAMLResponse granting the three roles.
func (r *rig) assertion() (*saml.Response, string) {
	r.t.Helper()
	b64, err := r.idp.Response(testidp.Options{Roles: []string{roleA1 + "," + provA, roleA2 + "," + provA, roleB1 + "," + provB}, Lifetime: 5 * time.Minute})
	if err != nil {
		r.t.Fatal(err)
	}
	resp, err := saml.Decode([]byte(b64))
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, b64
}

func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type askResult struct {
	ans capture.Answer
	err error
}

// askAsync asks through the local API as the host does.
func (r *rig) askAsync(ctx context.Context, req capture.AskRequest) <-chan askResult {
	ch := make(chan askResult, 1)
	go func() {
		a, err := r.client.AskRole(ctx, req)
		ch <- askResult{a, err}
	}()
	return ch
}

func (r *rig) req(id string, resp *saml.Response) capture.AskRequest {
	return capture.AskRequest{ID: id, Issuer: resp.Issuer, Subject: resp.Subject, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter}
}

func menuSessions(m tray.MenuModel) int {
	n := 0
	for _, it := range m.Items {
		if len(it.Children) > 0 {
			n++
		}
	}
	return n
}

// TestHostTrayEmulator is the whole path: the host asks the tray over the
// socket, the window process shows the question and answers, the host
// exchanges with the STS emulator, stores the session and tells the tray,
// and the session shows in the menu; then "Pick role…" assumes a second
// role from the same login — the assertion never leaves the resident.
func TestHostTrayEmulator(t *testing.T) {
	r := newRig(t, time.Second)
	ctx := context.Background()
	resp, b64 := r.assertion()
	answer := r.askAsync(ctx, r.req("flow-1", resp))
	r.eventually("the picker on screen", func() bool { return !r.res.PickerShownAt().IsZero() })
	answer1 := "filter=dev"
	answerFile(t, r.win, 1, answer1)
	res := <-answer
	if res.err != nil || res.ans.RoleArn != roleB1 || res.ans.Duration != time.Hour {
		t.Fatalf("answer = %+v, %v", res.ans, res.err)
	}

	role, _ := resp.Role(res.ans.RoleArn)
	ex := capture.Exchanger{STS: r.sts, Store: r.store, Aliases: map[string]string{"1234567890123456": "prod"}}
	out, err := ex.Exchange(ctx, resp, role, capture.Options{Duration: res.ans.Duration})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.client.ReportCapture(ctx, localapi.CaptureReport{
		CaptureSummary: localapi.CaptureSummary{ID: "flow-1", Outcome: localapi.OutcomeDone, Profile: out.Session.Profile, RoleArn: role.RoleArn, Expiration: out.Session.Expiration},
		SAMLResponse:   b64,
	}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the session in the menu", func() bool {
		m := r.res.Menu()
		return menuSessions(m) == 1 && strings.HasPrefix(m.Items[0].Label, "6543210987654321-dev — ")
	})
	m := r.res.Menu()
	if m.Icon != tray.IconActive {
		t.Errorf("icon = %v", m.Icon)
	}
	last, err := r.client.LastCapture(ctx)
	if err != nil || !last.Pickable || last.Issuer != issuer || len(last.Roles) != 3 {
		t.Fatalf("last capture = %+v, %v", last, err)
	}
	ss, err := r.client.Sessions(ctx)
	if err != nil || len(ss) != 1 || ss[0].Credentials.AccessKeyID != "" {
		t.Fatalf("sessions over the API = %+v, %v", ss, err)
	}

	// "Pick role…" from the menu assumes another role with the same login.
	pick := m.Items[2]
	if pick.Action.Kind != tray.ActPickRole || pick.Disabled {
		t.Fatalf("pick item = %+v", pick)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.res.Do(ctx, pick.Action) }()
	answerFile(t, r.win, 2, "filter=prod read;remember;duration=30m")
	<-done
	r.eventually("two sessions", func() bool { return menuSessions(r.res.Menu()) == 2 })
	if got := seen(r.win); got != "flow-1,"+"tray-"+strings.Split(got, ",tray-")[1] {
		t.Errorf("questions seen by the window process: %s", got)
	}
	s, err := r.store.Get(ctx, "prod-readonly")
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(s.Expiration); left < 25*time.Minute || left > 31*time.Minute {
		t.Errorf("chosen 30 minutes, got %s", left)
	}
	got, ok, err := (&capture.State{Home: r.home}).RememberedChoice(resp.Issuer, resp.Roles)
	if err != nil || !ok || got != roleA2 {
		t.Errorf("remembered = %q %v %v", got, ok, err)
	}

	// Copying hands the secret to the clipboard owner, marked, with the timeout.
	r.res.Do(ctx, tray.Action{Kind: tray.ActCopySecret, Profile: "prod-readonly"})
	if text, secret, after := r.clip.get(); text != s.Credentials.AccessKeySecret || !secret || after != 7*time.Second {
		t.Errorf("copy secret: %q secret=%v after=%s", text, secret, after)
	}
	r.res.Do(ctx, tray.Action{Kind: tray.ActCopyEnv, Profile: "prod-readonly"})
	if text, _, _ := r.clip.get(); !strings.Contains(text, "export ALIBABA_CLOUD_SECURITY_TOKEN=") {
		t.Errorf("copy env: %q", text)
	}
	// Refresh records a re-login intent for the profile.
	r.res.Do(ctx, tray.Action{Kind: tray.ActRefresh, Profile: "prod-readonly"})
	in, err := (&capture.State{Home: r.home}).PendingIntent("prod-readonly")
	if err != nil || in == nil || in.RoleArn != roleA2 || in.Issuer != issuer {
		t.Fatalf("intent = %+v, %v", in, err)
	}
	// Remove deletes the session and the menu follows.
	r.res.Do(ctx, tray.Action{Kind: tray.ActRemove, Profile: "prod-readonly"})
	r.eventually("one session again", func() bool { return menuSessions(r.res.Menu()) == 1 })
	if _, err := r.store.Get(ctx, "prod-readonly"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after Remove: %v", err)
	}
	// With no window open the window process leaves after the grace period.
	r.eventually("the window process to exit", func() bool { return r.res.WindowPID() == 0 })
}

func answerFile(t *testing.T, dir string, n int, script string) {
	t.Helper()
	answer(t, dir, n, script)
}

// TestAskQueueOverAPI: several hosts ask at once; the window process gets
// one question at a time, in order, and a caller that gives up leaves the
// queue.
func TestAskQueueOverAPI(t *testing.T) {
	r := newRig(t, time.Second)
	resp, _ := r.assertion()
	first := r.askAsync(context.Background(), r.req("one", resp))
	r.eventually("first question", func() bool { return seen(r.win) == "one" })
	second := r.askAsync(context.Background(), r.req("two", resp))
	ctx3, cancel3 := context.WithCancel(context.Background())
	third := r.askAsync(ctx3, r.req("three", resp))
	r.eventually("three queued", func() bool { return r.res.QueueLen() == 3 })
	cancel3()
	if res := <-third; !errors.Is(res.err, context.Canceled) {
		t.Fatalf("third: %v", res.err)
	}
	r.eventually("third left", func() bool { return r.res.QueueLen() == 2 })
	answer(t, r.win, 1, "cancel")
	if res := <-first; !errors.Is(res.err, capture.ErrCancelled) {
		t.Fatalf("first: %v, want ErrCancelled", res.err)
	}
	answer(t, r.win, 2, "down")
	if res := <-second; res.err != nil || res.ans.RoleArn != roleA1 {
		t.Fatalf("second: %+v %v", res.ans, res.err)
	}
	if got := seen(r.win); got != "one,two" {
		t.Errorf("window process saw %s, want one,two", got)
	}
	// An assertion that expires while waiting ends the question with a timeout.
	short := r.req("late", resp)
	short.AssertionExpires = time.Now().Add(300 * time.Millisecond)
	if res := <-r.askAsync(context.Background(), short); !errors.Is(res.err, localapi.ErrTimeout) {
		t.Fatalf("expired assertion: %v, want ErrTimeout", res.err)
	}
}

// TestTwoQuestionsAtOnce: two hosts ask at the same moment (two windows'
// worth of questions); both are answered, one after the other, in the
// order they arrived.
func TestTwoQuestionsAtOnce(t *testing.T) {
	r := newRig(t, time.Second)
	resp, _ := r.assertion()
	a := r.askAsync(context.Background(), r.req("a", resp))
	r.eventually("a queued", func() bool { return r.res.QueueLen() == 1 })
	b := r.askAsync(context.Background(), r.req("b", resp))
	r.eventually("both queued", func() bool { return r.res.QueueLen() == 2 })
	answer(t, r.win, 1, "filter=dev")
	answer(t, r.win, 2, "filter=admin")
	ra, rb := <-a, <-b
	if ra.err != nil || ra.ans.RoleArn != roleB1 || rb.err != nil || rb.ans.RoleArn != roleA1 {
		t.Fatalf("a = %+v %v, b = %+v %v", ra.ans, ra.err, rb.ans, rb.err)
	}
	if got := seen(r.win); got != "a,b" {
		t.Errorf("window process saw %s, want a,b", got)
	}
}

// TestWindowProcessKilled: the window process dies mid-question; the host
// gets a clear error at once (not a hang), and the next question starts
// a new window process.
func TestWindowProcessKilled(t *testing.T) {
	r := newRig(t, time.Second)
	resp, _ := r.assertion()
	res := r.askAsync(context.Background(), r.req("doomed", resp))
	r.eventually("the question on screen", func() bool { return seen(r.win) == "doomed" })
	pid := r.res.WindowPID()
	if pid == 0 {
		t.Fatal("no window process")
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-res:
		if got.err == nil || !strings.Contains(got.err.Error(), "picker window closed before a role was chosen") {
			t.Fatalf("after the kill: %+v %v", got.ans, got.err)
		}
		t.Logf("the host saw: %v", got.err)
	case <-time.After(waitTime):
		t.Fatal("the host's question hangs after the window process was killed")
	}
	again := r.askAsync(context.Background(), r.req("again", resp))
	r.eventually("a new window process", func() bool { p := r.res.WindowPID(); return p != 0 && p != pid })
	answer(t, r.win, 1, "filter=dev") // the new process counts from 1 again
	select {
	case got := <-again:
		if got.err != nil || got.ans.RoleArn != roleB1 {
			t.Fatalf("after restart: %+v %v", got.ans, got.err)
		}
	case <-time.After(waitTime):
		t.Fatal("the question after the restart was never answered")
	}
}

// TestNoWindowProcess: without ramsso-tray-ui a question fails at once
// with a message that says so (the host then asks in the extension's popup).
func TestNoWindowProcess(t *testing.T) {
	r := newRig(t, time.Second)
	r.res.o.Windows = nil
	resp, _ := r.assertion()
	got := <-r.askAsync(context.Background(), r.req("x", resp))
	if got.err == nil || !strings.Contains(got.err.Error(), "ramsso-tray-ui is not installed") {
		t.Fatalf("without a window process: %v", got.err)
	}
}

// TestShowSettingsAndSessions: the settings and sessions windows go to
// the window process.
func TestShowSettingsAndSessions(t *testing.T) {
	r := newRig(t, time.Second)
	ctx := context.Background()
	if err := r.client.Show(ctx, "settings"); err != nil {
		t.Fatal(err)
	}
	if err := r.client.Show(ctx, "sessions"); err != nil {
		t.Fatal(err)
	}
	r.eventually("both windows", func() bool {
		b, _ := os.ReadFile(filepath.Join(r.win, "windows"))
		return string(b) == "settings\nsessions\n"
	})
}

func TestDueWarnings(t *testing.T) {
	t0 := time.Now()
	warned := map[string]time.Time{}
	ss := []store.Session{{Profile: "a", Expiration: t0.Add(9 * time.Minute)}, {Profile: "b", Expiration: t0.Add(time.Hour)}}
	if due := tray.DueWarnings(ss, warned, t0, 10*time.Minute); len(due) != 1 || due[0].Profile != "a" {
		t.Fatalf("due = %+v", due)
	}
}

func TestOpenConsoleShellsOut(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ramsso")
	body := "#!/bin/sh\necho \"$@\" > " + filepath.Join(dir, "args") + "\n" +
		"echo 'https://signin.aliyun.com/federation?SigninToken=SECRET'\n" +
		"echo 'ramsso: no session p' >&2\nexit 1\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &Resident{o: Options{RamssoExe: script}}
	err := r.openConsole(context.Background(), "p")
	if err == nil || !strings.Contains(err.Error(), "ramsso: no session p") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("openConsole error = %v", err)
	}
	if args, _ := os.ReadFile(filepath.Join(dir, "args")); string(args) != "console p\n" {
		t.Errorf("ran ramsso %q", args)
	}
}
