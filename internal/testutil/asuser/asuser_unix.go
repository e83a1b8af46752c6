//go:build !windows

package asuser

import (
	"os/exec"
	"syscall"
)

func supported() bool { return true }

func setUser(cmd *exec.Cmd, uid uint32) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
}
