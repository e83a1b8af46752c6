package resident

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel stop the window process when the resident
// dies (besides its stdin closing, which it also exits on).
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
