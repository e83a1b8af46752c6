//go:build windows

package host

import "syscall"

// Process creation flags (winbase.h).
const (
	createBreakawayFromJob = 0x01000000
	detachedProcess        = 0x00000008
	createNewProcessGroup  = 0x00000200
)

// DefaultHasDisplay is always true on Windows.
func DefaultHasDisplay() bool { return true }

// detachAttr breaks the child out of the browser's job object, which
// would otherwise kill it with the host, and detaches it from the console.
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: createBreakawayFromJob | detachedProcess | createNewProcessGroup}
}
