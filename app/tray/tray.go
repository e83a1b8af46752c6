package tray

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/widget"

	"github.com/ramsso/ramsso/internal/autostart"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
	"github.com/ramsso/ramsso/internal/textsafe"
	"github.com/ramsso/ramsso/internal/urlcheck"
	"github.com/ramsso/ramsso/internal/version"
)

// RebuildEvery is how often the menu is rebuilt so times left stay current.
const RebuildEvery = 30 * time.Second

// Options configure a Tray.
type Options struct {
	Home  string
	App   fyne.App
	Store store.Store
	// NewSTS makes the STS client for "Pick role…"; nil: sts.New from the
	// settings.
	NewSTS func(*config.Settings) (sts.Assumer, error)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// RamssoExe is the ramsso CLI for "Open console"; "": next to this
	// executable, else on PATH.
	RamssoExe string
	// SystemTray installs the system tray icon and menu. Without a session
	// bus fyne.io/systray panics on quit, so main sets it only when one exists.
	SystemTray bool
	// ScreenshotDir, when set, receives software-rendered PNGs of the menu,
	// the picker and the settings window each time they are shown.
	ScreenshotDir string
	// Logf logs (never secrets); nil: discard.
	Logf func(format string, args ...any)
	// Do runs f on the UI thread, asynchronously; nil: fyne.Do. Tests give
	// one event-loop goroutine, as the real driver has.
	Do func(f func())
}

// Tray is the tray app's state and its Fyne views. It implements
// localapi.Handler.
type Tray struct {
	o     Options
	queue Queue

	mu        sync.Mutex
	settings  *config.Settings
	sessions  []store.Session
	last      *localapi.CaptureSummary
	assertion *saml.Response // the last capture's assertion (secret, memory only)
	maxDur    map[string]time.Duration
	warned    map[string]time.Time
	shownAt   time.Time
	current   *Ask
	model     MenuModel

	reload chan struct{}

	pickerWin   fyne.Window
	picker      *PickerView
	settingsWin fyne.Window
	settingsV   *SettingsView
}

var _ localapi.Handler = (*Tray)(nil)

// New makes the tray's state and windows (hidden). Call Start before the
// app runs.
func New(o Options) (*Tray, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Do == nil {
		o.Do = fyne.Do
	}
	set, err := config.Load(o.Home)
	if err != nil {
		return nil, err
	}
	t := &Tray{o: o, settings: set, maxDur: map[string]time.Duration{}, warned: map[string]time.Time{}, reload: make(chan struct{}, 1)}
	t.queue.OnChange = func(cur *Ask) { t.o.Do(func() { t.showAsk(cur) }) }

	t.picker = NewPickerView(NewPickerModel(capture.AskRequest{}, nil, time.Hour, nil), o.Now)
	t.settingsV = NewSettingsView(FormFromSettings(set))
	return t, nil
}

// Windows are made when first shown (a window that never shows costs no
// GL context), then hidden, never closed: Fyne quits when the last window
// is destroyed, and the tray must outlive its windows. (Destroying them on
// hide when a system tray keeps the app alive was measured: it saved no
// resident memory and doubled the time to show the picker.)

// pickerWindow returns the picker's window, making it (and a fresh view
// for it) when needed.
func (t *Tray) pickerWindow() fyne.Window {
	if t.pickerWin != nil {
		return t.pickerWin
	}
	w := t.o.App.NewWindow("ramsso — choose a role")
	w.SetContent(t.picker.Content())
	w.Resize(fyne.NewSize(520, 640))
	w.CenterOnScreen()
	w.SetCloseIntercept(func() { t.picker.cancel() })
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { t.picker.Key(k.Name) })
	t.pickerWin = w
	return w
}

func (t *Tray) hidePicker() {
	if t.pickerWin != nil {
		t.pickerWin.Hide()
	}
}

// settingsWindow returns the settings window, making it when needed.
func (t *Tray) settingsWindow() fyne.Window {
	if t.settingsWin != nil {
		return t.settingsWin
	}
	t.settingsV.OnSave = t.saveSettings
	t.settingsV.OnCancel = t.hideSettings
	w := t.o.App.NewWindow("ramsso — settings")
	w.SetContent(t.settingsV.Content())
	w.Resize(fyne.NewSize(620, 640))
	w.SetCloseIntercept(t.hideSettings)
	t.settingsWin = w
	return w
}

func (t *Tray) hideSettings() {
	if t.settingsWin != nil {
		t.settingsWin.Hide()
	}
}

// Start loads the sessions, shows the menu and runs the event loop until
// ctx ends.
func (t *Tray) Start(ctx context.Context) {
	t.loadSessions(ctx)
	t.update()
	go t.loop(ctx)
}

// loop is the one event loop: reloads on notice, rebuilds on the ticker,
// keeps the picker's countdown current.
func (t *Tray) loop(ctx context.Context) {
	rebuild := time.NewTicker(RebuildEvery)
	defer rebuild.Stop()
	second := time.NewTicker(time.Second)
	defer second.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.reload:
			t.loadSessions(ctx)
			t.update()
		case <-rebuild.C:
			t.update()
			// An idle tray should be small: hand freed heap (the picker's
			// and screenshots' garbage) back to the OS.
			debug.FreeOSMemory()
		case <-second.C:
			t.o.Do(t.tickPicker)
		}
	}
}

// Refresh asks the loop to reload the sessions and rebuild the menu.
func (t *Tray) Refresh() {
	select {
	case t.reload <- struct{}{}:
	default:
	}
}

func (t *Tray) loadSessions(ctx context.Context) {
	ss, err := t.o.Store.List(ctx)
	if err != nil {
		t.o.Logf("listing sessions: %v", err)
		return
	}
	t.mu.Lock()
	t.sessions = ss
	t.mu.Unlock()
}

// state is the menu's input now.
func (t *Tray) state(now time.Time) State {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := State{Sessions: append([]store.Session(nil), t.sessions...), EnvFormat: t.settings.EnvFormat}
	if t.last != nil {
		l := t.lastLocked(now)
		st.Last = &l
	}
	return st
}

// update rebuilds the menu and sends due expiry warnings.
func (t *Tray) update() {
	now := t.o.Now()
	st := t.state(now)
	m := BuildMenu(st, now)
	t.mu.Lock()
	t.model = m
	due := DueWarnings(st.Sessions, t.warned, now, ExpiringSoon)
	t.mu.Unlock()
	for _, s := range due {
		t.notify("ramsso: "+s.Profile+" expires soon",
			fmt.Sprintf("%s left. Use Refresh in the tray menu to log in again.", Countdown(s.Expiration.Sub(now))))
	}
	t.o.Do(func() { t.render(m) })
}

// Menu is the current menu model (for tests and screenshots).
func (t *Tray) Menu() MenuModel {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.model
}

// render shows m in the system tray.
func (t *Tray) render(m MenuModel) {
	if t.o.SystemTray {
		if desk, ok := t.o.App.(desktop.App); ok {
			desk.SetSystemTrayMenu(t.FyneMenu(m))
			desk.SetSystemTrayIcon(IconResource(m.Icon))
		}
	}
	t.screenshot("tray-menu.png", t.menuPreview(m))
}

// FyneMenu renders a menu model into a Fyne menu whose items call Do.
func (t *Tray) FyneMenu(m MenuModel) *fyne.Menu {
	return fyne.NewMenu("ramsso", t.fyneItems(m.Items)...)
}

func (t *Tray) fyneItems(items []MenuItem) []*fyne.MenuItem {
	out := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			out = append(out, fyne.NewMenuItemSeparator())
			continue
		}
		act := it.Action
		var fn func()
		if act.Kind != ActNone {
			fn = func() { go t.Do(context.Background(), act) }
		}
		mi := fyne.NewMenuItem(it.Label, fn)
		mi.Disabled = it.Disabled
		mi.IsQuit = act.Kind == ActQuit
		if len(it.Children) > 0 {
			mi.ChildMenu = fyne.NewMenu("", t.fyneItems(it.Children)...)
		}
		out = append(out, mi)
	}
	return out
}

// menuPreview is the menu, with the first session's submenu open, as
// widgets for a screenshot.
func (t *Tray) menuPreview(m MenuModel) fyne.CanvasObject {
	main := widget.NewMenu(t.FyneMenu(m))
	objs := []fyne.CanvasObject{main}
	if len(m.Items) > 0 && len(m.Items[0].Children) > 0 {
		sub := widget.NewMenu(fyne.NewMenu("", t.fyneItems(m.Items[0].Children)...))
		objs = append(objs, container.NewVBox(sub))
	}
	return container.NewHBox(objs...)
}

// Do runs a menu action.
func (t *Tray) Do(ctx context.Context, a Action) {
	var err error
	switch a.Kind {
	case ActCopyEnv, ActCopyID, ActCopySecret, ActCopyToken:
		err = t.copySecret(ctx, a)
	case ActConsole:
		err = t.openConsole(ctx, a.Profile)
	case ActRefresh:
		err = t.refreshSession(ctx, a.Profile)
	case ActRemove:
		err = t.o.Store.Delete(ctx, a.Profile)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		t.Refresh()
	case ActPickRole:
		err = t.PickFromLast(ctx)
	case ActSettings:
		t.o.Do(t.showSettings)
	case ActQuit:
		t.queue.CancelAll()
		t.o.Do(t.o.App.Quit)
	}
	if err != nil && !errors.Is(err, capture.ErrCancelled) {
		t.o.Logf("%s %s: %v", a.Kind, a.Profile, err)
		t.notify("ramsso: "+string(a.Kind)+" failed", err.Error())
	}
}

func (t *Tray) copySecret(ctx context.Context, a Action) error {
	s, err := t.o.Store.Get(ctx, a.Profile)
	if err != nil {
		return fmt.Errorf("reading %s: %w", a.Profile, err)
	}
	t.mu.Lock()
	set := t.settings
	t.mu.Unlock()
	var text string
	switch a.Kind {
	case ActCopyEnv:
		text = EnvText(s, set.EnvFormat, set.Region)
	case ActCopyID:
		text = s.Credentials.AccessKeyID
	case ActCopySecret:
		text = s.Credentials.AccessKeySecret
	case ActCopyToken:
		text = s.Credentials.SecurityToken
	}
	wait, err := set.ClipboardTimeoutDuration()
	if err != nil {
		wait = config.DefaultClipboardTimeout
	}
	t.copy(text, wait)
	return nil
}

// copy puts text on the clipboard and clears it after wait if it is still
// there.
func (t *Tray) copy(text string, wait time.Duration) {
	cb := t.o.App.Clipboard()
	t.o.Do(func() { cb.SetContent(text) })
	time.AfterFunc(wait, func() {
		t.o.Do(func() {
			if cb.Content() == text {
				cb.SetContent("")
			}
		})
	})
}

func (t *Tray) openConsole(ctx context.Context, profile string) error {
	exe := t.o.RamssoExe
	if exe == "" {
		exe = SiblingExe("ramsso")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "console", profile)
	// Only stderr: stdout may carry the sign-in URL, a bearer token.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("ramsso console %s: %s", profile, msg)
	}
	return nil
}

// refreshSession records a re-login intent for profile and opens its IdP
// login URL, so the next capture re-uses the role without asking.
func (t *Tray) refreshSession(ctx context.Context, profile string) error {
	t.mu.Lock()
	set := t.settings
	var sess *store.Session
	for i := range t.sessions {
		if t.sessions[i].Profile == profile {
			s := t.sessions[i]
			sess = &s
		}
	}
	t.mu.Unlock()
	if sess == nil {
		return fmt.Errorf("no session %s", profile)
	}
	login := LoginURL(set, sess)
	if login == "" {
		t.o.Do(t.showSettings)
		return fmt.Errorf("no IdP login URL is known for %s: add one under IdP login URLs in Settings", profile)
	}
	st := capture.State{Home: t.o.Home, Now: t.o.Now}
	if err := st.RecordIntent(ctx, capture.Intent{Profile: profile, RoleArn: sess.RoleArn, ProviderArn: sess.ProviderArn, Issuer: sess.Issuer}); err != nil {
		return fmt.Errorf("recording the re-login: %w", err)
	}
	if err := urlcheck.Openable(login); err != nil {
		return fmt.Errorf("IdP login URL for %s: %w", profile, err)
	}
	u, err := url.Parse(login)
	if err != nil {
		return fmt.Errorf("IdP login URL for %s: %w", profile, err)
	}
	if config.NoBrowser() {
		t.notify("ramsso: log in again", "Open "+login)
		return nil
	}
	if err := t.o.App.OpenURL(u); err != nil {
		return fmt.Errorf("opening the IdP login page: %w", err)
	}
	return nil
}

// LoginURL is the IdP login URL for a session: by profile, else by issuer.
func LoginURL(set *config.Settings, s *store.Session) string {
	if u := set.IdPLoginURLs[s.Profile]; u != "" {
		return u
	}
	return set.IdPLoginURLs[s.Issuer]
}

// PickFromLast asks which role to assume with the last capture's assertion
// and runs the exchange itself.
func (t *Tray) PickFromLast(ctx context.Context) error {
	now := t.o.Now()
	t.mu.Lock()
	resp := t.assertion
	set := t.settings
	t.mu.Unlock()
	if resp == nil || resp.Expired(now) {
		return errors.New("the last login has expired: log in again through your IdP")
	}
	def, err := set.Duration()
	if err != nil {
		def = config.DefaultDuration
	}
	req := capture.AskRequest{
		ID: "tray-" + now.Format("150405"), Issuer: resp.Issuer, Subject: resp.Subject,
		Roles: resp.Roles, Aliases: set.AccountAliases, AssertionExpires: resp.NotOnOrAfter, DefaultDuration: def,
	}
	ans, err := t.Ask(ctx, req)
	if err != nil {
		return err
	}
	role, ok := resp.Role(ans.RoleArn)
	if !ok {
		return fmt.Errorf("role %s is not in the assertion", ans.RoleArn)
	}
	var assumer sts.Assumer
	if t.o.NewSTS != nil {
		assumer, err = t.o.NewSTS(set)
	} else {
		assumer, err = sts.New(sts.Config{Endpoint: set.STSEndpoint(""), Region: set.STS.Region, VPC: set.STS.VPC, Proxy: set.ProxyURL()})
	}
	if err != nil {
		return err
	}
	ex := capture.Exchanger{STS: assumer, Store: t.o.Store, Aliases: set.AccountAliases, Region: set.Region, Now: t.o.Now}
	out, err := ex.Exchange(ctx, resp, role, capture.Options{Duration: ans.Duration})
	if err != nil {
		return err
	}
	if len(out.Notes) > 0 && ans.Duration > time.Hour {
		t.mu.Lock()
		t.maxDur[role.RoleArn] = time.Hour
		t.mu.Unlock()
	}
	if ans.Remember {
		st := capture.State{Home: t.o.Home, Now: t.o.Now}
		if err := st.RememberChoice(ctx, resp.Issuer, resp.Roles, role.RoleArn); err != nil {
			t.o.Logf("remembering the choice: %v", err)
		}
	}
	t.notify("ramsso: signed in as "+out.Session.Profile, sessionLine(out.Session, out.Notes))
	t.Refresh()
	return nil
}

func sessionLine(s store.Session, notes []string) string {
	line := "Valid until " + s.Expiration.Local().Format("15:04") + "."
	if len(notes) > 0 {
		line += " " + strings.Join(notes, " ")
	}
	return line
}

// Status answers a ping.
func (t *Tray) Status() localapi.Status {
	return localapi.Status{Version: version.Version, PID: os.Getpid(), Tray: t.o.SystemTray, PickerShownAt: t.PickerShownAt()}
}

// Ask queues a role question for the picker. It ends when the person
// answers, the caller goes away, or the assertion expires (ErrTimeout).
func (t *Tray) Ask(ctx context.Context, req capture.AskRequest) (capture.Answer, error) {
	actx := ctx
	if !req.AssertionExpires.IsZero() {
		var cancel context.CancelFunc
		actx, cancel = context.WithDeadline(ctx, req.AssertionExpires)
		defer cancel()
	}
	ans, err := t.queue.Ask(actx, req)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return ans, localapi.ErrTimeout
	}
	return ans, err
}

// Sessions lists the sessions' metadata.
func (t *Tray) Sessions(ctx context.Context) ([]store.Session, error) {
	return t.o.Store.List(ctx)
}

// SessionChanged reloads the sessions.
func (t *Tray) SessionChanged(_ context.Context, c localapi.Change) error {
	t.Refresh()
	return nil
}

// Capture records the host's report, keeps the assertion in memory while
// it is valid, and notifies.
func (t *Tray) Capture(_ context.Context, r localapi.CaptureReport) error {
	now := t.o.Now()
	sum := r.CaptureSummary
	if sum.At.IsZero() {
		sum.At = now
	}
	var resp *saml.Response
	if r.SAMLResponse != "" {
		if d, err := saml.Decode([]byte(r.SAMLResponse)); err == nil && !d.Expired(now) && len(d.Roles) > 0 {
			resp = d
			if sum.AssertionExpires.IsZero() {
				sum.AssertionExpires = d.NotOnOrAfter
			}
			if len(sum.Roles) == 0 {
				sum.Roles = d.Roles
			}
			sum.Issuer, sum.Subject = d.Issuer, d.Subject
		}
	}
	t.mu.Lock()
	t.last = &sum
	t.assertion = resp
	if sum.DurationFallback && sum.RoleArn != "" {
		t.maxDur[sum.RoleArn] = time.Hour
	}
	t.mu.Unlock()
	switch sum.Outcome {
	case localapi.OutcomeDone:
		body := "Role " + sum.RoleArn
		if !sum.Expiration.IsZero() {
			body = "Valid until " + sum.Expiration.Local().Format("15:04") + "."
		}
		if len(sum.Notes) > 0 {
			body += " " + strings.Join(sum.Notes, " ")
		}
		t.notify("ramsso: signed in as "+sum.Profile, body)
	case localapi.OutcomeError:
		msg := "The login could not be turned into a session."
		if sum.Error != nil {
			msg = sum.Error.Message
			if sum.Error.Remedy != "" {
				msg += " " + sum.Error.Remedy
			}
		}
		t.notify("ramsso: login failed", msg)
	}
	t.Refresh()
	return nil
}

// lastLocked is the last capture's summary at now; t.mu is held.
func (t *Tray) lastLocked(now time.Time) localapi.CaptureSummary {
	l := *t.last
	l.Pickable = t.assertion != nil && now.Before(l.AssertionExpires)
	return l
}

// LastCapture is the last capture's summary.
func (t *Tray) LastCapture(context.Context) (*localapi.CaptureSummary, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		return nil, nil
	}
	l := t.lastLocked(t.o.Now())
	return &l, nil
}

// Show brings a window forward: the picker when a question waits, else
// the settings.
func (t *Tray) Show(_ context.Context, s localapi.Show) error {
	t.o.Do(func() {
		t.mu.Lock()
		asking := t.current != nil
		t.mu.Unlock()
		switch {
		case s.What != "settings" && asking:
			w := t.pickerWindow()
			w.Show()
			w.RequestFocus()
		default:
			t.showSettings()
		}
	})
	return nil
}

// showAsk shows the current question, or hides the picker.
func (t *Tray) showAsk(cur *Ask) {
	t.mu.Lock()
	if cur == nil {
		t.current = nil
	}
	set := t.settings
	maxes := make(map[string]time.Duration, len(t.maxDur))
	for k, v := range t.maxDur {
		maxes[k] = v
	}
	t.mu.Unlock()
	if cur == nil {
		t.hidePicker()
		return
	}
	def, err := set.Duration()
	if err != nil {
		def = config.DefaultDuration
	}
	m := NewPickerModel(cur.Req, set.AccountAliases, def, maxes)
	w := t.pickerWindow()
	t.picker.Load(m)
	t.picker.OnPick = func(a capture.Answer) { t.queue.Resolve(cur, a, nil) }
	t.picker.OnCancel = func() { t.queue.Resolve(cur, capture.Answer{}, capture.ErrCancelled) }
	t.picker.SetQueued(t.queue.Len() - 1)
	w.Show()
	w.RequestFocus()
	w.Canvas().Focus(t.picker.Filter)
	t.mu.Lock()
	t.current = cur // last, so whoever sees it sees the picker loaded
	t.shownAt = time.Now()
	t.mu.Unlock()
	if t.o.ScreenshotDir != "" {
		pv := NewPickerView(NewPickerModel(cur.Req, set.AccountAliases, def, maxes), t.o.Now)
		pv.SetQueued(t.queue.Len() - 1)
		t.screenshotSized("picker.png", pv.Content(), fyne.NewSize(520, 640))
	}
}

// PickerShownAt is when the picker last came up (for the benchmark).
func (t *Tray) PickerShownAt() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shownAt
}

// tickPicker keeps the countdown current and gives up on an expired
// assertion.
func (t *Tray) tickPicker() {
	t.mu.Lock()
	cur := t.current
	t.mu.Unlock()
	if cur == nil {
		return
	}
	if !t.picker.Tick() {
		t.queue.Resolve(cur, capture.Answer{}, localapi.ErrTimeout)
	}
}

func (t *Tray) showSettings() {
	t.mu.Lock()
	set := t.settings
	t.mu.Unlock()
	if fresh, err := config.Load(t.o.Home); err == nil {
		set = fresh
		t.mu.Lock()
		t.settings = fresh
		t.mu.Unlock()
	}
	f := FormFromSettings(set)
	if on, err := autostart.Enabled(); err == nil {
		f.StartAtLogin = on
	}
	w := t.settingsWindow()
	t.settingsV.Load(f)
	w.Show()
	w.RequestFocus()
	if t.o.ScreenshotDir != "" {
		t.screenshotSized("settings.png", NewSettingsView(f).Content(), fyne.NewSize(620, 640))
	}
}

// saveSettings stores the form through config.Update (keeping unknown
// keys) and applies start-at-login.
func (t *Tray) saveSettings(f SettingsForm) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := config.Update(ctx, t.o.Home, f.Apply); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err == nil {
		entry := autostart.Entry{Exe: exe}
		if os.Getenv(config.EnvHome) != "" {
			entry.Home = t.o.Home
		}
		err = autostart.Set(f.StartAtLogin, entry)
	}
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if set, err := config.Load(t.o.Home); err == nil {
		t.mu.Lock()
		t.settings = set
		t.mu.Unlock()
	}
	t.o.Do(t.hideSettings)
	t.Refresh()
	return nil
}

// notify sends a desktop notification (which never takes focus) when the
// settings allow.
func (t *Tray) notify(title, body string) {
	t.mu.Lock()
	on := t.settings.NotificationsEnabled()
	t.mu.Unlock()
	if on {
		// Titles and bodies carry profile, role and IdP names from
		// unverified assertions.
		n := fyne.NewNotification(textsafe.Escape(title), textsafe.Escape(body))
		t.o.Do(func() { t.o.App.SendNotification(n) })
	}
}

func (t *Tray) screenshot(name string, obj fyne.CanvasObject) {
	t.screenshotSized(name, obj, obj.MinSize())
}

// screenshotSized renders obj with Fyne's software driver into
// ScreenshotDir/name (written atomically, so a watcher sees whole files).
func (t *Tray) screenshotSized(name string, obj fyne.CanvasObject, size fyne.Size) {
	if t.o.ScreenshotDir == "" {
		return
	}
	c := software.NewCanvas()
	c.SetContent(obj)
	c.Resize(size)
	img := c.Capture()
	path := filepath.Join(t.o.ScreenshotDir, name)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		t.o.Logf("screenshot: %v", err)
		return
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.o.Logf("screenshot: %v", err)
		return
	}
	if err := f.Close(); err != nil {
		t.o.Logf("screenshot: %v", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		t.o.Logf("screenshot: %v", err)
	}
}

// SiblingExe is name next to this executable when it exists there, else
// name (found on PATH).
func SiblingExe(name string) string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return name
}
