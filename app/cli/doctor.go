package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/pipeline"
	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// DoctorInput is what `ramsso doctor` takes.
type DoctorInput struct {
	JSON          bool
	Browser       string
	UserDataDir   string
	Host          string
	ClearFallback bool
	// Timeout bounds each check that waits (host ping, TCP connect).
	Timeout time.Duration
}

// Check statuses.
const (
	CheckOK   = "ok"
	CheckWarn = "warn"
	CheckFail = "fail"
)

// Check is one line of the doctor's checklist.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// TrayRunning, when set (by the tray integration), reports whether a tray
// answers on the local API under home; doctor shows it.
var TrayRunning func(ctx context.Context, home string) (bool, error)

func configureDoctorCommand(app *App) *cobra.Command {
	var in DoctorInput
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the browser integration, the host, the store and STS, and say how to fix problems",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return DoctorCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&in.JSON, "json", false, "print the checks as JSON")
	f.StringVar(&in.Browser, "browser", "", "check only this browser")
	f.StringVar(&in.UserDataDir, "user-data-dir", "", "check the manifest in this Chrome-family user data dir")
	f.StringVar(&in.Host, "host", "", "the ramsso-host binary to test (default: the manifest's, else beside ramsso)")
	f.BoolVar(&in.ClearFallback, "clear-fallback", false, "forget the recorded keyring fallback, so the next command tries the OS keyring again")
	return cmd
}

type doctor struct {
	app    *App
	in     DoctorInput
	checks []Check
}

func (d *doctor) add(name, status, detail, fix string) {
	d.checks = append(d.checks, Check{Name: name, Status: status, Detail: detail, Fix: fix})
}

// DoctorCommand runs the checklist; it fails (exit 1) when any check fails.
func DoctorCommand(ctx context.Context, in DoctorInput, app *App) error {
	if in.Timeout <= 0 {
		in.Timeout = 5 * time.Second
	}
	d := &doctor{app: app, in: in}
	home, set, setErr := app.Settings()
	if home == "" {
		h, err := config.Home()
		if err != nil {
			return err
		}
		home = h
	}
	d.checkHome(home)
	if setErr != nil {
		d.add("settings", CheckFail, setErr.Error(), "fix "+config.Path(home)+" (it must be a JSON object; see the README's settings section)")
		set = &config.Settings{}
	} else {
		d.add("settings", CheckOK, config.Path(home), "")
	}
	hostEff := d.checkHostView(home, set)
	hostPath := d.checkManifests()
	d.checkBrowserPolicy(set)
	d.checkHostBinary(ctx, hostPath, home)
	d.checkStore(ctx, home, set)
	d.checkAdminPolicy()
	d.checkTray(ctx, hostPath, home)
	d.checkSTS(ctx, hostEff)
	d.checkChains(set)
	d.checkEndpoints(hostEff.Settings)
	d.checkDebug()
	d.checkAliyunConfig()
	d.checkServe(ctx, home)
	d.checkLoginURLs(set)
	return d.report()
}

func (d *doctor) checkHome(home string) {
	if _, err := os.Stat(home); errors.Is(err, fs.ErrNotExist) {
		d.add("home", CheckWarn, home+" does not exist yet", "it is created on first use; or run `ramsso install`")
		return
	}
	if err := config.CheckHome(home); err != nil {
		d.add("home", CheckFail, err.Error(), "run `chmod 700 "+home+"`")
		return
	}
	d.add("home", CheckOK, home+" (owner-only)", "")
}

// checkManifests checks each browser's manifest and returns the host path
// the first good one names.
func (d *doctor) checkManifests() string {
	targets, err := installTargets(d.app, d.in.Browser, d.in.UserDataDir)
	if err != nil {
		d.add("browsers", CheckFail, err.Error(), "see `ramsso install --help`")
		return ""
	}
	if len(targets) == 0 {
		d.add("browsers", CheckWarn, "no supported browser found", "install one, or run `ramsso install --browser NAME` / `--user-data-dir DIR` for other setups")
		return ""
	}
	hostPath := ""
	for _, t := range targets {
		name := "manifest " + t.Spec.ID
		for _, n := range t.Sandbox {
			d.add(name, CheckWarn, n, "see the note; a non-sandboxed browser package avoids this")
		}
		d.addNotes(name, t.Notes)
		if t.Found == "" && len(t.Sandbox) > 0 && d.in.Browser == "" {
			continue
		}
		if p, fix := browsers.Problem(t, ""); p != "" {
			d.add(name, CheckFail, p, fix)
			continue
		}
		m, _ := browsers.ReadManifest(t.ManifestPath)
		if hostPath == "" && m != nil {
			hostPath = m.Path
		}
		d.add(name, CheckOK, t.ManifestPath+" → "+m.Path, "")
	}
	return hostPath
}

func (d *doctor) checkHostBinary(ctx context.Context, hostPath, home string) {
	if d.in.Host != "" {
		hostPath = d.in.Host
	}
	if hostPath == "" {
		p, err := defaultHostPath()
		if err != nil {
			d.add("host binary", CheckFail, err.Error(), "pass --host PATH")
			return
		}
		hostPath = p
	}
	if _, err := os.Stat(hostPath); err != nil {
		d.add("host binary", CheckFail, "ramsso-host not found at "+hostPath, "run `make build` and `ramsso install`")
		return
	}
	if err := config.CheckExecutable(hostPath); err != nil {
		d.add("host binary", CheckFail, err.Error(), "reinstall ramsso where only you (or root) can write, then `ramsso install`")
		return
	}
	start := time.Now()
	pong, err := pingHost(ctx, hostPath, home, d.in.Timeout)
	if err != nil {
		d.add("host binary", CheckFail, hostPath+": "+err.Error(), "rebuild with `make build`, then `ramsso install`; see host.log under "+home)
		return
	}
	d.add("host binary", CheckOK, fmt.Sprintf("%s answers ping: version %s, protocol %v (%s)", hostPath, pong["version"], pong["protocol"], time.Since(start).Round(time.Millisecond)), "")
}

// pingHost starts the host as Chrome would (origin as the argument) and
// expects a pong with protocol 1.
func pingHost(ctx context.Context, path, home string, timeout time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, browsers.Origin(browsers.ChromeExtensionID))
	if _, err := os.Stat(home); err != nil {
		// doctor only looks: a home that does not exist yet must not be
		// created by the host's log, so the ping runs in a throw-away one.
		tmp, terr := os.MkdirTemp("", "ramsso-doctor-")
		if terr != nil {
			return nil, terr
		}
		defer os.RemoveAll(tmp)
		home = tmp
	}
	cmd.Env = append(os.Environ(), config.EnvHome+"="+home)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start it: %w", err)
	}
	defer func() { _ = cmd.Wait() }()
	defer stdin.Close()
	if err := nativemsg.WriteJSON(stdin, map[string]string{"type": "ping"}); err != nil {
		return nil, fmt.Errorf("sending ping: %w", err)
	}
	type res struct {
		b   []byte
		err error
	}
	ch := make(chan res, 1)
	go func() { b, err := nativemsg.ReadFrame(stdout); ch <- res{b, err} }()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("no reply to ping within %s", timeout)
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("reading its reply: %w", r.err)
		}
		var m map[string]any
		if err := json.Unmarshal(r.b, &m); err != nil {
			return nil, fmt.Errorf("its reply is not JSON: %w", err)
		}
		if m["type"] == "error" {
			return nil, fmt.Errorf("it answered an error: %v", m["error"])
		}
		if m["type"] != "pong" || m["protocol"] != float64(1) {
			return nil, fmt.Errorf("unexpected reply %v (want pong with protocol 1)", m)
		}
		return m, nil
	}
}

func (d *doctor) checkStore(ctx context.Context, home string, set *config.Settings) {
	if d.in.ClearFallback {
		if err := store.ClearFallback(home); err != nil {
			d.add("store", CheckFail, err.Error(), "remove "+filepath.Join(home, store.FallbackFile)+" by hand")
			return
		}
		fmt.Fprintln(d.app.Stderr, "ramsso: cleared the keyring fallback record; the next command probes the OS keyring again")
	}
	kind := config.Resolve(d.app.getenv, set).Store
	if kind == store.KindFile {
		d.add("store", CheckOK, "file store (owner-only) under "+home, "")
		return
	}
	reason, recorded, err := store.Fallback(home)
	if err != nil {
		d.add("store", CheckFail, err.Error(), "check "+home)
		return
	}
	if recorded {
		now := "no Secret Service is reachable now"
		if err := store.SecretServiceReachable(ctx); err == nil {
			now = "a Secret Service is reachable now: the next ramsso command you run (not process/serve) retries the keyring, at most every " + store.HealInterval.String() + ", and moves the sessions back when it answers"
		}
		d.add("store", CheckFail, "the file store is in use because no OS keyring answered earlier ("+reason+"); sessions are kept in the owner-only file store under "+home+"; "+now,
			"start or unlock your keyring (GNOME Keyring/KWallet, macOS Keychain), then run any ramsso command (e.g. `ramsso list`) or `ramsso doctor --clear-fallback` to retry at once; or set \"store\": \"file\" in settings.json to keep the file store on purpose")
		return
	}
	// doctor only looks: a read-only probe, no fallback recorded, no file
	// written, however the keyring answers.
	ctx, cancel := context.WithTimeout(ctx, 3*d.in.Timeout)
	defer cancel()
	if err := store.Probe(ctx); err != nil {
		d.add("store", CheckFail, "the OS keyring does not answer ("+oneLine(err.Error())+"); ramsso would fall back to the owner-only file store under "+home,
			"start or unlock your keyring (GNOME Keyring/KWallet, macOS Keychain); or set \"store\": \"file\" in settings.json to use the file store on purpose")
		return
	}
	d.add("store", CheckOK, "OS keyring answers", "")
}

func (d *doctor) checkTray(ctx context.Context, hostPath, home string) {
	dir := ""
	if hostPath != "" {
		dir = filepath.Dir(hostPath)
	} else if p, err := defaultHostPath(); err == nil {
		dir = filepath.Dir(p)
	}
	p := filepath.Join(dir, proc.ExeName(runtime.GOOS, proc.Tray))
	if _, err := os.Stat(p); err != nil {
		d.add("tray", CheckWarn, "ramsso-tray is not installed beside ramsso-host ("+p+"): roles are chosen in the extension's popup instead",
			"build it with `make build` (needs cgo and Fyne's dependencies)")
		return
	}
	d.checkTrayParts(ctx, dir, home)
	if err := config.CheckExecutable(p); err != nil {
		d.add("tray", CheckFail, err.Error()+" (the host starts it)", "reinstall ramsso where only you (or root) can write")
	}
	if TrayRunning != nil {
		ok, err := TrayRunning(ctx, home)
		switch {
		case err != nil:
			d.add("tray", CheckWarn, p+": "+err.Error(), "start it with `ramsso tray`")
			return
		case !ok:
			d.add("tray", CheckWarn, p+" is installed but not running (the host starts it when a role must be chosen)", "start it with `ramsso tray`")
			return
		}
		d.add("tray", CheckOK, p+" is running", "")
		return
	}
	d.add("tray", CheckOK, p+" is installed", "")
}

func (d *doctor) checkSTS(ctx context.Context, eff config.Effective) {
	scheme, host, err := sts.ResolveEndpoint(pipeline.STSConfig(eff))
	if err != nil {
		d.add("sts endpoint", CheckFail, err.Error(), "fix \"sts\" in settings.json")
		return
	}
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		port := "443"
		if scheme == "http" {
			port = "80"
		}
		addr = net.JoinHostPort(host, port)
	}
	via := ""
	if p := eff.Proxy; p != "" {
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			addr, via = u.Host, " via proxy "+u.Host
			if u.Port() == "" {
				addr = net.JoinHostPort(u.Hostname(), "80")
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, d.in.Timeout)
	defer cancel()
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		d.add("sts endpoint", CheckFail, fmt.Sprintf("cannot connect to %s://%s%s: %v", scheme, host, via, err),
			"check the network and firewall; set \"sts\": {\"endpoint\": ...} or \"proxy\" in settings.json (the host reads only that file)")
		return
	}
	c.Close()
	d.add("sts endpoint", CheckOK, fmt.Sprintf("%s://%s reachable%s (TCP)", scheme, host, via), "")
}

func (d *doctor) checkDebug() {
	for _, p := range strings.Split(d.app.getenv("DEBUG"), ",") {
		if strings.TrimSpace(p) == "sdk" {
			d.add("DEBUG", CheckFail, "DEBUG=sdk makes the Alibaba Cloud SDK print requests and responses, credentials included",
				"unset DEBUG (or drop \"sdk\" from it)")
			return
		}
	}
	d.add("DEBUG", CheckOK, "DEBUG does not enable SDK tracing", "")
}

func (d *doctor) report() error {
	failed := 0
	for _, c := range d.checks {
		if c.Status == CheckFail {
			failed++
		}
	}
	out := d.app.Stdout
	if d.in.JSON {
		b, err := json.MarshalIndent(struct {
			OK     bool    `json:"ok"`
			Checks []Check `json:"checks"`
		}{failed == 0, d.checks}, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(out, string(b))
	} else {
		for _, c := range d.checks {
			mark := map[string]string{CheckOK: "✓", CheckWarn: "!", CheckFail: "✗"}[c.Status]
			fmt.Fprintf(out, "%s %s: %s\n", mark, c.Name, c.Detail)
			if c.Fix != "" && c.Status != CheckOK {
				fmt.Fprintf(out, "    fix: %s\n", c.Fix)
			}
		}
		if failed == 0 {
			fmt.Fprintln(out, "no problems found")
		} else {
			fmt.Fprintf(out, "%d problem(s) found\n", failed)
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}
