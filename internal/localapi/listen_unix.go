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
// /tmp/ramsso-<uid>/ derived from home (recorded in home/tray.sock.path for
// people and tools that look).
func SocketPath(home string) string {
	p := filepath.Join(home, SocketName)
	if len(p) <= maxSocketPath {
		return p
	}
	return filepath.Join(shortDir(), homeKey(home)+".sock")
}

// shortDir is the owner-only directory for sockets whose home path is too long.
func shortDir() string {
	return filepath.Join(os.TempDir(), "ramsso-"+strconv.Itoa(os.Getuid()))
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

// dial connects to the tray's socket.
func dial(ctx context.Context, home string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", dialAddr(home))
}

// Address describes where the API listens for home (for doctor and errors).
func Address(home string) string { return dialAddr(home) }
