package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/standin/demo"
)

// TestFirstSignInConfirmed: in a fresh home the first capture from the
// test IdP and its account waits in the popup (needs_confirm) showing the
// page it came from; nothing reaches STS until the person says yes; then
// the session is stored and the IdP and account are remembered.
func TestFirstSignInConfirmed(t *testing.T) {
	w := newWorld(t, worldOptions{firstSignIn: true})
	before := w.rig.Emulator.Requests()
	if err := w.login(w.tab(), "first", roles(valAdmin)); err != nil {
		t.Fatalf("login: %v", err)
	}
	w.checkUntouched("first")
	popup := w.popup()
	ctx, cancel := context.WithTimeout(popup, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.confirm[data-state="needs_confirm"]`))); err != nil {
		t.Fatalf("no confirmation in the popup: %v\n%s", err, w.popupState())
	}
	page, err := chromedp.Run(popup, chromedp.Text(chromedp.CSS(`.confirm .page`)))
	if err != nil {
		t.Fatal(err)
	}
	if idp := strings.TrimPrefix(w.rig.IdP.URL(), "http://"); !strings.Contains(page, idp) {
		t.Errorf("the confirmation shows page %q, want the IdP page %s", page, idp)
	}
	acct, _ := chromedp.Run(popup, chromedp.Text(chromedp.CSS(`.confirm .account`)))
	if acct != acct1 {
		t.Errorf("the confirmation shows account %q, want %s", acct, acct1)
	}
	if n := w.rig.Emulator.Requests() - before; n != 0 {
		t.Fatalf("an unconfirmed sign-in reached STS (%d requests)", n)
	}
	if err := chromedp.Do(popup, chromedp.Click(chromedp.CSS(`.confirm button.primary`))); err != nil {
		t.Fatal(err)
	}
	w.session(roleAdmin)
	b, err := os.ReadFile(filepath.Join(w.rig.Home, capture.TrustFile))
	if err != nil || !strings.Contains(string(b), issuer) || !strings.Contains(string(b), acct1) {
		t.Fatalf("trusted.json after confirming: %s %v", b, err)
	}
}

// TestIframePostNotCaptured: a page that auto-submits the SAML form into
// an iframe (what a hostile page would do) is not captured; the sign-in
// itself goes on untouched.
func TestIframePostNotCaptured(t *testing.T) {
	w := newWorld(t, worldOptions{})
	q := roles(valAdmin)
	q.Set("frame", "1")
	if err := w.login(w.tab(), "framed", q); err != nil {
		t.Fatalf("login: %v", err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, 15*time.Second)
	defer cancel()
	if _, err := w.rig.Signin.WaitPost(ctx, func(p demo.Post) bool { return p.Form.Get("RelayState") == "framed" }); err != nil {
		t.Fatalf("the framed POST never reached the sign-in stand-in: %v", err)
	}
	// A captured POST becomes a flow within a second; give it three.
	time.Sleep(3 * time.Second)
	if got := w.sessionRoles(); len(got) != 0 {
		t.Fatalf("a framed POST was exchanged: %v", got)
	}
	n, err := chromedp.Run(w.popup(), chromedp.Evaluate[int](`document.querySelectorAll('#history li, #active .card').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("the popup shows %d flows for a framed POST:\n%s", n, w.popupState())
	}
	// Control: the same page at top level is captured.
	if err := w.login(w.tab(), "top", roles(valAdmin)); err != nil {
		t.Fatal(err)
	}
	w.session(roleAdmin)
}
