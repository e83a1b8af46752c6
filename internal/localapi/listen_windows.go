//go:build windows

package localapi

import (
	"context"
	"fmt"
	"io/fs"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// SocketPath is the named pipe the tray serves for home.
func SocketPath(home string) string { return `\\.\pipe\ramsso-` + homeKey(home) }

// Address describes where the API listens for home.
func Address(home string) string { return SocketPath(home) }

// Listen creates the named pipe for home with an ACL that admits only the
// current user.
func Listen(home string) (net.Listener, error) {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("finding the current user for the pipe's ACL: %w", err)
	}
	sddl := "D:P(A;;GA;;;" + u.User.Sid.String() + ")"
	ln, err := winio.ListenPipe(SocketPath(home), &winio.PipeConfig{SecurityDescriptor: sddl})
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", SocketPath(home), err)
	}
	return ln, nil
}

func dial(ctx context.Context, home string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, SocketPath(home))
}

func ownerUID(fs.FileInfo) (int, bool) { return 0, false }
