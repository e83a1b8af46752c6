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
and later) through xdg-native-messaging-proxy.`,
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
	var spec browsers.Spec
	if browser != "" {
		s, ok := browsers.Lookup(browser)
		if !ok {
			return nil, fmt.Errorf("unknown browser %q: use one of %s", browser, strings.Join(browsers.IDs(), ", "))
		}
		spec = s
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

// InstallCommand writes or removes the host manifests.
func InstallCommand(ctx context.Context, in InstallInput, app *App) error {
	if in.Serve {
		return installServe(ctx, in, app)
	}
	targets, err := installTargets(app, in.Browser, in.UserDataDir)
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
	hostPath, err := resolveHostPath(in.Host)
	if err != nil {
		return err
	}
	// The browser executes the host, and the host the tray: neither may
	// be replaceable by another user.
	if err := config.CheckExecutable(hostPath); err != nil {
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
	var extra []string
	if _, set, err := app.Settings(); err == nil {
		extra = set.AllowedExtensionIDs
	} else {
		return err
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
			where += ` (HKCU\` + t.RegistryKey + `)`
		}
		fmt.Fprintf(out, "✓ %s: wrote %s\n", t.Spec.Name, where)
	}
	if installed == 0 {
		return errors.New("no manifest written: only sandboxed browsers were found (see above), or name one with --browser")
	}
	fmt.Fprintf(out, "host: %s\nnext: load the ramsso extension, then run `ramsso doctor`\n", hostPath)
	return nil
}
