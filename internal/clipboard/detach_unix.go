//go:build unix

package clipboard

import (
	"os/exec"
	"syscall"
)

// detach puts the owner in its own session, so it outlives the caller and
// its terminal (no SIGHUP, no job-control signals).
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
