package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/proc"
)

// InstallInput is what `ramsso install` takes.
type InstallInput struct {
	Uninstall   bool
	Browser     string
	UserDataDir string
	Host        string // path to ramsso-host; "" = beside the running ramsso
	// Serve installs (or removes) the login-time owner of ramsso serve's
	// port instead of the browser manifests.
	Serve bool
	// System writes the machine-wide manifests managed browsers read
	// (needs root / Administrator); Root prefixes their paths.
	System bool
	Root   string
	// ExtensionIDs are extra extension ids to allow (an IT-signed CRX, a
	// store listing), added to allowed_origins / allowed_extensions.
	ExtensionIDs []string
}

func configureInstallCommand(app *App) *cobra.Command {
	var in InstallInput
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Register ramsso-host with your browsers (native messaging manifests)",
		Long: `Writes the native messaging host manifest (com.ramsso.host) for every browser
found, per user, so the ramsso extension can reach ramsso-host; --uninstall
removes the manifests ramsso wrote (and nothing else).

Browsers: ` + strings.Join(browsers.IDs(), ", ") + `. With --user-data-dir (a Chrome-family
browser started with --user-data-dir=DIR) the manifest goes to DIR/NativeMessagingHosts/.

Firefox (the .deb, the Snap and the Flatpak alike) gets its manifest in
~/.mozilla/native-messaging-hosts/, even when its profiles live in
~/.config/mozilla: the Snap reaches ramsso-host through the WebExtensions
portal (it asks once whether Firefox may start it), the Flatpak (Firefox 157
and later) through xdg-native-messaging-proxy.


With --system (as root / Administrator) it writes the machine-wide manifests
managed browsers read, for every browser with a documented location (Linux
/etc/opt/chrome, /etc/chromium, /etc/opt/edge, /usr/lib/mozilla/...; macOS
/Library/...; Windows HKLM): the packages run this. --extension-id adds an id
(e.g. your company's re-signed CRX) beside ramsso's own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return InstallCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&in.Uninstall, "uninstall", false, "remove ramsso's manifests instead")
	f.StringVar(&in.Browser, "browser", "", "only this browser ("+strings.Join(browsers.IDs(), ", ")+")")
	f.StringVar(&in.UserDataDir, "user-data-dir", "", "a Chrome-family user data dir (the browser's --user-data-dir)")
	f.StringVar(&in.Host, "host", "", "path to the ramsso-host binary (default: beside ramsso)")
	f.BoolVar(&in.Serve, "serve", false, "instead, write a systemd user socket (Linux) or LaunchAgent (macOS) that owns ramsso serve's port from login on")
	f.BoolVar(&in.System, "system", false, "machine-wide manifests for managed browsers (needs root / Administrator)")
	f.StringVar(&in.Root, "root", "", "with --system: write under this directory instead of / (packaging)")
	f.StringSliceVar(&in.ExtensionIDs, "extension-id", nil, "also allow this extension id (repeatable)")
	return cmd
}

// browserEnv is the browsers.Env of this App.
func (a *App) browserEnv() browsers.Env {
	home := a.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return browsers.Env{GOOS: runtime.GOOS, Home: home, Path: a.getenv("PATH"), LocalAppData: a.getenv("LOCALAPPDATA")}
}

// installTargets resolves --browser and --user-data-dir into targets; with
// neither, every detected browser.
func installTargets(app *App, browser, userDataDir string) ([]browsers.Target, error) {
	env := app.browserEnv()
	spec, err := lookupBrowser(browser)
	if err != nil {
		return nil, err
	}
	if userDataDir != "" {
		if spec.ID == "" {
			spec, _ = browsers.Lookup("chromium")
		}
		t, err := browsers.UserDataDirTarget(spec, userDataDir)
		if err != nil {
			return nil, err
		}
		return []browsers.Target{t}, nil
	}
	if spec.ID != "" {
		t, err := browsers.TargetFor(spec, env)
		if err != nil {
			return nil, err
		}
		for _, d := range browsers.Detect(env) {
			if d.Spec.ID == spec.ID {
				t.Found, t.Sandbox, t.Notes = d.Found, d.Sandbox, d.Notes
			}
		}
		return []browsers.Target{t}, nil
	}
	return browsers.Detect(env), nil
}

func lookupBrowser(browser string) (browsers.Spec, error) {
	if browser == "" {
		return browsers.Spec{}, nil
	}
	s, ok := browsers.Lookup(browser)
	if !ok {
		return browsers.Spec{}, fmt.Errorf("unknown browser %q: use one of %s", browser, strings.Join(browsers.IDs(), ", "))
	}
	return s, nil
}

// systemTargets are --system's targets: every browser's machine-wide
// location, or --browser's.
func systemTargets(app *App, in InstallInput) ([]browsers.Target, error) {
	if in.UserDataDir != "" {
		return nil, errors.New("--system and --user-data-dir do not mix: a user data dir is per user")
	}
	if in.Root == "" && runtime.GOOS != "windows" && os.Geteuid() != 0 {
		return nil, errors.New("--system writes machine-wide manifests: run it as root (sudo ramsso install --system), or per user without --system")
	}
	env := browsers.SystemEnv{GOOS: runtime.GOOS, ProgramData: app.getenv("ProgramData"), Root: in.Root}
	spec, err := lookupBrowser(in.Browser)
	if err != nil {
		return nil, err
	}
	if spec.ID != "" {
		t, err := browsers.SystemTarget(spec, env)
		if err != nil {
			return nil, err
		}
		return []browsers.Target{t}, nil
	}
	return browsers.SystemTargets(env), nil
}

// defaultHostPath is ramsso-host beside the running ramsso.
func defaultHostPath() (string, error) {
	self, err := proc.Self()
	if err != nil {
		return "", fmt.Errorf("finding ramsso's own path (use --host): %w", err)
	}
	return proc.SiblingName(self, runtime.GOOS, proc.Host), nil
}

func resolveHostPath(flag string) (string, error) {
	p := flag
	if p == "" {
		var err error
		if p, err = defaultHostPath(); err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("host path %s: %w", p, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("ramsso-host not found at %s: build it with `make build` (it goes beside ramsso in bin/) or pass --host PATH", abs)
	}
	if fi.IsDir() || (runtime.GOOS != "windows" && fi.Mode()&0o111 == 0) {
		return "", fmt.Errorf("%s is not an executable file: run `chmod 755 %s` or pass --host PATH", abs, abs)
	}
	return abs, nil
}

// installHostPath is the host path the manifests name. Under --root (a
// package tree) --host is the installed path and is checked inside Root.
func installHostPath(in InstallInput) (string, error) {
	if in.Root == "" {
		return resolveHostPath(in.Host)
	}
	if !filepath.IsAbs(in.Host) {
		return "", errors.New("--root needs --host with the host's absolute installed path (e.g. /usr/bin/ramsso-host)")
	}
	if _, err := resolveHostPath(filepath.Join(in.Root, in.Host)); err != nil {
		return "", err
	}
	return filepath.Clean(in.Host), nil
}

// InstallCommand writes or removes the host manifests.
func InstallCommand(ctx context.Context, in InstallInput, app *App) error {
	if in.Serve {
		return installServe(ctx, in, app)
	}
	for _, id := range in.ExtensionIDs {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, " /\\\"") {
			return fmt.Errorf("--extension-id %q is not an extension id: a Chrome id is 32 letters a-p, a Firefox id looks like name@domain", id)
		}
	}
	if in.Root != "" && !in.System {
		return errors.New("--root only applies with --system")
	}
	var targets []browsers.Target
	var err error
	if in.System {
		targets, err = systemTargets(app, in)
	} else {
		targets, err = installTargets(app, in.Browser, in.UserDataDir)
	}
	if err != nil {
		return err
	}
	out := app.Stdout
	if in.Uninstall {
		removed := 0
		for _, t := range targets {
			err := browsers.Remove(t)
			switch {
			case err == nil:
				removed++
				fmt.Fprintf(out, "✓ %s: removed %s\n", t.Spec.Name, t.ManifestPath)
			case errors.Is(err, fs.ErrNotExist):
				fmt.Fprintf(out, "- %s: nothing to remove\n", t.Spec.Name)
			case errors.Is(err, browsers.ErrNotOurs):
				fmt.Fprintf(out, "! %s: left %s alone: %v\n", t.Spec.Name, t.ManifestPath, err)
			default:
				return fmt.Errorf("%s: %w", t.Spec.Name, err)
			}
		}
		fmt.Fprintf(out, "removed %d manifest(s)\n", removed)
		return nil
	}
	if len(targets) == 0 {
		return errors.New("no supported browser found: name one with --browser (" + strings.Join(browsers.IDs(), ", ") + ") or give --user-data-dir")
	}
	hostPath, err := installHostPath(in)
	if err != nil {
		return err
	}
	// The browser executes the host, and the host the tray: neither may
	// be replaceable by another user.
	checkPath := hostPath
	if in.Root != "" {
		checkPath = filepath.Join(in.Root, hostPath) // the package tree's copy
	}
	if err := config.CheckExecutable(checkPath); err != nil {
		return fmt.Errorf("not registering the host: %w", err)
	}
	if tray, err := localapi.FindTray(); err == nil {
		if err := config.CheckExecutable(tray); err != nil {
			fmt.Fprintf(app.Stderr, "ramsso: WARNING: %v; the host starts the tray, so fix this before you use it\n", err)
		}
	}
	if strings.ContainsAny(hostPath, " \t") && runtime.GOOS != "windows" {
		fmt.Fprintf(app.Stderr, "ramsso: note: %s contains spaces; browsers accept it, but keep it in mind if you copy it into shell scripts\n", hostPath)
	}
	extra := append([]string(nil), in.ExtensionIDs...)
	if !in.System {
		// A machine-wide manifest must not depend on whoever ran the
		// install's own settings: only --extension-id adds ids there.
		_, set, err := app.Settings()
		if err != nil {
			return err
		}
		extra = append(extra, set.AllowedExtensionIDs...)
	}
	installed := 0
	for _, t := range targets {
		for _, n := range t.Sandbox {
			fmt.Fprintf(out, "! %s\n", n)
		}
		printNotes(out, t.Notes)
		if t.Found == "" && len(t.Sandbox) > 0 && in.Browser == "" {
			continue // only the sandboxed install exists: the note says what to do
		}
		if err := browsers.Write(t, browsers.NewManifest(t.Spec.Family, hostPath, extra)); err != nil {
			return fmt.Errorf("%s: %w", t.Spec.Name, err)
		}
		installed++
		where := t.ManifestPath
		if t.RegistryKey != "" {
			where += " (" + t.Hive() + `\` + t.RegistryKey + ")"
		}
		fmt.Fprintf(out, "✓ %s: wrote %s\n", t.Spec.Name, where)
	}
	if installed == 0 {
		return errors.New("no manifest written: only sandboxed browsers were found (see above), or name one with --browser")
	}
	if in.System {
		fmt.Fprintf(out, "host: %s\nnext: force-install the extension by policy (docs/deploy.md), then run `ramsso doctor` as a user\n", hostPath)
		return nil
	}
	fmt.Fprintf(out, "host: %s\nnext: load the ramsso extension, then run `ramsso doctor`\n", hostPath)
	return nil
}
