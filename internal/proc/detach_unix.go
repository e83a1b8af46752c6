//go:build unix

package proc

import "syscall"

// detachAttr puts the child in its own session, out of the caller's
// process group.
func detachAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
