// Package windows is the tray's Fyne windows — the role picker, the
// settings window and the sessions window — run in ramsso-tray-ui, the
// process the resident tray (app/tray/resident) starts on demand. It is
// the only tray package that links Fyne; the resident talks to it over
// the window protocol (tray.Request / tray.Event on inherited pipes) and
// never hands it a secret.
package windows

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/widget"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/autostart"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
)

// IconResource is the tray icon for a state as a Fyne resource.
func IconResource(i tray.Icon) fyne.Resource {
	return fyne.NewStaticResource("ramsso-"+i.String()+".png", tray.IconPNG(i))
}

// Options configure a UI.
type Options struct {
	App  fyne.App
	Conn *tray.Conn
	Home string
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// ScreenshotDir, when set, receives software-rendered PNGs of each
	// window as it is shown (picker.png, settings.png, sessions.png).
	ScreenshotDir string
	// Do runs f on the UI thread; nil: fyne.Do.
	Do func(func())
}

// UI is the window process's state: the windows, made on first show and
// hidden (never destroyed) after.
type UI struct {
	o Options

	mu         sync.Mutex
	foreground bool
	pendingWin string // a window shown but not yet reported focused

	seq        int // the question the picker shows (0: none)
	picker     *PickerView
	pickerWin  fyne.Window
	settingsV  *SettingsView
	settingsQ  tray.SettingsQuestion
	settingWin fyne.Window
	sessWin    fyne.Window
}

// New makes the UI; call Serve to read requests.
func New(o Options) *UI {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Do == nil {
		o.Do = fyne.Do
	}
	u := &UI{o: o}
	lc := o.App.Lifecycle()
	lc.SetOnEnteredForeground(func() {
		u.mu.Lock()
		u.foreground = true
		win := u.pendingWin
		u.pendingWin = ""
		seq := u.seq
		u.mu.Unlock()
		if win != "" {
			u.send(tray.Event{Type: tray.EvShown, Window: win, Seq: seq, Focused: true})
		}
	})
	lc.SetOnExitedForeground(func() {
		u.mu.Lock()
		u.foreground = false
		u.mu.Unlock()
	})
	return u
}

// Serve reads requests until the resident closes the pipe (then it
// returns nil) and runs each on the UI thread.
func (u *UI) Serve(ctx context.Context) error {
	u.send(tray.Event{Type: tray.EvReady})
	for ctx.Err() == nil {
		var r tray.Request
		err := u.o.Conn.Read(&r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		u.o.Do(func() { u.handle(r) })
	}
	return ctx.Err()
}

func (u *UI) send(e tray.Event) {
	if err := u.o.Conn.Send(e); err != nil {
		fmt.Fprintln(os.Stderr, "ramsso-tray-ui:", err)
	}
}

func (u *UI) handle(r tray.Request) {
	switch r.Type {
	case tray.ReqAsk:
		if r.Ask != nil {
			u.showAsk(r.Seq, *r.Ask)
		}
	case tray.ReqQueued:
		if u.picker != nil && r.Seq == u.seq {
			u.picker.SetQueued(r.Queued)
		}
	case tray.ReqHide:
		u.mu.Lock()
		u.seq = 0
		u.mu.Unlock()
		if u.pickerWin != nil {
			u.pickerWin.Hide()
		}
	case tray.ReqSettings:
		if r.Settings != nil {
			u.showSettings(*r.Settings)
		}
	case tray.ReqSessions:
		if r.Sessions != nil {
			u.showSessions(*r.Sessions)
		}
	}
}

// shown records that win came up and reports it: at once when the app
// already has the focus, else when it gets it (a window started by a
// background process may be refused focus: "on screen" counts only once
// focused, and the extension's popup can still answer meanwhile).
func (u *UI) shown(win string, w fyne.Window) {
	w.Show()
	w.RequestFocus()
	u.mu.Lock()
	fg := u.foreground
	seq := u.seq
	if !fg {
		u.pendingWin = win
	}
	u.mu.Unlock()
	u.send(tray.Event{Type: tray.EvShown, Window: win, Seq: seq, Focused: fg})
}

func (u *UI) showAsk(seq int, q tray.Question) {
	m := tray.NewPickerModel(q.Req, q.Aliases, q.DefaultDuration, q.MaxDuration)
	if u.picker == nil {
		u.picker = NewPickerView(m, u.o.Now)
		w := u.o.App.NewWindow("ramsso — choose a role")
		w.SetContent(u.picker.Content())
		w.Resize(fyne.NewSize(520, 640))
		w.CenterOnScreen()
		w.SetCloseIntercept(func() { u.picker.cancel() })
		w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { u.picker.Key(k.Name) })
		u.pickerWin = w
		go u.tick()
	}
	u.mu.Lock()
	u.seq = seq
	u.mu.Unlock()
	u.picker.Load(m)
	u.picker.OnPick = func(a capture.Answer) { u.answer(seq, &a, "") }
	u.picker.OnCancel = func() { u.answer(seq, nil, tray.ErrCancel) }
	u.picker.SetQueued(q.Queued)
	u.shown("picker", u.pickerWin)
	u.pickerWin.Canvas().Focus(u.picker.Filter)
	if u.o.ScreenshotDir != "" {
		pv := NewPickerView(tray.NewPickerModel(q.Req, q.Aliases, q.DefaultDuration, q.MaxDuration), u.o.Now)
		pv.SetQueued(q.Queued)
		u.screenshot("picker.png", pv.Content(), fyne.NewSize(520, 640))
	}
}

// answer reports the picker's decision on question seq and hides the
// picker until the resident sends the next question.
func (u *UI) answer(seq int, a *capture.Answer, errText string) {
	u.mu.Lock()
	current := u.seq == seq
	if current {
		u.seq = 0
	}
	u.mu.Unlock()
	if !current {
		return
	}
	u.pickerWin.Hide()
	u.send(tray.Event{Type: tray.EvAnswer, Seq: seq, Answer: a, Error: errText})
}

// tick keeps the countdown current and gives up on an expired assertion.
func (u *UI) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		u.o.Do(func() {
			u.mu.Lock()
			seq := u.seq
			u.mu.Unlock()
			if seq != 0 && !u.picker.Tick() {
				u.answer(seq, nil, tray.ErrExpired)
			}
		})
	}
}

func (u *UI) showSettings(q tray.SettingsQuestion) {
	u.settingsQ = q
	f := q.Form
	if on, err := autostart.Enabled(); err == nil {
		f.StartAtLogin = on
	}
	if u.settingsV == nil {
		u.settingsV = NewSettingsView(f)
		u.settingsV.OnSave = u.saveSettings
		u.settingsV.OnCancel = func() { u.closeWindow("settings", u.settingWin) }
		w := u.o.App.NewWindow("ramsso — settings")
		w.SetContent(u.settingsV.Content())
		w.Resize(fyne.NewSize(620, 640))
		w.SetCloseIntercept(func() { u.closeWindow("settings", u.settingWin) })
		u.settingWin = w
	}
	u.settingsV.Load(f)
	u.shown("settings", u.settingWin)
	if u.o.ScreenshotDir != "" {
		u.screenshot("settings.png", NewSettingsView(f).Content(), fyne.NewSize(620, 640))
	}
}

func (u *UI) closeWindow(name string, w fyne.Window) {
	if w != nil {
		w.Hide()
	}
	u.send(tray.Event{Type: tray.EvClosed, Window: name})
}

// saveSettings stores the form through config.Update (keeping unknown
// keys) and applies start-at-login for the resident tray's executable.
func (u *UI) saveSettings(f tray.SettingsForm) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := config.Update(ctx, u.o.Home, f.Apply); err != nil {
		return err
	}
	if exe := u.settingsQ.TrayExe; exe != "" {
		if err := autostart.Set(f.StartAtLogin, autostart.Entry{Exe: exe, Home: u.settingsQ.Home}); err != nil {
			return fmt.Errorf("start at login: %w", err)
		}
	}
	u.send(tray.Event{Type: tray.EvSaved})
	u.closeWindow("settings", u.settingWin)
	return nil
}

// showSessions is the sessions menu as a window: what a .desktop launcher
// opens where no tray host shows the icon.
func (u *UI) showSessions(m tray.MenuModel) {
	content := MenuPreview(m, func(a tray.Action) {
		u.send(tray.Event{Type: tray.EvAction, Action: a})
	})
	if u.sessWin == nil {
		w := u.o.App.NewWindow("ramsso — sessions")
		w.SetCloseIntercept(func() { u.closeWindow("sessions", u.sessWin) })
		u.sessWin = w
	}
	u.sessWin.SetContent(content)
	u.sessWin.Resize(content.MinSize())
	u.shown("sessions", u.sessWin)
	if u.o.ScreenshotDir != "" {
		u.screenshot("sessions.png", MenuPreview(m, nil), content.MinSize())
	}
}

// FyneMenu renders a menu model into a Fyne menu whose items call do.
func FyneMenu(m tray.MenuModel, do func(tray.Action)) *fyne.Menu {
	return fyne.NewMenu("ramsso", fyneItems(m.Items, do)...)
}

func fyneItems(items []tray.MenuItem, do func(tray.Action)) []*fyne.MenuItem {
	out := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			out = append(out, fyne.NewMenuItemSeparator())
			continue
		}
		act := it.Action
		var fn func()
		if act.Kind != tray.ActNone && do != nil {
			fn = func() { do(act) }
		}
		mi := fyne.NewMenuItem(it.Label, fn)
		mi.Disabled = it.Disabled
		if len(it.Children) > 0 {
			mi.ChildMenu = fyne.NewMenu("", fyneItems(it.Children, do)...)
		}
		out = append(out, mi)
	}
	return out
}

// MenuPreview is the menu, with the first session's submenu open beside
// it, as widgets: the sessions window and the menu screenshot.
func MenuPreview(m tray.MenuModel, do func(tray.Action)) fyne.CanvasObject {
	objs := []fyne.CanvasObject{widget.NewMenu(FyneMenu(m, do))}
	if len(m.Items) > 0 && len(m.Items[0].Children) > 0 {
		sub := widget.NewMenu(fyne.NewMenu("", fyneItems(m.Items[0].Children, do)...))
		objs = append(objs, container.NewVBox(sub))
	}
	return container.NewHBox(objs...)
}

func (u *UI) screenshot(name string, obj fyne.CanvasObject, size fyne.Size) {
	if err := Screenshot(filepath.Join(u.o.ScreenshotDir, name), obj, size); err != nil {
		u.send(tray.Event{Type: tray.EvLog, Text: "screenshot: " + err.Error()})
	}
}

// Screenshot renders obj with Fyne's software driver into path (written
// atomically, so a watcher sees whole files).
func Screenshot(path string, obj fyne.CanvasObject, size fyne.Size) error {
	c := software.NewCanvas()
	// Size the canvas first: a menu clamps its height to its canvas.
	c.Resize(size)
	c.SetContent(obj)
	c.Resize(size)
	obj.Refresh()
	img := c.Capture()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
