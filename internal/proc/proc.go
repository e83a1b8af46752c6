// Package proc holds the few process facts every ramsso binary needs:
// where its sibling executables are, whether a graphical session is
// reachable, and how to start a child that outlives the browser that
// started the host. Decisions are pure functions of their inputs; only
// the detach attributes differ per OS (detach_*.go).
package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Names of ramsso's executables (without the Windows ".exe").
const (
	CLI  = "ramsso"
	Host = "ramsso-host"
	Tray = "ramsso-tray"
	// TrayUI is the tray's on-demand window process (the only binary
	// that links Fyne).
	TrayUI = "ramsso-tray-ui"
)

// ErrNotFound is returned (wrapped) when an executable is neither beside
// the running one nor on PATH.
var ErrNotFound = errors.New("executable not found")

// ExeName is name with the OS's executable suffix.
func ExeName(goos, name string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}

// Self is the running executable's path with symlinks resolved.
func Self() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the running executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	return self, nil
}

// SiblingName is the path name would have beside self (it may not exist).
func SiblingName(self, goos, name string) string {
	return filepath.Join(filepath.Dir(self), ExeName(goos, name))
}

// Sibling returns the executable name beside the running one, or an
// error (wrapping ErrNotFound) when it is not there.
func Sibling(name string) (string, error) {
	self, err := Self()
	if err != nil {
		return "", err
	}
	p := SiblingName(self, runtime.GOOS, name)
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return "", fmt.Errorf("%w: %s is not installed beside %s", ErrNotFound, ExeName(runtime.GOOS, name), self)
	}
	return p, nil
}

// Find returns name beside the running executable, else on PATH; the
// error (wrapping ErrNotFound) says where it looked.
func Find(name string) (string, error) {
	if p, err := Sibling(name); err == nil {
		return p, nil
	}
	exe := ExeName(runtime.GOOS, name)
	if p, err := exec.LookPath(exe); err == nil {
		return p, nil
	}
	where := "on PATH"
	if self, err := Self(); err == nil {
		where = "next to " + self + " or on PATH"
	}
	return "", fmt.Errorf("%w: no %s %s", ErrNotFound, exe, where)
}

// HasDisplay reports whether a graphical session is reachable under
// getenv (nil: os.Getenv) on goos: macOS and Windows always have one;
// Linux and the BSDs need DISPLAY or WAYLAND_DISPLAY (a browser passes its
// own environment to the host).
func HasDisplay(goos string, getenv func(string) string) bool {
	switch goos {
	case "darwin", "windows":
		return true
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// NoDisplayError is the one line said when a window is needed and
// HasDisplay is false.
const NoDisplayError = "no display (DISPLAY and WAYLAND_DISPLAY are unset)"

// Detached is a command for path that, once started, runs in its own
// session (Setsid on Unix; outside the caller's job object and console on
// Windows) with no inherited stdio, so it outlives a browser-started host
// whose process group or job the browser kills when the port closes. env
// nil inherits this process's environment.
func Detached(path string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil // the null device
	cmd.SysProcAttr = detachAttr()
	return cmd
}

// StartDetached starts Detached(path, nil, args...) and reaps it in the
// background without ever waiting for it.
func StartDetached(path string, args ...string) error {
	cmd := Detached(path, nil, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", filepath.Base(path), err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
