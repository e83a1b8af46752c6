package localapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/proc"
)

// TrayBinary is the tray executable's base name.
const TrayBinary = proc.Tray

// ErrTrayMissing is returned (wrapped) by FindTray when no ramsso-tray
// binary is installed.
var ErrTrayMissing = errors.New("ramsso-tray is not installed")

// TrayUIBinary is the base name of the tray's window process (the only
// binary that links Fyne), installed beside ramsso-tray.
const TrayUIBinary = proc.TrayUI

// ErrTrayUIMissing is returned (wrapped) by FindTrayUI when no
// ramsso-tray-ui binary is installed.
var ErrTrayUIMissing = errors.New("ramsso-tray-ui is not installed")

// FindTray returns the ramsso-tray next to the running executable, else
// the one on PATH.
func FindTray() (string, error) {
	return findBinary(proc.Tray, ErrTrayMissing)
}

// FindTrayUI returns the tray's window process next to the running
// executable, else the one on PATH.
func FindTrayUI() (string, error) {
	return findBinary(proc.TrayUI, ErrTrayUIMissing)
}

// TrayUICommand is the command that starts the window process exe for
// home: the resident tray gives it its stdin and stdout as the window
// protocol's pipes. An activation token the resident was started with
// (XDG_ACTIVATION_TOKEN on Wayland, DESKTOP_STARTUP_ID on X11) is passed
// on once, so the first window may take the focus.
func TrayUICommand(exe, home string) *exec.Cmd {
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), config.EnvHome+"="+home)
	for _, k := range []string{"XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID"} {
		if v := os.Getenv(k); v != "" {
			os.Unsetenv(k) // a token is good for one activation
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	return cmd
}

// findBinary is proc.Find(name) (beside the running executable, else on
// PATH), its error wrapping missing.
func findBinary(name string, missing error) (string, error) {
	p, err := proc.Find(name)
	if err != nil {
		return "", fmt.Errorf("%w: %w (build it with `make build-tray`)", missing, err)
	}
	return p, nil
}

// StartTray starts the tray binary at exe for home, detached from the
// caller (proc.Detached: its own session or process group, no inherited
// stdio, so it outlives a browser-started host), and waits until its local API answers
// or ctx ends. It returns the tray's pid.
func StartTray(ctx context.Context, home, exe string) (int, error) {
	cmd := proc.Detached(exe, append(os.Environ(), config.EnvHome+"="+home))
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	c := Dial(home)
	defer c.Close()
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := c.Ping(pctx)
		cancel()
		if err == nil {
			return st.PID, nil
		}
		select {
		case err := <-exited:
			if Running(home) { // a racing start won the lock and answers
				return 0, nil
			}
			return 0, fmt.Errorf("%s exited before serving (%v): see %s", exe, err, filepath.Join(home, "tray.log"))
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for %s to answer: %w", exe, ctx.Err())
		case <-tick.C:
		}
	}
}
