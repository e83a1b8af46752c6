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

	"github.com/ramsso/ramsso/internal/aliyuncfg"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/credserver"
)

// serveOwnerFile is one file `ramsso install --serve` writes.
type serveOwnerFile struct{ path, content string }

// serveOwnerFiles are the files that make a long-lived owner hold serve's
// port from login on, for goos: a systemd user socket and service (Linux
// and other systemd systems) or a LaunchAgent (macOS). Pure: tested on
// Linux for every OS.
func serveOwnerFiles(goos, home, configHome, exe string, port int) ([]serveOwnerFile, []string, error) {
	switch goos {
	case "darwin":
		p := filepath.Join(home, "Library", "LaunchAgents", "com.ramsso.serve.plist")
		return []serveOwnerFile{{p, credserver.LaunchdPlist(exe, port)}},
			[]string{"launchctl bootstrap gui/$(id -u) " + p}, nil
	case "windows":
		return nil, nil, errors.New("no login-time owner for ramsso serve on Windows yet: use ramsso exec --server PROFILE -- CMD, or start ramsso serve from a logon task")
	}
	if configHome == "" {
		configHome = filepath.Join(home, ".config")
	}
	dir := filepath.Join(configHome, "systemd", "user")
	return []serveOwnerFile{
			{filepath.Join(dir, "ramsso-serve.socket"), credserver.SystemdSocketUnit(port)},
			{filepath.Join(dir, "ramsso-serve.service"), credserver.SystemdServiceUnit(exe)},
		}, []string{"systemctl --user daemon-reload", "systemctl --user enable --now ramsso-serve.socket"},
		nil
}

// installServe writes (or with --uninstall removes) the serve owner's
// files. A file of that name ramsso did not write is left alone.
func installServe(ctx context.Context, in InstallInput, app *App) error {
	home, _, err := app.Settings()
	if err != nil {
		return err
	}
	state, err := credserver.LoadState(ctx, home, 0)
	if err != nil {
		return err
	}
	exe, err := aliyuncfg.RamssoPath()
	if err != nil {
		return err
	}
	userHome := app.getenv("HOME")
	if userHome == "" {
		userHome, _ = os.UserHomeDir()
	}
	files, next, err := serveOwnerFiles(runtime.GOOS, userHome, app.getenv("XDG_CONFIG_HOME"), exe, state.Port)
	if err != nil {
		return err
	}
	for _, f := range files {
		old, err := os.ReadFile(f.path)
		if err == nil && !strings.Contains(string(old), "ramsso") {
			return fmt.Errorf("%s exists and was not written by ramsso: left alone; move it aside and run ramsso install --serve again", f.path)
		}
		if in.Uninstall {
			if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing %s: %w", f.path, err)
			}
			fmt.Fprintf(app.Stdout, "✓ removed %s\n", f.path)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(f.path), err)
		}
		if err := config.WriteFileAtomic(f.path, []byte(f.content), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(app.Stdout, "✓ wrote %s\n", f.path)
	}
	if in.Uninstall {
		fmt.Fprintln(app.Stdout, "then stop it: systemctl --user disable --now ramsso-serve.socket (macOS: launchctl bootout gui/$(id -u)/com.ramsso.serve)")
		return nil
	}
	fmt.Fprintf(app.Stdout, "ramsso serve will own 127.0.0.1:%d from login on; start it now with:\n", state.Port)
	for _, c := range next {
		fmt.Fprintln(app.Stdout, "  "+c)
	}
	return nil
}
