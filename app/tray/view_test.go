package tray

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
)

func TestPickerViewKeyboard(t *testing.T) {
	test.NewTempApp(t)
	req := capture.AskRequest{Issuer: "https://idp.example.com", Subject: "alice@example.com", Roles: testRoles, AssertionExpires: t0.Add(4 * time.Minute)}
	m := NewPickerModel(req, map[string]string{"333": "sandbox"}, time.Hour, map[string]time.Duration{"acs:ram::333:role/admin": time.Hour})
	v := NewPickerView(m, func() time.Time { return t0 })
	w := test.NewWindow(v.Content())
	defer w.Close()
	var picked []capture.Answer
	cancelled := 0
	v.OnPick = func(a capture.Answer) { picked = append(picked, a) }
	v.OnCancel = func() { cancelled++ }

	if v.Issuer.Text != req.Issuer || v.Subject.Text != req.Subject || v.Expiry.Text != "Login valid for 4m00s" {
		t.Errorf("header: %q %q %q", v.Issuer.Text, v.Subject.Text, v.Expiry.Text)
	}
	w.Canvas().Focus(v.Filter)
	test.Type(v.Filter, "adm")
	if m.Count() != 2 {
		t.Fatalf("typing 'adm' shows %d roles", m.Count())
	}
	v.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if r, _ := m.Selected(); r.RoleArn != "acs:ram::333:role/admin" {
		t.Fatalf("Down selected %s", r.RoleArn)
	}
	if sel := m.SelectedRow(); sel != 3 { // [111] admin [sandbox (333)] admin
		t.Errorf("list row = %d", sel)
	}
	v.Duration.SetSelected("8 hours")
	if m.Duration() != time.Hour || !strings.Contains(v.Note.Text, "allows at most 1h00m") || v.Duration.Selected != "1 hour" {
		t.Errorf("8 h on a 1 h role: %s, note %q, shown %q", m.Duration(), v.Note.Text, v.Duration.Selected)
	}
	test.Tap(v.Remember)
	v.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	v.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(picked) != 1 || picked[0].RoleArn != "acs:ram::111:role/admin" || !picked[0].Remember || picked[0].Duration != 8*time.Hour {
		t.Fatalf("Enter picked %+v", picked)
	}
	v.Filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if cancelled != 1 {
		t.Errorf("Escape cancelled %d times", cancelled)
	}
	// A filter that matches nothing says so and disables Pick.
	test.Type(v.Filter, "zzz")
	if !v.Pick.Disabled() || v.Error.Text == "" {
		t.Errorf("no match: pick disabled=%v error=%q", v.Pick.Disabled(), v.Error.Text)
	}
	// Keys reach the picker when the focus is elsewhere too.
	w.Canvas().Unfocus()
	if !v.Key(fyne.KeyEscape) || cancelled != 2 {
		t.Errorf("Escape without focus: %d", cancelled)
	}
}

func TestPickerViewExpired(t *testing.T) {
	test.NewTempApp(t)
	now := t0
	req := capture.AskRequest{Roles: testRoles, AssertionExpires: t0.Add(time.Minute)}
	v := NewPickerView(NewPickerModel(req, nil, time.Hour, nil), func() time.Time { return now })
	if v.Pick.Disabled() {
		t.Fatal("Pick disabled while valid")
	}
	now = t0.Add(time.Minute)
	if v.Tick() {
		t.Error("Tick says valid after expiry")
	}
	if !v.Pick.Disabled() || !strings.Contains(v.Expiry.Text, "expired") {
		t.Errorf("after expiry: disabled=%v %q", v.Pick.Disabled(), v.Expiry.Text)
	}
}

func TestIcons(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []Icon{IconNone, IconActive, IconExpiring, IconExpired} {
		r := IconResource(i)
		img, err := png.Decode(bytes.NewReader(r.Content()))
		if err != nil {
			t.Fatalf("%v: %v", i, err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("%v: %v", i, b)
		}
		if seen[string(r.Content())] {
			t.Errorf("%v looks like another state's icon", i)
		}
		seen[string(r.Content())] = true
	}
}

func TestSettingsForm(t *testing.T) {
	on := false
	s := &config.Settings{
		AccountAliases:  map[string]string{"111": "prod", "222": "dev"},
		DefaultDuration: "2h", Notifications: &on, EnvFormat: "fish",
		IdPLoginURLs: map[string]string{"https://idp": "https://idp/login"},
	}
	f := FormFromSettings(s)
	if f.Aliases != "111 = prod\n222 = dev\n" || f.DefaultDuration != 2*time.Hour || f.Notifications || f.EnvFormat != "fish" {
		t.Fatalf("form = %+v", f)
	}
	tests := []struct {
		name  string
		edit  func(*SettingsForm)
		err   string
		check func(*config.Settings) bool
	}{
		{"round trip", func(*SettingsForm) {}, "", func(o *config.Settings) bool {
			return o.AccountAliases["222"] == "dev" && o.DefaultDuration == "2h0m0s" && o.EnvFormat == "fish" && !o.NotificationsEnabled()
		}},
		{"aliases edited", func(f *SettingsForm) { f.Aliases = "# comment\n333=sandbox\n\n" }, "", func(o *config.Settings) bool {
			return len(o.AccountAliases) == 1 && o.AccountAliases["333"] == "sandbox"
		}},
		{"bad alias line", func(f *SettingsForm) { f.Aliases = "333 sandbox" }, "Account aliases, line 1", nil},
		{"bad URL", func(f *SettingsForm) { f.LoginURLs = "p = idp.example/login" }, "must start with https://", nil},
		{"bad timeout", func(f *SettingsForm) { f.ClipboardTimeout = "soon" }, "Clipboard timeout", nil},
		{"bad proxy", func(f *SettingsForm) { f.Proxy = "proxy:3128" }, "proxy", nil},
		{"sh is the default", func(f *SettingsForm) { f.EnvFormat = "sh"; f.ClipboardTimeout = "10s" }, "", func(o *config.Settings) bool {
			d, _ := o.ClipboardTimeoutDuration()
			return o.EnvFormat == "" && d == 10*time.Second
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := f
			tt.edit(&g)
			out := &config.Settings{Region: "kept"}
			err := g.Apply(out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.check(out) || out.Region != "kept" {
				t.Fatalf("Apply = %v, settings %+v", err, out)
			}
		})
	}
}

func TestSettingsViewRoundTrip(t *testing.T) {
	test.NewTempApp(t)
	f := SettingsForm{Aliases: "1 = a\n", DefaultDuration: 4 * time.Hour, EnvFormat: "PowerShell", Notifications: true, ClipboardTimeout: "20s"}
	v := NewSettingsView(f)
	var saved SettingsForm
	v.OnSave = func(g SettingsForm) error { saved = g; return nil }
	test.Type(v.STSRegion, "cn-shanghai")
	test.Tap(v.StartAtLogin)
	test.Tap(v.Save)
	f.STSRegion, f.StartAtLogin = "cn-shanghai", true
	if saved != f {
		t.Errorf("saved %+v\nwant  %+v", saved, f)
	}
}
