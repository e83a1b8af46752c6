package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ramsso/ramsso/internal/standin/demo"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// The accounts, provider and roles every test's IdP asserts.
const (
	acct1  = "1234567890123456"
	acct2  = "2222222222222222"
	prov1  = "acs:ram::" + acct1 + ":saml-provider/okta"
	prov2  = "acs:ram::" + acct2 + ":saml-provider/okta"
	issuer = "https://idp.example.com/app/ramsso-e2e"
)

var (
	roleAdmin    = "acs:ram::" + acct1 + ":role/admin"
	roleReadonly = "acs:ram::" + acct1 + ":role/readonly"
	roleDev      = "acs:ram::" + acct2 + ":role/dev"
	valAdmin     = roleAdmin + "," + prov1
	valReadonly  = roleReadonly + "," + prov1
	valDev       = roleDev + "," + prov2
)

// testTimeout bounds every test, Chromium start included.
const testTimeout = 60 * time.Second

// Set by TestMain.
var (
	hostBinary   string // ramsso-host built for this run
	cliBinary    string // ramsso, next to it
	extensionDir string // extension/build/chrome
	chromiumPath string // "" when Chromium is absent
	chromiumErr  error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	chromiumPath, chromiumErr = demo.FindChromium()
	if chromiumErr == nil {
		if _, err := os.Stat(chromiumPath); err != nil {
			chromiumPath, chromiumErr = "", err
		}
	}
	firefoxPath, firefoxErr = findFirefox()
	if chromiumErr != nil && firefoxErr != nil {
		// Each test decides whether that is a skip or a failure.
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "ramsso-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir := tmp
	if p := os.Getenv("RAMSSO_E2E_BIN"); p != "" {
		// Prebuilt binaries (e.g. bin/ from make build).
		if binDir, err = filepath.Abs(p); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	} else if err := buildBinaries(binDir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	hostBinary = filepath.Join(binDir, "ramsso-host")
	cliBinary = filepath.Join(binDir, "ramsso")
	extensionDir, err = filepath.Abs(filepath.Join("..", "extension", "build", "chrome"))
	if err == nil {
		_, err = os.Stat(filepath.Join(extensionDir, "manifest.json"))
	}
	if firefoxExtDir, _ = filepath.Abs(filepath.Join("..", "extension", "build", "firefox")); err == nil {
		_, err = os.Stat(filepath.Join(firefoxExtDir, "manifest.json"))
	}
	if err != nil {
		mk := exec.Command("make", "-C", filepath.Join("..", "extension"), "build")
		if out, err := mk.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building the extension (make -C extension build): %v\n%s", err, out)
			return 1
		}
	}
	return m.Run()
}

// buildBinaries builds ramsso and ramsso-host (cgo-free, as released)
// into dir.
func buildBinaries(dir string) error {
	for _, name := range []string{"ramsso", "ramsso-host"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./app/cmd/"+name)
		build.Dir = ".."
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %w\n%s", name, err, out)
		}
	}
	return nil
}

// requireChromium skips without Chromium, but fails in CI or when
// RAMSSO_E2E=1 asks for the browser tests explicitly.
func requireChromium(t *testing.T) {
	t.Helper()
	if chromiumErr == nil {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("RAMSSO_E2E") == "1" {
		t.Fatalf("end-to-end tests need Chromium: %v", chromiumErr)
	}
	t.Skipf("no Chromium (%v); set RAMSSO_E2E=1 to make this a failure", chromiumErr)
}

// world is one test's stand-ins, ramsso home and running Chromium.
type world struct {
	t       *testing.T
	ctx     context.Context // bounded by testTimeout
	rig     *demo.Rig
	browser context.Context // chromedp browser context (first tab)
	t0      time.Time       // the emulator's frozen clock
	// popupDump, when set, describes the popup for failure messages
	// instead of opening it in Chromium (the Firefox tests).
	popupDump func() string
}

type worldOptions struct {
	consoleChoiceWait string // host's wait for the console chooser
	// install registers the host with `ramsso install --user-data-dir`
	// instead of the harness's own manifest and wrapper; the host then
	// learns RAMSSO_HOME from Chromium's environment.
	install bool
	// firstSignIn leaves the test IdP and its accounts unconfirmed, so
	// the first capture asks (needs_confirm); others start confirmed.
	firstSignIn bool
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	requireChromium(t)
	ctx := testContext(t)
	dir := testDir(t)
	rig := newRig(t, ctx, dir, extensionDir, o.consoleChoiceWait, trusted(o))
	if rig.ExtensionID != pinnedID(t) {
		t.Fatalf("the built manifest's key gives id %s, extension/EXTENSION_ID says %s", rig.ExtensionID, pinnedID(t))
	}

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromiumPath), chromedp.WSURLReadTimeout(20 * time.Second)}
	if o.install {
		if err := os.Remove(rig.Manifest); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, cliBinary, "install", "--browser", "chromium", "--user-data-dir", rig.ProfileDir, "--host", hostBinary)
		cmd.Env = append(os.Environ(), "RAMSSO_HOME="+rig.Home, "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ramsso install --user-data-dir: %v\n%s", err, out)
		}
		if _, err := os.Stat(rig.Manifest); err != nil {
			t.Fatalf("ramsso install did not write %s: %v\n%s", rig.Manifest, err, out)
		}
		opts = append(opts, chromedp.Env("RAMSSO_HOME="+rig.Home, "DISPLAY=", "WAYLAND_DISPLAY="))
	}
	for _, f := range rig.Flags(true) {
		opts = append(opts, chromedp.Flag(f.Name, f.Value))
	}
	return startWorld(t, ctx, rig, dir, opts)
}

// testContext bounds one test by testTimeout.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// testDir is a fresh directory for one test's files, removed at the end.
func testDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "ramsso-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium is gone by now (cleanups run last-in first-out); a
		// late host may still be writing its log, so retry briefly.
		for i := 0; i < 10; i++ {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

// newRig starts the stand-ins for the unpacked extension in extDir and
// prepares the ramsso home and Chromium profile under dir.
// trustedAccounts are recorded as already confirmed (first-seen
// confirmation), with the test IdP's Issuer.
func newRig(t *testing.T, ctx context.Context, dir, extDir, consoleChoiceWait string, trustedAccounts []string) *demo.Rig {
	t.Helper()
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	rig, err := demo.NewRig(ctx, demo.RigConfig{
		Dir:          dir,
		HostBinary:   hostBinary,
		ExtensionDir: extDir,
		IdP:          idp,
		Emulator: emulator.Config{
			Providers: []emulator.Provider{
				{Arn: prov1, Certificate: string(idp.CertPEM())},
				{Arn: prov2, Certificate: string(idp.CertPEM())},
			},
			Roles: []emulator.Role{
				{Arn: roleAdmin, MaxSessionDuration: 43200},
				{Arn: roleReadonly, MaxSessionDuration: 3600},
				{Arn: roleDev, MaxSessionDuration: 7200},
			},
		},
		ConsoleChoiceWait: consoleChoiceWait,
		NoDisplay:         true,
		TrustedAccounts:   trustedAccounts,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.Close)
	return rig
}

// startWorld starts Chromium with opts for rig and waits until the
// extension's service worker runs.
func startWorld(t *testing.T, ctx context.Context, rig *demo.Rig, dir string, opts []chromedp.ExecAllocatorOption) *world {
	t.Helper()
	w := &world{t: t, ctx: ctx, rig: rig, t0: time.Now().UTC().Truncate(time.Second)}
	rig.Emulator.SetClock(func() time.Time { return w.t0 })
	chromeLog, err := os.Create(filepath.Join(dir, "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, chromedp.CombinedOutput(chromeLog))
	t.Cleanup(func() {
		chromeLog.Close()
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Closes the browser gracefully, then the allocator kills it and
		// waits for the process.
		_ = chromedp.Cancel(browser)
		cancelBrowser()
	})
	start := time.Now()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	w.browser = browser
	w.waitWorker()
	t.Logf("Chromium with the extension ready in %v", time.Since(start).Round(time.Millisecond))
	return w
}

// trusted are the accounts a world starts with as confirmed.
func trusted(o worldOptions) []string {
	if o.firstSignIn {
		return nil
	}
	return []string{acct1, acct2}
}

func pinnedID(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("..", "extension", "EXTENSION_ID"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// workerTargets lists the extension's service worker targets.
func (w *world) workerTargets() []*target.Info {
	infos, err := chromedp.Targets(w.browser)
	if err != nil {
		w.t.Fatalf("listing targets: %v", err)
	}
	var out []*target.Info
	for _, i := range infos {
		if i.Type == "service_worker" && strings.HasPrefix(i.URL, "chrome-extension://"+w.rig.ExtensionID+"/") {
			out = append(out, i)
		}
	}
	return out
}

// waitWorker waits until the extension's service worker runs: the
// extension loaded.
func (w *world) waitWorker() {
	w.t.Helper()
	w.eventually("the extension's service worker to start", 30*time.Second, func() bool {
		return len(w.workerTargets()) > 0
	})
}

// stopWorkers stops the extension's service worker (CDP
// ServiceWorker.stopAllWorkers, sent from a tab on the extension's origin:
// a web page's session does not reach extension workers) and waits until
// it is gone, so the next POST must wake it cold.
func (w *world) stopWorkers() {
	w.t.Helper()
	ctx, cancel := chromedp.NewContext(w.browser)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("chrome-extension://"+w.rig.ExtensionID+"/manifest.json")); err != nil {
		w.t.Fatalf("opening an extension page: %v", err)
	}
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		w.t.Fatalf("ServiceWorker.enable: %v", err)
	}
	// A worker still starting up can survive one stop: try a few times.
	for attempt := 0; attempt < 5; attempt++ {
		if _, err := chromedp.Call(ctx, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
			w.t.Fatalf("ServiceWorker.stopAllWorkers: %v", err)
		}
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if len(w.workerTargets()) == 0 {
				return
			}
		}
	}
	w.t.Fatal("the extension's service worker did not stop")
}

// tab opens a new tab.
func (w *world) tab() context.Context {
	ctx, cancel := chromedp.NewContext(w.browser)
	w.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		w.t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// login navigates tab to the IdP page, which auto-POSTs; relay tags the
// flow so concurrent logins can be told apart.
func (w *world) login(tab context.Context, relay string, q url.Values) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("relay", relay)
	return chromedp.Do(tab, chromedp.Navigate(w.rig.IdP.LoginURL(q.Encode())))
}

// issued returns the SAMLResponse the IdP page issued for relay.
func (w *world) issued(relay string) string {
	w.t.Helper()
	var found string
	w.eventually("the IdP page to issue "+relay, 10*time.Second, func() bool {
		for _, i := range w.rig.IdP.Issued() {
			if i.RelayState == relay {
				found = i.SAMLResponse
				return true
			}
		}
		return false
	})
	return found
}

// checkUntouched asserts that the stand-in received the IdP's POST for
// relay byte for byte as a browser encodes the form, and returns it.
func (w *world) checkUntouched(relay string) demo.Post {
	w.t.Helper()
	saml := w.issued(relay)
	ctx, cancel := context.WithTimeout(w.ctx, 15*time.Second)
	defer cancel()
	p, err := w.rig.Signin.WaitPost(ctx, func(p demo.Post) bool {
		return p.Path == "/saml-role/sso" && p.Form.Get("RelayState") == relay
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if p.Host != demo.HostChina {
		w.t.Errorf("the SAML POST went to host %q, want %s", p.Host, demo.HostChina)
	}
	if p.Form.Get("SAMLResponse") != saml {
		w.t.Errorf("the stand-in got a different SAMLResponse than the IdP posted (%d vs %d bytes)", len(p.Form.Get("SAMLResponse")), len(saml))
	}
	want := "SAMLResponse=" + url.QueryEscape(saml) + "&RelayState=" + url.QueryEscape(relay)
	if string(p.Body) != want {
		w.t.Errorf("the SAML POST body was changed on the way (%d bytes, want %d)", len(p.Body), len(want))
	}
	return p
}

// session waits for the store to hold a session for roleArn and checks it
// carries the emulator's credentials and expiry (its frozen clock + 1 h).
func (w *world) session(roleArn string) *store.Session {
	w.t.Helper()
	st, err := w.rig.Store(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var profile string
	end := time.Now().Add(30 * time.Second)
	for profile == "" {
		list, _ := st.List(w.ctx)
		for _, s := range list {
			if s.RoleArn == roleArn {
				profile = s.Profile
			}
		}
		if profile == "" && (time.Now().After(end) || w.ctx.Err() != nil) {
			w.t.Fatalf("timed out waiting for a stored session for %s; the popup shows:\n%s", roleArn, w.popupState())
		}
		time.Sleep(100 * time.Millisecond)
	}
	s, err := st.Get(w.ctx, profile)
	if err != nil {
		w.t.Fatalf("reading session %s: %v", profile, err)
	}
	if want := w.t0.Add(time.Hour); !s.Expiration.Equal(want) {
		w.t.Errorf("session %s expires %v, want the emulator's %v", profile, s.Expiration, want)
	}
	c := s.Credentials
	if !strings.HasPrefix(c.AccessKeyID, "STS.") || c.AccessKeySecret == "" || c.SecurityToken == "" {
		w.t.Errorf("session %s lacks the emulator's credentials (key id %q)", profile, c.AccessKeyID)
	}
	if s.Issuer != issuer {
		w.t.Errorf("session %s issuer %q, want %q", profile, s.Issuer, issuer)
	}
	return s
}

// sessionRoles lists the roles with a stored session.
func (w *world) sessionRoles() []string {
	w.t.Helper()
	st, err := w.rig.Store(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	list, err := st.List(w.ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		w.t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.RoleArn)
	}
	return out
}

// popup opens the extension popup in a tab sized like the real popup and
// waits until it has rendered and pinged the host.
func (w *world) popup() context.Context {
	w.t.Helper()
	tab := w.tab()
	err := chromedp.Do(tab,
		chromedp.EmulateViewport(404, 560), // the popup body: 380 px + padding
		chromedp.Navigate(w.rig.PopupURL()),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
	)
	if err != nil {
		w.t.Fatalf("opening the popup: %v", err)
	}
	return tab
}

// popupState is the popup's text, for failure messages.
func (w *world) popupState() string {
	if w.popupDump != nil {
		return w.popupDump()
	}
	ctx, cancel := chromedp.NewContext(w.browser)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 5*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(w.rig.PopupURL()), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`))); err != nil {
		return "(popup unavailable: " + err.Error() + ")"
	}
	txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		return "(popup unreadable: " + err.Error() + ")"
	}
	return txt
}

// eventually polls cond every 100 ms until it holds or d (bounded by the
// test's deadline) passes.
func (w *world) eventually(what string, d time.Duration, cond func() bool) {
	w.t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) || w.ctx.Err() != nil {
			w.t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dumpLogs shows the tail of Chromium's output and of every log under
// the ramsso home when a test failed.
func dumpLogs(t *testing.T, dir string) {
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".log") || strings.Contains(p, "chromium-profile") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			// Chromium's complaints about the missing system bus are noise.
			if !strings.Contains(l, "dbus") && !strings.Contains(l, "unexpected operator") {
				lines = append(lines, l)
			}
		}
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		t.Logf("--- %s (last %d lines)\n%s", strings.TrimPrefix(p, dir+"/"), len(lines), strings.Join(lines, "\n"))
		return nil
	})
}
