package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/demo"
)

// TestFirefox runs the capture cases in one real headless Firefox ESR with
// the Firefox build of the extension installed as a temporary add-on over
// WebDriver BiDi and ramsso-host registered by `ramsso install --browser
// firefox`. The cases run in order on the same browser and store; each
// checks only the sessions it adds.
func TestFirefox(t *testing.T) {
	f := newFox(t, foxOptions{})

	t.Run("PopupFindsHost", func(t *testing.T) {
		f := f.in(t)
		tab := f.popup()
		host := f.waitFor(tab, `#host[data-state="found"]`, 10*time.Second)
		if !strings.Contains(host, "ramsso-host") || !strings.Contains(host, "protocol 1") {
			t.Errorf("popup host line = %q, want the host's version and protocol 1", host)
		}
		// MV3 host permissions are granted at install in Firefox, stored
		// without paths; permissions.contains with the path patterns
		// still answers true.
		if got, err := f.bidi.evalString(f.ctx, tab, `document.querySelector('#perms').dataset.allowed`); err != nil || got != "true" {
			t.Errorf("popup says capture is not allowed on the sign-in hosts (data-allowed=%q, %v)", got, err)
		}
	})

	t.Run("ColdOneRole", func(t *testing.T) {
		f := f.in(t)
		starts := f.waitSuspended()
		f.login("ff-one-role", roles(valAdmin))
		f.checkUntouched("ff-one-role")
		// The POST itself woke the suspended event page (nothing else
		// touched the extension since it went idle).
		f.eventually("the POST to start the suspended event page again", 10*time.Second, func() bool {
			return f.out.count(foxStartedLog) > starts
		})
		s := f.session(roleAdmin)
		if s.AccountID != acct1 || s.RoleName != "admin" {
			t.Errorf("session = %s/%s, want %s/admin", s.AccountID, s.RoleName, acct1)
		}
		if got := f.sessionRoles(); !slices.Equal(got, []string{roleAdmin}) {
			t.Errorf("stored roles = %v, want only admin", got)
		}
		item := f.waitFor(f.popup(), `#history li[data-state="done"]`, 10*time.Second)
		if !strings.Contains(item, "admin") {
			t.Errorf("popup history item %q does not name the role", item)
		}
	})

	t.Run("ConsoleChooser", func(t *testing.T) {
		f := f.in(t)
		f.setConsoleWait("30s")
		f.rig.Signin.SetChoice(roleReadonly)
		defer f.rig.Signin.SetChoice("")
		before := f.sessionRoles()
		f.login("ff-chooser", roles(valAdmin, valReadonly, valDev))
		f.checkUntouched("ff-chooser")
		saml := f.issued("ff-chooser")
		p, err := f.rig.Signin.WaitPost(f.ctx, func(p demo.Post) bool {
			return p.Path == "/entrance" && p.SAMLResponse() == saml
		})
		if err != nil {
			t.Fatal(err)
		}
		rp, err := p.RequestParams()
		if err != nil {
			t.Fatal(err)
		}
		if p.RawQuery != "Action="+demo.ConsoleChoiceAction || rp.TargetRoleAndProvider != valReadonly {
			t.Errorf("entrance POST changed: query %q, target %q", p.RawQuery, rp.TargetRoleAndProvider)
		}
		f.session(roleReadonly)
		if got := added(before, f.sessionRoles()); !slices.Equal(got, []string{roleReadonly}) {
			t.Errorf("new sessions = %v, want only the console's choice", got)
		}
	})

	t.Run("PopupChoice", func(t *testing.T) {
		f := f.in(t)
		f.setConsoleWait("1s")
		before := f.sessionRoles()
		f.login("ff-popup-choice", roles(valAdmin, valReadonly, valDev))
		f.checkUntouched("ff-popup-choice")
		popup := f.popup()
		option := `.picker [role="option"][title="` + roleDev + `"]`
		f.waitFor(popup, option, 20*time.Second)
		n, err := f.bidi.evalString(f.ctx, popup, `String(document.querySelectorAll('.picker [role="option"]').length)`)
		if err != nil {
			t.Fatal(err)
		}
		if n != "3" {
			t.Errorf("the picker offers %s roles, want 3", n)
		}
		f.screenshot(popup)
		if err := f.bidi.click(f.ctx, popup, option); err != nil {
			t.Fatalf("choosing in the popup: %v", err)
		}
		f.session(roleDev)
		if got := added(before, f.sessionRoles()); !slices.Equal(got, []string{roleDev}) {
			t.Errorf("new sessions = %v, want only the picked role", got)
		}
	})

	t.Run("ExpiredAssertion", func(t *testing.T) {
		f := f.in(t)
		before := f.sessionRoles()
		q := roles(valAdmin)
		q.Set("age", "1h")
		f.login("ff-expired", q)
		f.checkUntouched("ff-expired")
		item := f.waitFor(f.popup(), `#history li[data-state="error"]`, 15*time.Second)
		if !strings.Contains(strings.ToLower(item), "expired") {
			t.Errorf("popup error %q does not say the assertion expired", item)
		}
		if strings.Contains(item, f.issued("ff-expired")[:40]) {
			t.Error("the popup shows the SAMLResponse")
		}
		if got := added(before, f.sessionRoles()); len(got) != 0 {
			t.Errorf("an expired assertion stored sessions %v", got)
		}
	})
}

// TestFirefoxHostPermissionWithheld: without the host permissions (Firefox
// lets users revoke them) the popup says capture is not allowed and
// offers to allow it, and a sign-in goes through untouched with nothing
// captured.
func TestFirefoxHostPermissionWithheld(t *testing.T) {
	f := newFox(t, foxOptions{withholdHosts: true})
	tab := f.popup()
	perms := f.waitFor(tab, `#perms[data-allowed="false"]`, 10*time.Second)
	if !strings.Contains(perms, "not allowed") || !strings.Contains(perms, "Allow capture") {
		t.Errorf("popup permission box = %q, want that capture is not allowed and an Allow capture button", perms)
	}
	f.login("ff-withheld", roles(valAdmin))
	f.checkUntouched("ff-withheld")
	// Give a capture every chance to happen before asserting it did not.
	time.Sleep(3 * time.Second)
	if got := f.sessionRoles(); len(got) != 0 {
		t.Errorf("stored sessions %v without the host permission", got)
	}
	n, err := f.bidi.evalString(f.ctx, f.popup(), `String(document.querySelectorAll('#history li').length)`)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := strconv.Atoi(n); c != 0 {
		t.Errorf("the popup lists %s sign-ins; the extension saw the POST without the permission", n)
	}
}

// added lists the roles in after that are not in before.
func added(before, after []string) []string {
	var out []string
	for _, r := range after {
		if !slices.Contains(before, r) {
			out = append(out, r)
		}
	}
	return out
}

// screenshot saves the Firefox popup as the README's screenshot when it
// is missing or RAMSSO_UPDATE_SCREENSHOTS=1.
func (f *fox) screenshot(tab string) {
	f.t.Helper()
	if _, err := os.Stat(firefoxScreenPNG); err == nil && os.Getenv("RAMSSO_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png, err := f.bidi.screenshot(f.ctx, tab)
	if err != nil {
		f.t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 1000 {
		f.t.Fatalf("screenshot is only %d bytes", len(png))
	}
	if err := os.MkdirAll(filepath.Dir(firefoxScreenPNG), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(firefoxScreenPNG, png, 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.t.Logf("wrote %s", firefoxScreenPNG)
}
