//go:build !windows

package host

import (
	"os"
	"syscall"
)

// DefaultHasDisplay reports whether a graphical session is reachable: on
// Linux and the BSDs a DISPLAY or WAYLAND_DISPLAY (the browser passes its
// own environment to the host); macOS always has one.
func DefaultHasDisplay() bool {
	if goos == "darwin" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// detachAttr puts the child in its own session, so it outlives the
// browser's process group.
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
