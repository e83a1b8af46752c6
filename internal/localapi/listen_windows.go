//go:build windows

package localapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"

	"github.com/ramsso/ramsso/internal/config"
)

// SocketPath is the named pipe the tray serves for home: its name holds a
// random part the tray writes into home (owner-only), so another user
// cannot create the pipe first under a name they can guess.
func SocketPath(home string) string {
	b, err := os.ReadFile(filepath.Join(home, SocketPathFile))
	if err != nil {
		return pipeName(homeKey(home), "")
	}
	return strings.TrimSpace(string(b))
}

// Address describes where the API listens for home.
func Address(home string) string { return SocketPath(home) }

// Listen creates the named pipe for home with an ACL that admits only the
// current user, under a fresh unguessable name recorded in home.
func Listen(home string) (net.Listener, error) {
	if err := config.EnsureHome(home); err != nil {
		return nil, err
	}
	sid, err := currentSID()
	if err != nil {
		return nil, err
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, fmt.Errorf("naming the pipe: %w", err)
	}
	name := pipeName(homeKey(home), hex.EncodeToString(r[:]))
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{SecurityDescriptor: pipeSDDL(sid.String())})
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", name, err)
	}
	if err := config.WriteFileAtomic(filepath.Join(home, SocketPathFile), []byte(name+"\n"), 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("recording the pipe name: %w", err)
	}
	return ln, nil
}

// dial connects to the tray's pipe and checks that its owner is the
// current user: the client sends the whole SAMLResponse to it.
func dial(ctx context.Context, home string) (net.Conn, error) {
	name := SocketPath(home)
	if !validPipeName(name, homeKey(home)) {
		return nil, fmt.Errorf("no pipe recorded in %s", filepath.Join(home, SocketPathFile))
	}
	c, err := winio.DialPipeContext(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkPipeOwner(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func currentSID() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("finding the current user: %w", err)
	}
	return u.User.Sid, nil
}

// checkPipeOwner reads the pipe object's owner SID through the client's
// handle (GetSecurityInfo, SE_KERNEL_OBJECT) and refuses another user's.
func checkPipeOwner(c net.Conn) error {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("checking the pipe's owner: no handle")
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("checking the pipe's owner: %w", err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("checking the pipe's owner: %w", err)
	}
	me, err := currentSID()
	if err != nil {
		return err
	}
	if !pipeOwnerOK(owner.String(), me.String()) {
		return fmt.Errorf("refusing the pipe: it is owned by %s, not by the current user %s", owner.String(), me.String())
	}
	return nil
}

func ownerUID(fs.FileInfo) (int, bool) { return 0, false }
