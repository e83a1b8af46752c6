//go:build unix

package localapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ramsso/ramsso/internal/config"
)

// SocketPath is where the tray's socket lives for home: home/tray.sock, or,
// when that path is too long for a unix socket, a short path under
// $XDG_RUNTIME_DIR/ramsso/ (a per-user directory nobody else can create)
// or else /tmp/ramsso-<uid>/, derived from home (recorded in
// home/tray.sock.path for people and tools that look).
func SocketPath(home string) string {
	p := filepath.Join(home, SocketName)
	if len(p) <= maxSocketPath {
		return p
	}
	return filepath.Join(shortDir(), homeKey(home)+".sock")
}

// shortDir is the owner-only directory for sockets whose home path is too long.
func shortDir() string {
	return shortDirFor(os.Getenv("XDG_RUNTIME_DIR"), os.TempDir(), os.Getuid(), runtimeDirOK)
}

// shortDirFor picks the short socket directory: xdg/ramsso when
// $XDG_RUNTIME_DIR is set, absolute and (by ok) the user's own 0700
// directory, short enough for a socket path; else tmp/ramsso-<uid>, which
// another user could create first in a shared /tmp (ensurePrivateDir and
// checkDialPath refuse that one).
func shortDirFor(xdg, tmp string, uid int, ok func(string) bool) string {
	if xdg != "" && filepath.IsAbs(xdg) && len(xdg)+len("/ramsso/")+16+len(".sock") <= maxSocketPath && ok(xdg) {
		return filepath.Join(xdg, "ramsso")
	}
	return filepath.Join(tmp, "ramsso-"+strconv.Itoa(uid))
}

// runtimeDirOK reports whether dir is a directory of ours that only we
// can enter (what systemd-logind makes $XDG_RUNTIME_DIR).
func runtimeDirOK(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return false
	}
	uid, ok := ownerUID(fi)
	return ok && uid == os.Getuid()
}

// Listen creates the socket for home, owner-only, replacing a stale one.
// The caller must hold the single-instance lock (AcquireInstance), which is
// what makes an existing socket file stale.
func Listen(home string) (net.Listener, error) {
	if err := config.EnsureHome(home); err != nil {
		return nil, err
	}
	path := SocketPath(home)
	record := filepath.Join(home, SocketPathFile)
	if dir := filepath.Dir(path); dir != filepath.Clean(home) {
		if err := ensurePrivateDir(dir); err != nil {
			return nil, err
		}
		if err := config.WriteFileAtomic(record, []byte(path+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("recording the socket path: %w", err)
		}
	} else if err := os.Remove(record); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("removing %s: %w", record, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("removing the stale socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	// The directory is 0700, so nobody else can reach the socket in the
	// moment before this chmod.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("making %s owner-only: %w", path, err)
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(true)
	}
	return ln, nil
}

// ensurePrivateDir makes dir (0700) and refuses one that another user owns
// or that others can enter: /tmp is shared.
func ensurePrivateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: remove it", dir)
	}
	if uid, ok := ownerUID(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s belongs to another user (uid %d): remove it or set a shorter RAMSSO_HOME", dir, uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("making %s owner-only: %w", dir, err)
		}
	}
	return nil
}

// dialAddr is the network and address a client dials for home.
func dialAddr(home string) string {
	if b, err := os.ReadFile(filepath.Join(home, SocketPathFile)); err == nil {
		if p := strings.TrimSpace(string(b)); p != "" && filepath.IsAbs(p) {
			return p
		}
	}
	return SocketPath(home)
}

// dial connects to the tray's socket, after checking that nobody else
// could have put it there, and then that the process serving it is ours:
// the client sends the whole SAMLResponse to it.
func dial(ctx context.Context, home string) (net.Conn, error) {
	path := dialAddr(home)
	if err := checkDialPath(path, filepath.Clean(home), os.Getuid()); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	if err := checkServerUID(c, os.Getuid()); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// checkDialPath refuses a socket another user could have made or replaced:
// its directory must be ours, a real directory (not a symlink) and — for
// the short directory outside home — 0700; home itself must at least not
// be writable by others (EnsureHome's rule). The socket, when there, must
// be a socket we own, not a symlink.
func checkDialPath(path, home string, uid int) error {
	dir := filepath.Dir(path)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist", dir)
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", dir, err)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0 && dir != home:
		return fmt.Errorf("refusing the socket: %s is a symlink (another user may have made it): remove it", dir)
	case fi.Mode()&fs.ModeSymlink == 0 && !fi.IsDir():
		return fmt.Errorf("refusing the socket: %s is not a directory", dir)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if fi, err = os.Stat(dir); err != nil {
			return fmt.Errorf("checking %s: %w", dir, err)
		}
	}
	if owner, ok := ownerUID(fi); ok && owner != uid {
		return fmt.Errorf("refusing the socket: %s belongs to another user (uid %d), who could read what ramsso sends: remove it (or set a shorter RAMSSO_HOME)", dir, owner)
	}
	mask := fs.FileMode(0o077)
	if dir == home {
		mask = 0o022
	}
	if fi.Mode().Perm()&mask != 0 {
		return fmt.Errorf("refusing the socket: %s is open to other users (mode %04o): run \"chmod 700 %s\"", dir, fi.Mode().Perm(), dir)
	}
	si, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no socket at %s", path)
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if si.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("refusing %s: not a socket", path)
	}
	if owner, ok := ownerUID(si); ok && owner != uid {
		return fmt.Errorf("refusing the socket %s: it belongs to another user (uid %d)", path, owner)
	}
	return nil
}

// checkServerUID asks the kernel who serves c (SO_PEERCRED on Linux) and
// refuses another user. Where the platform cannot tell, the path checks
// above are what stands.
func checkServerUID(c net.Conn, uid int) error {
	peer, known, err := peerUID(c)
	if err != nil {
		return fmt.Errorf("checking who serves the socket: %w", err)
	}
	if known && peer != uid {
		return fmt.Errorf("refusing the socket: it is served by another user (uid %d), not the ramsso tray of uid %d", peer, uid)
	}
	return nil
}

// Address describes where the API listens for home (for doctor and errors).
func Address(home string) string { return dialAddr(home) }
