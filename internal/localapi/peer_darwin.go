//go:build darwin

package localapi

import "golang.org/x/sys/unix"

// socketUID is the peer's uid of a connected unix socket (LOCAL_PEERCRED,
// macOS's equivalent of SO_PEERCRED).
func socketUID(fd int) (int, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
