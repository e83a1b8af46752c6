//go:build linux || darwin

package localapi

import (
	"fmt"
	"net"
)

// peerUID returns the uid of the process at the other end of c (the
// kernel's peer credentials: socketUID per platform), and whether the
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
	var uid int
	var cerr error
	if err := raw.Control(func(fd uintptr) { uid, cerr = socketUID(int(fd)) }); err != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", cerr)
	}
	return uid, true, nil
}
