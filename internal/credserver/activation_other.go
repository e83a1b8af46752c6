//go:build !unix

package credserver

import "net"

// Activated reports no handed-over socket where there is no socket
// activation (Windows).
func Activated() (net.Listener, string, error) {
	return nil, "", nil
}
