//go:build windows

package demo

import (
	"os/exec"
	"syscall"
)

// newProcessGroup is a no-op on Windows (Chromium ends its own children).
func newProcessGroup() *syscall.SysProcAttr { return nil }

// killGroup ends Chromium.
func killGroup(cmd *exec.Cmd, hard bool) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
