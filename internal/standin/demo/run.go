package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// Options configure a demo run.
type Options struct {
	// Dir is the demo's working directory (ramsso home, Chromium profile,
	// test IdP keys); "" makes a fresh temporary one.
	Dir string
	// Headless runs Chromium without a window and signs in by itself.
	Headless bool
	// HostBinary, ExtensionDir and Chromium locate the pieces; see
	// FindHostBinary, FindExtensionDir and FindChromium for the defaults.
	HostBinary, ExtensionDir, Chromium string
	// Timeout bounds the whole sign-in (default 60 s headless, 5 min
	// with a window).
	Timeout time.Duration
	// Log receives progress lines.
	Log io.Writer
}

// Result is where the demo left things.
type Result struct {
	Dir        string // the working directory
	Home       string // RAMSSO_HOME holding the new session (file store)
	ProfileDir string // the Chromium profile with the extension
	Sessions   []store.Session
	// Relaunch is a shell command line that opens Chromium on the demo
	// profile again, the sign-in hosts still mapped to a stand-in (which
	// is gone once the demo ends, so it is useful for the popup only).
	Relaunch string
}

// DemoRoles are the Role attribute values the demo IdP asserts: two roles
// in one account and one in another, as emulator.InitDemo trusts them.
func DemoRoles() []string {
	return []string{
		testidp.RoleValue(emulator.DemoAccount, "admin", emulator.DemoProviderName),
		testidp.RoleValue(emulator.DemoAccount, "readonly", emulator.DemoProviderName),
		testidp.RoleValue(emulator.DemoOtherAccount, "dev", emulator.DemoProviderName),
	}
}

// Run performs the demo: it starts the stand-ins, opens Chromium with the
// extension on the test IdP's login page and waits until a session is in
// the demo home's store. Chromium is stopped before Run returns; the
// working directory is left for the caller to keep or remove.
func Run(ctx context.Context, o Options) (*Result, error) {
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	say := func(format string, a ...any) { fmt.Fprintf(logw, "ramsso demo: "+format+"\n", a...) }

	var err error
	if o.Chromium == "" {
		if o.Chromium, err = FindChromium(); err != nil {
			return nil, err
		}
	}
	if o.HostBinary == "" {
		if o.HostBinary, err = FindHostBinary(); err != nil {
			return nil, err
		}
	}
	if o.ExtensionDir == "" {
		if o.ExtensionDir, err = FindExtensionDir(); err != nil {
			return nil, err
		}
	}
	if o.Dir == "" {
		if o.Dir, err = os.MkdirTemp("", "ramsso-demo-"); err != nil {
			return nil, fmt.Errorf("creating the demo directory: %w", err)
		}
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
		if o.Headless {
			timeout = 60 * time.Second
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cfg, idp, err := emulator.InitDemo(filepath.Join(o.Dir, "idp"))
	if err != nil {
		return nil, fmt.Errorf("preparing the demo IdP and emulator: %w", err)
	}
	rig, err := NewRig(ctx, RigConfig{
		Dir:          o.Dir,
		HostBinary:   o.HostBinary,
		ExtensionDir: o.ExtensionDir,
		Emulator:     cfg,
		IdP:          idp,
		Roles:        DemoRoles(),
		// The demo's own IdP and account: confirmed, as after a first
		// sign-in (a real first sign-in asks in the popup or tray).
		TrustedAccounts: []string{emulator.DemoAccount},
		// Headless: nobody would answer the popup, so the stand-in
		// console chooser picks admin at once.
		NoDisplay: o.Headless,
	})
	if err != nil {
		return nil, err
	}
	defer rig.Close()
	res := &Result{Dir: o.Dir, Home: rig.Home, ProfileDir: rig.ProfileDir}
	say("ramsso home (settings, file store) is %s — your own is not touched", rig.Home)
	say("STS emulator %s · test IdP %s · sign-in stand-in https://%s", rig.STSURL, rig.IdP.URL(), rig.Signin.Addr())

	q := url.Values{}
	if o.Headless {
		rig.Signin.SetChoice("acs:ram::" + emulator.DemoAccount + ":role/admin")
		// Give the extension a moment to load before the POST.
		q.Set("delay", "1500ms")
	} else {
		q.Set("auto", "0")
	}
	login := rig.IdP.LoginURL(q.Encode())

	st, err := rig.Store(ctx)
	if err != nil {
		return nil, err
	}
	captured := func() bool {
		list, err := st.List(ctx)
		return err == nil && len(list) > 0
	}
	if o.Headless {
		// A POST can race the extension's first start in a fresh
		// profile: the pretend console then signs in again.
		again := url.Values{"delay": {"500ms"}}
		rig.Signin.SetRetry(rig.IdP.LoginURL(again.Encode()), 6*time.Second, captured)
	}

	flags := rig.Flags(o.Headless)
	args := make([]string, 0, len(flags)+1)
	for _, f := range flags {
		args = append(args, f.String())
	}
	res.Relaunch = shellQuote(o.Chromium) + " " + joinQuoted(args)
	// The DevTools port (loopback only) lets the demo open the login page
	// again: Chromium sometimes drops its start-up URL while it loads an
	// unpacked extension into a fresh profile.
	args = append(args, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", login)
	logFile, err := os.Create(filepath.Join(o.Dir, "chromium.log"))
	if err != nil {
		return nil, fmt.Errorf("creating the Chromium log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(o.Chromium, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = newProcessGroup()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting Chromium: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer stopChromium(cmd, exited)
	if o.Headless {
		say("Chromium runs headless; the IdP page signs in as alice by itself and the console chooser picks admin")
	} else {
		say("Chromium opened the test IdP: click \"Sign in as alice@example.com\", then pick a role in the (stand-in) console chooser")
	}

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	reopen := time.Now().Add(4 * time.Second)
	for {
		if !reopen.IsZero() && time.Now().After(reopen) {
			reopen = time.Time{}
			if len(rig.IdP.Issued()) == 0 {
				say("Chromium did not open the login page; opening it in a new tab")
				if err := openTab(ctx, rig.ProfileDir, login); err != nil {
					say("could not open a tab: %v", err)
				}
			}
		}
		list, err := st.List(ctx)
		if err == nil && len(list) > 0 {
			res.Sessions = list
			say("credentials for %s are in the store", list[0].RoleArn)
			return res, nil
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("no credentials after %v (the IdP page was served %d times, the sign-in stand-in got %d POSTs): see %s and the host log under %s",
				timeout, len(rig.IdP.Issued()), len(rig.Signin.Posts()), logFile.Name(), rig.Home)
		case err := <-exited:
			exited <- err
			return res, fmt.Errorf("the browser exited before ramsso captured the sign-in (%v); its output is in %s", err, logFile.Name())
		case <-tick.C:
		}
	}
}

// stopChromium ends Chromium's process group (renderers, the native host)
// and waits for it, bounded.
func stopChromium(cmd *exec.Cmd, exited chan error) {
	select {
	case err := <-exited:
		exited <- err
		return
	default:
	}
	killGroup(cmd, false)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		killGroup(cmd, true)
		<-exited
	}
}

// openTab opens u in a new tab of the Chromium running on profileDir,
// through its DevTools HTTP endpoint (PUT /json/new).
func openTab(ctx context.Context, profileDir, u string) error {
	b, err := os.ReadFile(filepath.Join(profileDir, "DevToolsActivePort"))
	if err != nil {
		return fmt.Errorf("reading Chromium's DevTools port: %w", err)
	}
	port, _, _ := strings.Cut(string(b), "\n")
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://127.0.0.1:"+strings.TrimSpace(port)+"/json/new?"+u, nil)
	if err != nil {
		return fmt.Errorf("opening a tab: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("opening a tab: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("opening a tab: DevTools answered %s", resp.Status)
	}
	return nil
}

// FindHostBinary returns ramsso-host next to the running executable, or
// on PATH.
func FindHostBinary() (string, error) {
	if p, err := proc.Find(proc.Host); err == nil {
		return p, nil
	}
	return "", errors.New("ramsso-host not found next to ramsso or on PATH (make build puts both in bin/; or pass --host)")
}

// FindExtensionDir returns extension/build/chrome under the current
// directory or next to the executable's bin/ directory.
func FindExtensionDir() (string, error) {
	cands := []string{filepath.Join("extension", "build", "chrome")}
	if exe, err := os.Executable(); err == nil {
		cands = append(cands, filepath.Join(filepath.Dir(exe), "..", "extension", "build", "chrome"))
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "manifest.json")); err == nil {
			return filepath.Abs(c)
		}
	}
	return "", errors.New("the unpacked extension was not found (run make -C extension build in the ramsso checkout, or pass --extension DIR)")
}

func joinQuoted(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
