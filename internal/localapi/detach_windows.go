//go:build windows

package localapi

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detached starts the child without a console, in its own process group
// and outside the caller's job object (browsers put the host in one).
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS | windows.CREATE_BREAKAWAY_FROM_JOB,
		HideWindow:    true,
	}
}
