//go:build darwin

package localapi

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerUID returns the uid of the process at the other end of c
// (LOCAL_PEERCRED, macOS's equivalent of SO_PEERCRED), and whether the
// platform can tell.
func peerUID(c net.Conn) (int, bool, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, false, nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Xucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	}); err != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", cerr)
	}
	return int(cred.Uid), true, nil
}
