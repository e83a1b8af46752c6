package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
)

// TestPopupRememberAndDuration: the popup's picker sends the duration
// chosen in its select and, with "Remember this choice" ticked, the host
// remembers the role for this IdP and role set.
func TestPopupRememberAndDuration(t *testing.T) {
	w := newWorld(t, worldOptions{consoleChoiceWait: "1s"})
	w.stopWorkers()
	if err := w.login(w.tab(), "popup-options", roles(valAdmin, valReadonly, valDev)); err != nil {
		t.Fatalf("login: %v", err)
	}
	popup := w.popup()
	option := `.picker [role="option"][title="` + roleDev + `"]`
	if err := chromedp.Do(popup,
		chromedp.WaitVisible(chromedp.CSS(option)),
		chromedp.SetValue(chromedp.CSS(`.picker select.duration`), "7200"),
		chromedp.Click(chromedp.CSS(`.picker input.remember`)),
		chromedp.Click(chromedp.CSS(option)),
	); err != nil {
		t.Fatalf("choosing in the popup: %v", err)
	}
	st0, err := w.rig.Store(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var exp time.Time
	w.eventually("a stored session for "+roleDev, 30*time.Second, func() bool {
		list, _ := st0.List(w.ctx)
		for _, s := range list {
			if s.RoleArn == roleDev {
				exp = s.Expiration
				return true
			}
		}
		return false
	})
	if want := w.t0.Add(2 * time.Hour); !exp.Equal(want) {
		t.Errorf("session expires %v, want %v (the 2 hours chosen in the popup)", exp, want)
	}
	var rs []saml.Role
	for _, v := range []string{valAdmin, valReadonly, valDev} {
		r, err := saml.ParseRole(v)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	st := &capture.State{Home: w.rig.Home}
	got, ok, err := st.RememberedChoice(issuer, rs)
	if err != nil || !ok || got != roleDev {
		t.Errorf("remembered choice = %q, %v, %v; want %s", got, ok, err, roleDev)
	}
}
