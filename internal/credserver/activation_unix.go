//go:build unix

package credserver

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// Activated returns the listening socket a service manager handed this
// process (fd 3, see activationCount) and an id for it (device:inode, the
// same for as long as the manager holds that socket), or nil when none
// was. It unsets LISTEN_PID and LISTEN_FDS so children do not inherit them.
func Activated() (net.Listener, string, error) {
	n, err := activationCount(os.Getenv(EnvListenPID), os.Getenv(EnvListenFDs), os.Getpid())
	os.Unsetenv(EnvListenPID)
	os.Unsetenv(EnvListenFDs)
	os.Unsetenv("LISTEN_FDNAMES")
	if err != nil || n == 0 {
		return nil, "", err
	}
	if n > 1 {
		return nil, "", fmt.Errorf("socket activation handed %d sockets; ramsso serve takes one (one ListenStream= in the .socket unit)", n)
	}
	f := os.NewFile(uintptr(listenFDStart), "ramsso-serve.socket")
	syscall.CloseOnExec(listenFDStart)
	var st syscall.Stat_t
	if err := syscall.Fstat(listenFDStart, &st); err != nil {
		return nil, "", fmt.Errorf("socket activation: %w", err)
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, "", fmt.Errorf("socket activation: fd 3 is not a listening socket: %w", err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, "", fmt.Errorf("socket activation: ramsso serve listens on 127.0.0.1 only, not %s: fix ListenStream= in the .socket unit", ln.Addr())
	}
	return ln, strconv.FormatUint(uint64(st.Dev), 10) + ":" + strconv.FormatUint(uint64(st.Ino), 10), nil
}
