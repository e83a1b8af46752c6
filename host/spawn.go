package host

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

var goos = runtime.GOOS

// TrayBinary is the tray's executable name.
const TrayBinary = "ramsso-tray"

// SiblingPath returns the path of the executable name next to the running
// one (ramsso-tray beside ramsso-host), or an error if it is not there.
func SiblingPath(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the running executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	p := filepath.Join(filepath.Dir(self), name)
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%s is not installed beside %s: %w", name, self, err)
	}
	if fi.IsDir() {
		return "", errors.New(p + " is a directory")
	}
	return p, nil
}

// StartDetached starts path with args in its own session (Setsid on
// Unix; CREATE_BREAKAWAY_FROM_JOB|DETACHED_PROCESS on Windows), with no
// inherited stdio, and does not wait for it: the browser kills the host's
// process group or job when the port closes, and the tray must survive.
func StartDetached(path string, args ...string) error {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil // /dev/null
	cmd.SysProcAttr = detachAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", filepath.Base(path), err)
	}
	// Reap it if it exits while the host still runs; never wait otherwise.
	go func() { _ = cmd.Wait() }()
	return nil
}

// StartSiblingTray starts ramsso-tray from beside the running executable,
// detached. It is the default Hooks.StartTray once a tray exists.
func StartSiblingTray() error {
	p, err := SiblingPath(TrayBinary)
	if err != nil {
		return err
	}
	return StartDetached(p)
}
