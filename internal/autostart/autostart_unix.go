//go:build !windows

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// entryPath is the file that starts the tray at login on this system.
func entryPath() (string, error) {
	if runtime.GOOS == "darwin" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the home directory: %w", err)
		}
		return LaunchAgentPath(h), nil
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the home directory: %w", err)
		}
		dir = filepath.Join(h, ".config")
	}
	return XDGPath(dir), nil
}

// Set adds (on) or removes (off) the login entry for e.
func Set(on bool, e Entry) error {
	p, err := entryPath()
	if err != nil {
		return err
	}
	if !on {
		return writeFile(p, "")
	}
	if runtime.GOOS == "darwin" {
		return writeFile(p, LaunchAgentPlist(e))
	}
	return writeFile(p, DesktopFile(e))
}

func registryEnabled() (bool, error) { return false, nil }
