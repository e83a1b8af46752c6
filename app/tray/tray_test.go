package tray

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/emulator"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
	"github.com/ramsso/ramsso/internal/testidp"
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

// rig is a tray on a test app, serving the local API on a real socket,
// with an STS emulator and a test IdP: the host side is played by the test
// through localapi.Client, as ramsso-host does.
type rig struct {
	t      *testing.T
	home   string
	tray   *Tray
	app    fyne.App
	client *localapi.Client
	store  store.Store
	idp    *testidp.IdP
	sts    sts.Assumer
	uiq    chan func()
}

// uiLoop is the test's UI thread: one goroutine runs every UI call, as
// Fyne's real driver does (the test driver runs fyne.Do inline).
func uiLoop(t *testing.T) chan func() {
	q := make(chan func(), 1024)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case f := <-q:
				f()
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return q
}

// sync runs f on the UI thread and waits for it.
func (r *rig) sync(f func()) {
	done := make(chan struct{})
	r.uiq <- func() { defer close(done); f() }
	<-done
}

func newRig(t *testing.T) *rig {
	t.Helper()
	app := test.NewTempApp(t)
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(config.EnvNoBrowser, "")
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
		s.ClipboardTimeout = "1s"
		s.IdPLoginURLs = map[string]string{issuer: "https://idp.example.com/login"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	assumer, err := sts.New(sts.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	uiq := uiLoop(t)
	tr, err := New(Options{
		Do:   func(f func()) { uiq <- f },
		Home: home, App: app, Store: st,
		NewSTS: func(*config.Settings) (sts.Assumer, error) { return assumer, nil },
		Logf:   t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start(ctx)
	ln, err := localapi.Listen(home)
	if err != nil {
		t.Fatal(err)
	}
	server := localapi.NewServer(tr)
	server.Logf = t.Logf
	done := make(chan struct{})
	go func() { defer close(done); _ = server.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	c := localapi.Dial(home)
	t.Cleanup(c.Close)
	return &rig{t: t, home: home, tray: tr, app: app, client: c, store: st, idp: idp, sts: assumer, uiq: uiq}
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

// eventually polls cond until it holds.
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

func (r *rig) current() *Ask {
	r.tray.mu.Lock()
	defer r.tray.mu.Unlock()
	return r.tray.current
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

func (r *rig) clip() (s string) {
	r.sync(func() { s = r.app.Clipboard().Content() })
	return s
}

func menuLabels(m MenuModel) string { return strings.Join(labels(m.Items), "|") }

// menuSessions counts the session entries (the items with a submenu).
func menuSessions(m MenuModel) int {
	n := 0
	for _, it := range m.Items {
		if len(it.Children) > 0 {
			n++
		}
	}
	return n
}

// TestHostTrayEmulator is the whole path: the host asks the tray over the
// socket, the person picks with the keyboard, the host exchanges with the
// STS emulator, stores the session and tells the tray, and the session shows
// in the menu; then "Pick role…" assumes a second role from the same login.
func TestHostTrayEmulator(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	resp, b64 := r.assertion()
	req := capture.AskRequest{ID: "flow-1", Issuer: resp.Issuer, Subject: resp.Subject, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter}
	answer := r.askAsync(ctx, req)
	r.eventually("the picker", func() bool { return r.current() != nil })
	var shown string
	r.sync(func() { shown = r.tray.picker.Issuer.Text })
	if r.tray.PickerShownAt().IsZero() || shown != issuer {
		t.Fatalf("picker shows issuer %q", shown)
	}
	// The person types "dev" and presses Enter.
	r.sync(func() {
		test.Type(r.tray.picker.Filter, "dev")
		r.tray.picker.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	res := <-answer
	if res.err != nil || res.ans.RoleArn != roleB1 || res.ans.Duration != time.Hour {
		t.Fatalf("answer = %+v, %v", res.ans, res.err)
	}
	r.eventually("the picker to close", func() bool { return r.current() == nil })

	// The host's side: exchange, store, report.
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
		return strings.HasPrefix(menuLabels(r.tray.Menu()), "6543210987654321-dev — ") && menuSessions(r.tray.Menu()) == 1
	})
	m := r.tray.Menu()
	if m.Icon != IconActive {
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
	if pick.Action.Kind != ActPickRole || pick.Disabled {
		t.Fatalf("pick item = %+v", pick)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.tray.Do(ctx, pick.Action) }()
	r.eventually("the picker for Pick role…", func() bool { return r.current() != nil })
	r.sync(func() {
		test.Type(r.tray.picker.Filter, "prod read")
		r.tray.picker.Remember.SetChecked(true)
		r.tray.picker.Duration.SetSelected("30 minutes")
		r.tray.picker.Key(fyne.KeyReturn)
	})
	<-done
	r.eventually("two sessions", func() bool { return menuSessions(r.tray.Menu()) == 2 })
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

	// Copy AccessKey ID; it leaves the clipboard after the 1 s timeout.
	r.tray.Do(ctx, Action{ActCopyID, "prod-readonly"})
	r.eventually("the key on the clipboard", func() bool { return r.clip() == s.Credentials.AccessKeyID })
	r.eventually("the clipboard cleared", func() bool { return r.clip() == "" })
	// Something else the person copied is left alone.
	r.tray.copy("secret", 50*time.Millisecond)
	r.eventually("copied", func() bool { return r.clip() == "secret" })
	r.sync(func() { r.app.Clipboard().SetContent("mine") })
	time.Sleep(150 * time.Millisecond)
	if c := r.clip(); c != "mine" {
		t.Errorf("the clipboard's own content was cleared: %q", c)
	}
	r.tray.Do(ctx, Action{ActCopyEnv, "prod-readonly"})
	r.eventually("env on the clipboard", func() bool {
		return strings.Contains(r.clip(), "export ALIBABA_CLOUD_SECURITY_TOKEN=")
	})

	// Refresh records a re-login intent for the profile.
	r.tray.Do(ctx, Action{ActRefresh, "prod-readonly"})
	in, err := (&capture.State{Home: r.home}).PendingIntent("prod-readonly")
	if err != nil || in == nil || in.RoleArn != roleA2 || in.Issuer != issuer {
		t.Fatalf("intent = %+v, %v", in, err)
	}

	// Remove deletes the session and the menu follows.
	r.tray.Do(ctx, Action{ActRemove, "prod-readonly"})
	r.eventually("one session again", func() bool { return menuSessions(r.tray.Menu()) == 1 })
	if _, err := r.store.Get(ctx, "prod-readonly"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after Remove: %v", err)
	}
}

// TestAskQueueOverAPI: several hosts ask at once; the picker shows one
// question at a time, in order, and a caller that gives up leaves the queue.
func TestAskQueueOverAPI(t *testing.T) {
	r := newRig(t)
	resp, _ := r.assertion()
	mk := func(id string) capture.AskRequest {
		return capture.AskRequest{ID: id, Issuer: resp.Issuer, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter}
	}
	first := r.askAsync(context.Background(), mk("one"))
	r.eventually("first question", func() bool { return r.current() != nil && r.current().Req.ID == "one" })
	second := r.askAsync(context.Background(), mk("two"))
	ctx3, cancel3 := context.WithCancel(context.Background())
	third := r.askAsync(ctx3, mk("three"))
	r.eventually("three queued", func() bool { return r.tray.queue.Len() == 3 })
	cancel3()
	if res := <-third; !errors.Is(res.err, context.Canceled) {
		t.Fatalf("third: %v", res.err)
	}
	r.eventually("third left", func() bool { return r.tray.queue.Len() == 2 })
	if r.current().Req.ID != "one" {
		t.Fatal("a leaving caller disturbed the current question")
	}
	r.sync(func() { r.tray.picker.Key(fyne.KeyEscape) })
	if res := <-first; !errors.Is(res.err, capture.ErrCancelled) {
		t.Fatalf("first: %v, want ErrCancelled", res.err)
	}
	r.eventually("second question", func() bool { return r.current() != nil && r.current().Req.ID == "two" })
	r.sync(func() { r.tray.picker.Key(fyne.KeyDown); r.tray.picker.Key(fyne.KeyReturn) })
	if res := <-second; res.err != nil || res.ans.RoleArn != roleA1 {
		t.Fatalf("second: %+v %v", res.ans, res.err)
	}
	// An assertion that expires while waiting ends the question with a timeout.
	short := mk("late")
	short.AssertionExpires = time.Now().Add(300 * time.Millisecond)
	if res := <-r.askAsync(context.Background(), short); !errors.Is(res.err, localapi.ErrTimeout) {
		t.Fatalf("expired assertion: %v, want ErrTimeout", res.err)
	}
}

func TestDueWarnings(t *testing.T) {
	warned := map[string]time.Time{}
	ss := []store.Session{sess("a", 9*time.Minute), sess("b", time.Hour), sess("c", -time.Minute)}
	due := DueWarnings(ss, warned, t0, 10*time.Minute)
	if len(due) != 1 || due[0].Profile != "a" {
		t.Fatalf("due = %+v", due)
	}
	if again := DueWarnings(ss, warned, t0.Add(time.Minute), 10*time.Minute); len(again) != 0 {
		t.Errorf("warned twice: %+v", again)
	}
	ss[0].Expiration = t0.Add(8 * time.Minute) // refreshed, then near its end again
	if again := DueWarnings(ss, warned, t0, 10*time.Minute); len(again) != 1 {
		t.Errorf("a new expiration was not warned about")
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
	tr := &Tray{o: Options{RamssoExe: script}}
	err := tr.openConsole(context.Background(), "p")
	if err == nil || !strings.Contains(err.Error(), "ramsso: no session p") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("openConsole error = %v", err)
	}
	if args, _ := os.ReadFile(filepath.Join(dir, "args")); string(args) != "console p\n" {
		t.Errorf("ran ramsso %q", args)
	}
}
