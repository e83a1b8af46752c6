package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/standin/demo"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// The Firefox build's add-on id, and the moz-extension:// UUID the tests
// pin (extensions.webextensions.uuids) so they can open the popup page.
const (
	geckoID       = "ramsso@ramsso.dev"
	foxUUID       = "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
	foxPopupURL   = "moz-extension://" + foxUUID + "/popup.html"
	foxTimeout    = 150 * time.Second // one Firefox and every case run on it
	foxIdleMillis = 1500              // extensions.background.idle.timeout
	foxStartedLog = "ramsso: background started"
)

// Set by TestMain.
var (
	firefoxPath      string // "" when Firefox is absent
	firefoxErr       error
	firefoxExtDir    string // extension/build/firefox
	firefoxScreenPNG = "../docs/img/firefox-popup.png"
)

// findFirefox returns $FIREFOX or firefox-esr / firefox on PATH.
func findFirefox() (string, error) {
	if p := os.Getenv("FIREFOX"); p != "" {
		return p, nil
	}
	for _, n := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("firefox not found (Debian: apt-get install firefox-esr; or set FIREFOX=/path/to/firefox)")
}

// requireFirefox skips without Firefox, but fails in CI or when
// RAMSSO_E2E=1 asks for the browser tests explicitly.
func requireFirefox(t *testing.T) {
	t.Helper()
	if firefoxErr == nil {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("RAMSSO_E2E") == "1" {
		t.Fatalf("end-to-end tests need Firefox: %v", firefoxErr)
	}
	t.Skipf("no Firefox (%v); set RAMSSO_E2E=1 to make this a failure", firefoxErr)
}

// fox is a running headless Firefox with the extension installed as a
// temporary add-on, on the same rig as the Chromium tests.
type fox struct {
	*world // rig, ctx, t0 and the store checks; browser is nil
	bidi   *bidi
	out    *foxOutput
	home   string // the throwaway HOME Firefox and `ramsso install` see
}

type foxOptions struct {
	// withholdHosts keeps Firefox from granting the MV3 host permissions
	// at install (extensions.originControls.grantByDefault=false), as if
	// the user had revoked them.
	withholdHosts bool
}

// foxOutput collects Firefox's stdout and stderr (the background page's
// console lines arrive there with devtools.console.stdout.content).
type foxOutput struct {
	mu    sync.Mutex
	lines []string
	ws    chan string
	log   io.Writer
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

func (o *foxOutput) scan(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		o.mu.Lock()
		o.lines = append(o.lines, line)
		fmt.Fprintln(o.log, line)
		o.mu.Unlock()
		if m := bidiListening.FindStringSubmatch(line); m != nil {
			select {
			case o.ws <- m[1]:
			default:
			}
		}
	}
}

// count is how many output lines contain s.
func (o *foxOutput) count(s string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, l := range o.lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// newFox starts the rig, registers the host with `ramsso install
// --browser firefox` in a throwaway HOME, starts Firefox and installs
// the extension.
func newFox(t *testing.T, o foxOptions) *fox {
	t.Helper()
	requireFirefox(t)
	ctx, cancel := context.WithTimeout(context.Background(), foxTimeout)
	t.Cleanup(cancel)
	dir, err := os.MkdirTemp("", "ramsso-e2e-ff-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 10 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	rig, err := demo.NewRig(ctx, demo.RigConfig{
		Dir: dir, HostBinary: hostBinary, ExtensionDir: extensionDir, IdP: idp, NoDisplay: true,
		TrustedAccounts: []string{acct1, acct2},
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
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.Close)
	w := &world{t: t, ctx: ctx, rig: rig, t0: time.Now().UTC().Truncate(time.Second)}
	rig.Emulator.SetClock(func() time.Time { return w.t0 })
	f := &fox{world: w, home: filepath.Join(dir, "user")}

	// The host manifest, as a user gets it.
	cmd := exec.CommandContext(ctx, cliBinary, "install", "--browser", "firefox", "--host", hostBinary)
	cmd.Env = append(os.Environ(), "HOME="+f.home, "RAMSSO_HOME="+rig.Home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ramsso install --browser firefox: %v\n%s", err, out)
	}
	m, err := browsers.ReadManifest(filepath.Join(f.home, ".mozilla", "native-messaging-hosts", browsers.HostName+".json"))
	if err != nil {
		t.Fatalf("ramsso install --browser firefox did not write the manifest Firefox reads: %v", err)
	}
	if len(m.AllowedExtensions) == 0 || m.AllowedExtensions[0] != geckoID || m.Path != hostBinary {
		t.Fatalf("the Firefox manifest allows %v and runs %s, want %s and %s", m.AllowedExtensions, m.Path, geckoID, hostBinary)
	}

	fwd, err := demo.NewForwarder(rig.Signin.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fwd.Close)
	profile := filepath.Join(dir, "firefox-profile")
	if err := writeUserJS(profile, fwd.Port(), o); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "firefox.log"))
	if err != nil {
		t.Fatal(err)
	}
	f.out = &foxOutput{ws: make(chan string, 1), log: logFile}
	f.start(profile)
	t.Cleanup(func() {
		logFile.Close()
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})

	id, err := f.bidi.installExtension(ctx, firefoxExtDir)
	if err != nil {
		t.Fatalf("installing the extension as a temporary add-on: %v", err)
	}
	if id != geckoID {
		t.Fatalf("the extension installed as %q, want the stable gecko id %s", id, geckoID)
	}
	w.eventually("the extension's event page to start", 20*time.Second, func() bool {
		return f.out.count(foxStartedLog) > 0
	})
	w.popupDump = f.popupState
	return f
}

// writeUserJS writes the profile's prefs: the HTTPS proxy (the CONNECT
// forwarder to the sign-in stand-in; 127.0.0.1, the IdP, stays direct),
// the pinned moz-extension UUID, the background page's console on stdout,
// a short event-page idle timeout so tests see it suspended, and quiet.
func writeUserJS(profile string, proxyPort int, o foxOptions) error {
	if err := os.MkdirAll(profile, 0o700); err != nil {
		return err
	}
	uuids, _ := json.Marshal(map[string]string{geckoID: foxUUID})
	prefs := map[string]any{
		"network.proxy.type":                         1,
		"network.proxy.ssl":                          "127.0.0.1",
		"network.proxy.ssl_port":                     proxyPort,
		"network.proxy.no_proxies_on":                "",
		"network.proxy.allow_hijacking_localhost":    false,
		"extensions.webextensions.uuids":             string(uuids),
		"devtools.console.stdout.content":            true,
		"extensions.background.idle.timeout":         foxIdleMillis,
		"extensions.originControls.grantByDefault":   !o.withholdHosts,
		"browser.shell.checkDefaultBrowser":          false,
		"datareporting.policy.dataSubmissionEnabled": false,
		"toolkit.telemetry.reportingpolicy.firstRun": false,
		"app.update.disabledForTesting":              true,
		"browser.aboutwelcome.enabled":               false,
	}
	var b strings.Builder
	for k, v := range prefs {
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "user_pref(%q, %s);\n", k, j)
	}
	return os.WriteFile(filepath.Join(profile, "user.js"), []byte(b.String()), 0o600)
}

// start runs Firefox in its own process group (BiDi's browser.close
// closes the tabs but leaves Firefox running: the cleanup kills the
// group) and connects BiDi.
func (f *fox) start(profile string) {
	t := f.t
	cmd := exec.Command(firefoxPath, "--headless", "--no-remote", "--profile", profile,
		"--remote-debugging-port=0", "--remote-allow-system-access", "about:blank")
	cmd.Env = append(os.Environ(), "HOME="+f.home, "RAMSSO_HOME="+f.rig.Home,
		"DISPLAY=", "WAYLAND_DISPLAY=", "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_HEADLESS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Firefox: %v", err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); f.out.scan(stdout) }()
	go func() { defer readers.Done(); f.out.scan(stderr) }()
	t.Cleanup(func() {
		if f.bidi != nil {
			f.bidi.close()
		}
		// The whole group: Firefox's content processes and any host it
		// started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { readers.Wait(); _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	var ws string
	select {
	case ws = <-f.out.ws:
	case <-time.After(60 * time.Second):
		t.Fatal("Firefox did not start WebDriver BiDi within 60 s")
	}
	if f.bidi, err = dialBiDi(f.ctx, ws); err != nil {
		t.Fatal(err)
	}
	t.Logf("Firefox with BiDi ready in %v", time.Since(start).Round(time.Millisecond))
}

// in is the fox for a subtest: the same browser and rig, reporting to t.
func (f *fox) in(t *testing.T) *fox {
	w := *f.world
	w.t = t
	return &fox{world: &w, bidi: f.bidi, out: f.out, home: f.home}
}

// setConsoleWait rewrites the host's console-chooser wait in the rig's
// settings; the next host Firefox starts reads it.
func (f *fox) setConsoleWait(d string) {
	f.t.Helper()
	err := config.Update(f.ctx, f.rig.Home, func(s *config.Settings) error {
		s.ConsoleChoiceWait = d
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// tab opens a tab, closed when the test ends.
func (f *fox) tab() string {
	f.t.Helper()
	tab, err := f.bidi.newTab(f.ctx)
	if err != nil {
		f.t.Fatalf("opening a tab: %v", err)
	}
	f.t.Cleanup(func() { _ = f.bidi.closeTab(context.Background(), tab) })
	return tab
}

// login opens the IdP page in a new tab; it auto-POSTs to the stand-in.
func (f *fox) login(relay string, q url.Values) {
	f.t.Helper()
	q.Set("relay", relay)
	if err := f.bidi.navigate(f.ctx, f.tab(), f.rig.IdP.LoginURL(q.Encode())); err != nil {
		f.t.Fatalf("login: %v", err)
	}
}

// popup opens the popup page in a tab sized like the real popup and
// waits until it has rendered and pinged the host.
func (f *fox) popup() string {
	f.t.Helper()
	tab := f.tab()
	if err := f.bidi.setViewport(f.ctx, tab, 404, 560); err != nil {
		f.t.Fatal(err)
	}
	if err := f.bidi.navigate(f.ctx, tab, foxPopupURL); err != nil {
		f.t.Fatalf("opening the popup page: %v", err)
	}
	f.waitFor(tab, `body[data-ready="true"]`, 10*time.Second)
	return tab
}

// waitFor waits until sel matches in tab and returns its text.
func (f *fox) waitFor(tab, sel string, d time.Duration) string {
	f.t.Helper()
	q, _ := json.Marshal(sel)
	var text string
	f.eventually(sel+" in the popup", d, func() bool {
		s, err := f.bidi.evalString(f.ctx, tab, `(() => { const e = document.querySelector(`+string(q)+`); return e ? e.innerText : null; })()`)
		text = s
		return err == nil && s != ""
	})
	return text
}

// popupState is the popup's text, for failure messages.
func (f *fox) popupState() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tab, err := f.bidi.newTab(ctx)
	if err != nil {
		return "(popup unavailable: " + err.Error() + ")"
	}
	defer f.bidi.closeTab(ctx, tab) //nolint:errcheck
	if err := f.bidi.navigate(ctx, tab, foxPopupURL); err != nil {
		return "(popup unavailable: " + err.Error() + ")"
	}
	time.Sleep(500 * time.Millisecond)
	s, err := f.bidi.evalString(ctx, tab, `document.body.innerText`)
	if err != nil {
		return "(popup unreadable: " + err.Error() + ")"
	}
	return s
}

// waitSuspended waits until Firefox has suspended the idle event page
// (the short extensions.background.idle.timeout) and returns how many
// times it had started. Firefox reports no suspension to BiDi, so the
// proof is indirect: the wait is well past the idle timeout, and the
// caller asserts that the next POST starts the page again.
func (f *fox) waitSuspended() int {
	time.Sleep(3 * foxIdleMillis * time.Millisecond)
	return f.out.count(foxStartedLog)
}
