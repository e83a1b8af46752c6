//go:build linux

package localapi

import "golang.org/x/sys/unix"

// socketUID is the peer's uid of a connected unix socket (SO_PEERCRED).
func socketUID(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
