//go:build windows

package proc

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detachAttr starts the child without a console, in its own process group
// and outside the caller's job object (browsers put the host in one).
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS | windows.CREATE_BREAKAWAY_FROM_JOB,
		HideWindow:    true,
	}
}
