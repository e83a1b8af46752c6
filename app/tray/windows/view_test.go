package windows

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func role(acct, name string) saml.Role {
	return saml.Role{
		RoleArn:     "acs:ram::" + acct + ":role/" + name,
		ProviderArn: "acs:ram::" + acct + ":saml-provider/okta",
		AccountID:   acct, RoleName: name,
	}
}

var testRoles = []saml.Role{
	role("222", "dev"), role("111", "admin"), role("111", "audit"), role("333", "admin"),
}

func TestPickerViewKeyboard(t *testing.T) {
	test.NewTempApp(t)
	req := capture.AskRequest{Issuer: "https://idp.example.com", Subject: "alice@example.com", Roles: testRoles, AssertionExpires: t0.Add(4 * time.Minute)}
	m := tray.NewPickerModel(req, map[string]string{"333": "sandbox"}, time.Hour, map[string]time.Duration{"acs:ram::333:role/admin": time.Hour})
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
	v := NewPickerView(tray.NewPickerModel(req, nil, time.Hour, nil), func() time.Time { return now })
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

func TestSettingsViewRoundTrip(t *testing.T) {
	test.NewTempApp(t)
	f := tray.SettingsForm{Aliases: "1 = a\n", DefaultDuration: 4 * time.Hour, EnvFormat: "PowerShell", Notifications: true, ClipboardTimeout: "20s"}
	v := NewSettingsView(f)
	var saved tray.SettingsForm
	v.OnSave = func(g tray.SettingsForm) error { saved = g; return nil }
	test.Type(v.STSRegion, "cn-shanghai")
	test.Tap(v.StartAtLogin)
	test.Tap(v.Save)
	f.STSRegion, f.StartAtLogin = "cn-shanghai", true
	if saved != f {
		t.Errorf("saved %+v\nwant  %+v", saved, f)
	}
}
