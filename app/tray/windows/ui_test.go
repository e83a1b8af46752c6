package windows

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
)

// uiRig is the window process's UI on Fyne's test driver, spoken to over
// pipes as the resident does.
type uiRig struct {
	ui     *UI
	res    *tray.Conn // the resident's end
	events chan tray.Event
	uiq    chan func()
}

func newUIRig(t *testing.T) *uiRig {
	a := test.NewTempApp(t)
	home := filepath.Join(t.TempDir(), "home")
	if err := config.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	uiq := make(chan func(), 64)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case f := <-uiq:
				f()
			case <-stop:
				return
			}
		}
	}()
	r := &uiRig{res: tray.NewConn(outR, inW), events: make(chan tray.Event, 64), uiq: uiq}
	r.ui = New(Options{App: a, Conn: tray.NewConn(inR, outW), Home: home, Now: func() time.Time { return t0 }, Do: func(f func()) { uiq <- f }})
	served := make(chan error, 1)
	go func() { served <- r.ui.Serve(context.Background()) }()
	go func() {
		for {
			var e tray.Event
			if err := r.res.Read(&e); err != nil {
				close(r.events)
				return
			}
			r.events <- e
		}
	}()
	t.Cleanup(func() {
		inW.Close() // the resident goes away: Serve returns
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		close(stop)
	})
	return r
}

func (r *uiRig) sync(f func()) {
	done := make(chan struct{})
	r.uiq <- func() { defer close(done); f() }
	<-done
}

func (r *uiRig) next(t *testing.T, typ string) tray.Event {
	t.Helper()
	for {
		select {
		case e, ok := <-r.events:
			if !ok {
				t.Fatalf("the UI closed its pipe waiting for %s", typ)
			}
			if e.Type == typ {
				return e
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestUIAnswersOverThePipe: a question arrives on the pipe, the picker
// shows it, the person types and presses Enter, the answer goes back with
// the question's number; Escape on the next one cancels it.
func TestUIAnswersOverThePipe(t *testing.T) {
	r := newUIRig(t)
	r.next(t, tray.EvReady)
	q := tray.Question{Req: capture.AskRequest{ID: "f1", Issuer: "https://idp.example.com", Roles: testRoles, AssertionExpires: t0.Add(4 * time.Minute)},
		Aliases: map[string]string{"333": "sandbox"}, DefaultDuration: 2 * time.Hour, Queued: 1}
	if err := r.res.Send(tray.Request{Type: tray.ReqAsk, Seq: 7, Ask: &q}); err != nil {
		t.Fatal(err)
	}
	if e := r.next(t, tray.EvShown); e.Window != "picker" || e.Seq != 7 {
		t.Fatalf("shown = %+v", e)
	}
	r.sync(func() {
		if r.ui.picker.Queue.Text != "1 more request waiting" {
			t.Errorf("queue label %q", r.ui.picker.Queue.Text)
		}
		test.Type(r.ui.picker.Filter, "sandbox")
		r.ui.picker.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	e := r.next(t, tray.EvAnswer)
	if e.Seq != 7 || e.Answer == nil || e.Answer.RoleArn != "acs:ram::333:role/admin" || e.Answer.Duration != 2*time.Hour {
		t.Fatalf("answer = %+v %+v", e, e.Answer)
	}
	if err := r.res.Send(tray.Request{Type: tray.ReqAsk, Seq: 8, Ask: &q}); err != nil {
		t.Fatal(err)
	}
	r.next(t, tray.EvShown)
	r.sync(func() { r.ui.picker.Key(fyne.KeyEscape) })
	if e := r.next(t, tray.EvAnswer); e.Seq != 8 || e.Error != tray.ErrCancel {
		t.Fatalf("escape = %+v", e)
	}
}

// TestUISettingsSaves: the settings window saves through config.Update
// and tells the resident.
func TestUISettingsSaves(t *testing.T) {
	r := newUIRig(t)
	r.next(t, tray.EvReady)
	f := tray.SettingsForm{DefaultDuration: time.Hour, EnvFormat: "sh", Notifications: true}
	if err := r.res.Send(tray.Request{Type: tray.ReqSettings, Settings: &tray.SettingsQuestion{Form: f}}); err != nil {
		t.Fatal(err)
	}
	r.next(t, tray.EvShown)
	r.sync(func() {
		test.Type(r.ui.settingsV.STSRegion, "cn-shanghai")
		test.Tap(r.ui.settingsV.Save)
	})
	r.next(t, tray.EvSaved)
	if e := r.next(t, tray.EvClosed); e.Window != "settings" {
		t.Fatalf("closed = %+v", e)
	}
	set, err := config.Load(r.ui.o.Home)
	if err != nil || set.STS.Region != "cn-shanghai" {
		t.Fatalf("saved settings: %+v %v", set, err)
	}
}
