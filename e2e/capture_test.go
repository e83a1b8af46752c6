package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/demo"
)

// screenshotPath is the README's popup screenshot, taken by TestPopupChoice.
const screenshotPath = "../docs/img/popup.png"

func roles(values ...string) url.Values {
	return url.Values{"roles": {strings.Join(values, ";")}}
}

// TestPopupFindsHost: the popup pings the registered ramsso-host over
// native messaging and shows its version and protocol, and the extension
// holds its host permissions.
func TestPopupFindsHost(t *testing.T) {
	w := newWorld(t, worldOptions{})
	tab := w.popup()
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#host[data-state="found"]`))); err != nil {
		t.Fatalf("popup host check: %v", err)
	}
	hostText, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(`#host`)))
	if err != nil {
		t.Fatal(err)
	}
	perm, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(`#perms`), "data-allowed"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := perm.Value
	if !strings.Contains(hostText, "ramsso-host") || !strings.Contains(hostText, "protocol 1") {
		t.Errorf("popup host line = %q, want the host's version and protocol 1", hostText)
	}
	if allowed != "true" {
		t.Errorf("popup says capture is not allowed on the sign-in hosts (data-allowed=%q)", allowed)
	}
}

// TestOneRole: a one-role assertion POSTed to a cold worker becomes a
// stored session; the console login goes on untouched; the popup lists it.
func TestOneRole(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.stopWorkers()
	if err := w.login(w.tab(), "one-role", roles(valAdmin)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("one-role")
	w.eventually("the POST to wake the extension's worker", 10*time.Second, func() bool {
		return len(w.workerTargets()) > 0
	})
	s := w.session(roleAdmin)
	if s.AccountID != acct1 || s.RoleName != "admin" {
		t.Errorf("session = %s/%s, want %s/admin", s.AccountID, s.RoleName, acct1)
	}
	if got := w.sessionRoles(); !slices.Equal(got, []string{roleAdmin}) {
		t.Errorf("stored roles = %v, want only admin", got)
	}
	item, err := popupText(w.popup(), `#history li[data-state="done"]`)
	if err != nil {
		t.Fatalf("popup history: %v", err)
	}
	if !strings.Contains(item, "admin") {
		t.Errorf("popup history item %q does not name the role", item)
	}
}

// TestInstalledHost: the manifest `ramsso install --user-data-dir` writes
// works for a real capture (the host finds its home through the
// environment Chromium hands it).
func TestInstalledHost(t *testing.T) {
	w := newWorld(t, worldOptions{install: true})
	if _, err := popupText(w.popup(), `#host[data-state="found"]`); err != nil {
		t.Fatalf("the popup does not find the installed host: %v", err)
	}
	w.stopWorkers()
	if err := w.login(w.tab(), "installed", roles(valDev)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("installed")
	w.session(roleDev)
}

// TestConsoleChooser: several roles; the console's chooser POSTs the
// person's pick to /entrance and the host uses it.
func TestConsoleChooser(t *testing.T) {
	w := newWorld(t, worldOptions{consoleChoiceWait: "30s"})
	w.rig.Signin.SetChoice(roleReadonly)
	w.stopWorkers()
	if err := w.login(w.tab(), "chooser", roles(valAdmin, valReadonly, valDev)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("chooser")
	saml := w.issued("chooser")
	p, err := w.rig.Signin.WaitPost(w.ctx, func(p demo.Post) bool { return p.Path == "/entrance" })
	if err != nil {
		t.Fatal(err)
	}
	if p.RawQuery != "Action="+demo.ConsoleChoiceAction {
		t.Errorf("entrance POST query = %q", p.RawQuery)
	}
	rp, err := p.RequestParams()
	if err != nil {
		t.Fatal(err)
	}
	if rp.SAMLResponse != saml || rp.TargetRoleAndProvider != valReadonly {
		t.Errorf("entrance POST changed: target %q, SAMLResponse equal: %v", rp.TargetRoleAndProvider, rp.SAMLResponse == saml)
	}
	w.session(roleReadonly)
	if got := w.sessionRoles(); !slices.Equal(got, []string{roleReadonly}) {
		t.Errorf("stored roles = %v, want only the console's choice", got)
	}
}

// TestPopupChoice: several roles, no console choice within the wait: the
// popup's picker asks, and the click reaches the host as `choose`.
func TestPopupChoice(t *testing.T) {
	w := newWorld(t, worldOptions{consoleChoiceWait: "1s"})
	w.stopWorkers()
	if err := w.login(w.tab(), "popup-choice", roles(valAdmin, valReadonly, valDev)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("popup-choice")
	popup := w.popup()
	option := `.picker [role="option"][title="` + roleDev + `"]`
	if err := chromedp.Do(popup, chromedp.WaitVisible(chromedp.CSS(option))); err != nil {
		t.Fatalf("waiting for the popup's role picker: %v", err)
	}
	n, err := chromedp.Run(popup, chromedp.Evaluate[int](`document.querySelectorAll('.picker [role="option"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("the picker offers %d roles, want 3", n)
	}
	w.screenshot(popup)
	if err := chromedp.Do(popup, chromedp.Click(chromedp.CSS(option))); err != nil {
		t.Fatalf("choosing in the popup: %v", err)
	}
	w.session(roleDev)
	if got := w.sessionRoles(); !slices.Equal(got, []string{roleDev}) {
		t.Errorf("stored roles = %v, want only the picked role", got)
	}
}

// TestRememberedChoice: a remembered choice for this IdP and role set is
// used at once, without waiting for the console or asking.
func TestRememberedChoice(t *testing.T) {
	w := newWorld(t, worldOptions{consoleChoiceWait: "45s"})
	var rs []saml.Role
	for _, v := range []string{valAdmin, valReadonly, valDev} {
		r, err := saml.ParseRole(v)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	st := &capture.State{Home: w.rig.Home}
	if err := st.RememberChoice(w.ctx, issuer, rs, roleDev); err != nil {
		t.Fatal(err)
	}
	w.stopWorkers()
	start := time.Now()
	if err := w.login(w.tab(), "remembered", roles(valAdmin, valReadonly, valDev)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("remembered")
	w.session(roleDev)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the remembered choice took %v: the host waited for the console", d)
	}
	if got := w.sessionRoles(); !slices.Equal(got, []string{roleDev}) {
		t.Errorf("stored roles = %v, want only the remembered role", got)
	}
}

// TestExpiredAssertion: an expired assertion ends in a clear error in the
// popup, nothing is stored, and the console POST still goes through.
func TestExpiredAssertion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.stopWorkers()
	q := roles(valAdmin)
	q.Set("age", "1h")
	if err := w.login(w.tab(), "expired", q); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("expired")
	item, err := popupText(w.popup(), `#history li[data-state="error"]`)
	if err != nil {
		t.Fatalf("waiting for the error in the popup: %v", err)
	}
	if !strings.Contains(strings.ToLower(item), "expired") {
		t.Errorf("popup error %q does not say the assertion expired", item)
	}
	if strings.Contains(item, w.issued("expired")[:40]) {
		t.Error("the popup shows the SAMLResponse")
	}
	if got := w.sessionRoles(); len(got) != 0 {
		t.Errorf("an expired assertion stored sessions %v", got)
	}
}

// TestTwoTabs: two sign-ins at once, in two tabs, both complete.
func TestTwoTabs(t *testing.T) {
	w := newWorld(t, worldOptions{})
	tab1, tab2 := w.tab(), w.tab()
	w.stopWorkers()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = w.login(tab1, "tab-1", roles(valAdmin)) }()
	go func() { defer wg.Done(); errs[1] = w.login(tab2, "tab-2", roles(valDev)) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("login: %v", err)
		}
	}
	w.checkUntouched("tab-1")
	w.checkUntouched("tab-2")
	w.session(roleAdmin)
	w.session(roleDev)
	if got := w.sessionRoles(); len(got) != 2 {
		t.Errorf("stored roles = %v, want admin and dev", got)
	}
}

// screenshot saves the popup as the README's screenshot when it is
// missing or RAMSSO_UPDATE_SCREENSHOTS=1 (so runs stay side-effect free).
func (w *world) screenshot(popup context.Context) {
	w.t.Helper()
	if _, err := os.Stat(screenshotPath); err == nil && os.Getenv("RAMSSO_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(popup, chromedp.CaptureScreenshot())
	if err != nil {
		w.t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 1000 {
		w.t.Fatalf("screenshot is only %d bytes", len(png))
	}
	if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(screenshotPath, png, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.t.Logf("wrote %s", screenshotPath)
}

// popupText waits for sel in the popup and returns its visible text.
func popupText(popup context.Context, sel string) (string, error) {
	if err := chromedp.Do(popup, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		return "", err
	}
	return chromedp.Run(popup, chromedp.Text(chromedp.CSS(sel)))
}
