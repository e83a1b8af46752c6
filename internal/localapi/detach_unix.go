//go:build unix

package localapi

import "syscall"

// detached puts the child in its own session, out of the caller's process
// group (a browser kills the host's group when the port closes).
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
