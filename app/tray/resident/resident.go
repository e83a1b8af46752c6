// Package resident is the part of the desktop tray that runs all day: the
// local API the host and the CLI call, the sessions menu (rendered by a
// MenuRenderer, fyne.io/systray in ramsso-tray), desktop notifications,
// expiry warnings, the clipboard, and the on-demand window process
// (ramsso-tray-ui) that shows the picker and the settings. It links no UI
// toolkit, so ramsso-tray builds with CGO_ENABLED=0 on Linux and Windows
// and stays small while it waits.
package resident

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
	"github.com/ramsso/ramsso/internal/textsafe"
	"github.com/ramsso/ramsso/internal/version"
)

// RebuildEvery is how often the menu is rebuilt so times left stay current.
const RebuildEvery = 30 * time.Second

// MenuRenderer shows the menu model (the system tray icon and its menu).
type MenuRenderer interface {
	Render(m tray.MenuModel)
}

// Notifier shows a desktop notification that never takes focus.
type Notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// Clipboard puts text on the clipboard; a secret is marked so clipboard
// managers skip it, and it is cleared after clearAfter if still there.
type Clipboard interface {
	Copy(ctx context.Context, text string, secret bool, clearAfter time.Duration) error
}

// Options configure a Resident.
type Options struct {
	Home  string
	Store store.Store
	// NewSTS makes the STS client for "Pick role…"; nil: sts.New from the
	// settings.
	NewSTS func(*config.Settings) (sts.Assumer, error)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// RamssoExe is the ramsso CLI for "Open console"; "": next to this
	// executable, else on PATH.
	RamssoExe string
	// Windows starts the window process; nil: windows are unavailable
	// (questions fail at once with a clear error).
	Windows WindowStarter
	// Grace is how long the window process stays after its last window
	// closed (a quicker next picker); 0: DefaultGrace.
	Grace time.Duration
	// Menu renders the menu; nil: no tray icon (Status says so).
	Menu MenuRenderer
	// TrayHost says whether a tray host shows the icon (a
	// StatusNotifierWatcher is on the bus); nil: it does when Menu is set.
	TrayHost func() bool
	// Notifier sends notifications; nil: they are only logged.
	Notifier Notifier
	// Clipboard copies; nil: copying fails with a clear error.
	Clipboard Clipboard
	// OpenURL opens a URL in the browser; nil: relogin's opener.
	OpenURL func(ctx context.Context, url string) error
	// TrayExe is the resident's executable, for the login item.
	TrayExe string
	// Quit ends the tray (menu Quit); nil: nothing.
	Quit func()
	// Logf logs (never secrets); nil: discard.
	Logf func(format string, args ...any)
}

// Resident is the resident tray's state. It implements localapi.Handler.
type Resident struct {
	o       Options
	queue   tray.Queue
	windows *windowProc

	mu        sync.Mutex
	settings  *config.Settings
	sessions  []store.Session
	last      *localapi.CaptureSummary
	assertion *saml.Response // the last capture's assertion (secret, memory only)
	maxDur    map[string]time.Duration
	warned    map[string]time.Time
	shownAt   time.Time
	model     tray.MenuModel

	reload chan struct{}
}

var _ localapi.Handler = (*Resident)(nil)

// New makes the resident's state. Call Start to load and serve.
func New(o Options) (*Resident, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	set, err := config.Load(o.Home)
	if err != nil {
		return nil, err
	}
	r := &Resident{o: o, settings: set, maxDur: map[string]time.Duration{}, warned: map[string]time.Time{}, reload: make(chan struct{}, 1)}
	r.windows = newWindowProc(r)
	r.queue.OnChange = func(*tray.Ask) { r.windows.syncAsk() }
	r.queue.OnLen = func(int) { r.windows.syncAsk() }
	return r, nil
}

// Start loads the sessions, renders the menu and runs the event loop
// until ctx ends.
func (r *Resident) Start(ctx context.Context) {
	r.loadSessions(ctx)
	r.update()
	go r.loop(ctx)
}

// Close cancels every question and stops the window process.
func (r *Resident) Close() {
	r.queue.CancelAll()
	r.windows.stop()
}

func (r *Resident) loop(ctx context.Context) {
	rebuild := time.NewTicker(RebuildEvery)
	defer rebuild.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.reload:
			r.loadSessions(ctx)
			r.update()
		case <-rebuild.C:
			r.update()
			debug.FreeOSMemory()
		}
	}
}

// Refresh asks the loop to reload the sessions and rebuild the menu.
func (r *Resident) Refresh() {
	select {
	case r.reload <- struct{}{}:
	default:
	}
}

func (r *Resident) loadSessions(ctx context.Context) {
	ss, err := r.o.Store.List(ctx)
	if err != nil {
		r.o.Logf("listing sessions: %v", err)
		return
	}
	r.mu.Lock()
	r.sessions = ss
	r.mu.Unlock()
}

func (r *Resident) reloadSettings() {
	if set, err := config.Load(r.o.Home); err == nil {
		r.mu.Lock()
		r.settings = set
		r.mu.Unlock()
	} else {
		r.o.Logf("reloading the settings: %v", err)
	}
}

func (r *Resident) currentSettings() *config.Settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.settings
}

// state is the menu's input now.
func (r *Resident) state(now time.Time) tray.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := tray.State{Sessions: append([]store.Session(nil), r.sessions...), EnvFormat: r.settings.EnvFormat}
	if reason, _, inUse := store.FileStoreInUse(r.o.Home); inUse {
		st.FileStore = reason
	}
	if r.last != nil {
		l := r.lastLocked(now)
		st.Last = &l
	}
	return st
}

// update rebuilds the menu and sends due expiry warnings.
func (r *Resident) update() {
	now := r.o.Now()
	st := r.state(now)
	m := tray.BuildMenu(st, now)
	r.mu.Lock()
	r.model = m
	due := tray.DueWarnings(st.Sessions, r.warned, now, tray.ExpiringSoon)
	r.mu.Unlock()
	for _, s := range due {
		r.notify("ramsso: "+s.Profile+" expires soon",
			fmt.Sprintf("%s left. Use Refresh in the tray menu to log in again.", tray.Countdown(s.Expiration.Sub(now))))
	}
	if r.o.Menu != nil {
		r.o.Menu.Render(m)
	}
}

// Menu is the current menu model.
func (r *Resident) Menu() tray.MenuModel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.model
}

// Status answers a ping.
func (r *Resident) Status() localapi.Status {
	return localapi.Status{Version: version.Version, PID: os.Getpid(), Tray: r.iconShown(), PickerShownAt: r.PickerShownAt()}
}

// iconShown says whether the menu is rendered and a tray host shows it.
func (r *Resident) iconShown() bool {
	return r.o.Menu != nil && (r.o.TrayHost == nil || r.o.TrayHost())
}

// PickerShownAt is when the picker last had the focus on screen.
func (r *Resident) PickerShownAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shownAt
}

// WindowPID is the window process's pid, or 0 when none runs.
func (r *Resident) WindowPID() int { return r.windows.pid() }

// Ask queues a role question for the picker. It ends when the person
// answers, the caller goes away, the window process fails, or the
// assertion expires (ErrTimeout).
func (r *Resident) Ask(ctx context.Context, req capture.AskRequest) (capture.Answer, error) {
	actx := ctx
	if !req.AssertionExpires.IsZero() {
		var cancel context.CancelFunc
		actx, cancel = context.WithDeadline(ctx, req.AssertionExpires)
		defer cancel()
	}
	ans, err := r.queue.Ask(actx, req)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return ans, localapi.ErrTimeout
	}
	return ans, err
}

// QueueLen is the number of questions waiting, the shown one included.
func (r *Resident) QueueLen() int { return r.queue.Len() }

// Sessions lists the sessions' metadata.
func (r *Resident) Sessions(ctx context.Context) ([]store.Session, error) {
	return r.o.Store.List(ctx)
}

// SessionChanged reloads the sessions.
func (r *Resident) SessionChanged(context.Context, localapi.Change) error {
	r.Refresh()
	return nil
}

// Capture records the host's report, keeps the assertion in memory while
// it is valid (never passed to the window process), and notifies.
func (r *Resident) Capture(_ context.Context, rep localapi.CaptureReport) error {
	now := r.o.Now()
	sum := rep.CaptureSummary
	if sum.At.IsZero() {
		sum.At = now
	}
	var resp *saml.Response
	if rep.SAMLResponse != "" {
		if d, err := saml.Decode([]byte(rep.SAMLResponse)); err == nil && !d.Expired(now) && len(d.Roles) > 0 {
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
	r.mu.Lock()
	r.last = &sum
	r.assertion = resp
	if sum.DurationFallback && sum.RoleArn != "" {
		r.maxDur[sum.RoleArn] = time.Hour
	}
	r.mu.Unlock()
	switch sum.Outcome {
	case localapi.OutcomeDone:
		body := "Role " + sum.RoleArn
		if !sum.Expiration.IsZero() {
			body = "Valid until " + sum.Expiration.Local().Format("15:04") + "."
		}
		if notes := append(append([]string(nil), sum.Notes...), sum.Warnings...); len(notes) > 0 {
			body += " " + strings.Join(notes, " ")
		}
		r.notify("ramsso: signed in as "+sum.Profile, body)
	case localapi.OutcomeError:
		msg := "The login could not be turned into a session."
		if sum.Error != nil {
			msg = sum.Error.Message
			if sum.Error.Remedy != "" {
				msg += " " + sum.Error.Remedy
			}
		}
		r.notify("ramsso: login failed", msg)
	}
	r.Refresh()
	return nil
}

// lastLocked is the last capture's summary at now; r.mu is held.
func (r *Resident) lastLocked(now time.Time) localapi.CaptureSummary {
	l := *r.last
	l.Pickable = r.assertion != nil && now.Before(l.AssertionExpires)
	return l
}

// LastCapture is the last capture's summary.
func (r *Resident) LastCapture(context.Context) (*localapi.CaptureSummary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		return nil, nil
	}
	l := r.lastLocked(r.o.Now())
	return &l, nil
}

// Show brings a window forward: the picker when a question waits, the
// sessions window for "sessions" or when no tray host shows the icon (the
// launcher's click), else the settings.
func (r *Resident) Show(_ context.Context, s localapi.Show) error {
	switch {
	case s.What == "sessions" || s.What == "" && r.queue.Current() == nil && !r.iconShown():
		return r.windows.send(tray.Request{Type: tray.ReqSessions, Sessions: ptr(r.Menu())})
	case s.What != "settings" && r.queue.Current() != nil:
		r.windows.resendAsk()
		return nil
	default:
		return r.showSettings()
	}
}

func ptr[T any](v T) *T { return &v }

func (r *Resident) showSettings() error {
	r.reloadSettings()
	q := tray.SettingsQuestion{Form: tray.FormFromSettings(r.currentSettings()), TrayExe: r.o.TrayExe}
	if os.Getenv(config.EnvHome) != "" {
		q.Home = r.o.Home
	}
	return r.windows.send(tray.Request{Type: tray.ReqSettings, Settings: &q})
}

// notify sends a desktop notification when the settings allow.
func (r *Resident) notify(title, body string) {
	if !r.currentSettings().NotificationsEnabled() {
		return
	}
	if r.o.Notifier == nil {
		r.o.Logf("notification: %s: %s", title, body)
		return
	}
	// Titles and bodies carry profile, role and IdP names from unverified
	// assertions.
	title, body = textsafe.Escape(title), textsafe.Escape(body)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.o.Notifier.Notify(ctx, title, body); err != nil {
		r.o.Logf("notification %q: %v", title, err)
	}
}
