//go:build linux

package localapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/ramsso/ramsso/internal/testutil/asuser"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// childPing connects to the socket at path and reports what happened:
// DENIED (the kernel refused the connect), STATUS n, or ERR.
func childPing(path string) string {
	c, err := net.Dial("unix", path)
	if errors.Is(err, syscall.EACCES) {
		return "DENIED"
	}
	if err != nil {
		return "ERR " + err.Error()
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: tray\r\n\r\n", PathPing)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "ERR " + err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden && !resp.Close {
		return "STATUS 403 but the connection stays open"
	}
	return fmt.Sprintf("STATUS %d", resp.StatusCode)
}

// TestOtherUIDRefused runs this test binary as nobody (65534) against a
// real server. With the directory and socket modes opened up, only the
// SO_PEERCRED check stands between nobody and the API (403, closed); with
// the socket's own 0600 mode the kernel refuses the connect first.
func TestOtherUIDRefused(t *testing.T) {
	base, bin := asuser.Binary(t, "localapi.test")
	home := filepath.Join(base, "home")
	c := serve(t, home, &fake{})
	if _, err := c.Ping(context.Background()); err != nil {
		t.Fatalf("the owner cannot ping: %v", err)
	}
	sock := SocketPath(home)
	as := func(uid uint32) string { return asuser.Run(t, bin, uid, envChild+"="+sock) }
	tests := []struct {
		name     string
		dir, soc os.FileMode
		want     string
	}{
		{"as created", 0o700, 0o600, "DENIED"},
		{"socket mode alone", 0o755, 0o600, "DENIED"},
		{"peer check alone", 0o755, 0o666, "STATUS 403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.Chmod(home, tt.dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(sock, tt.soc); err != nil {
				t.Fatal(err)
			}
			if got := as(asuser.Nobody); got != tt.want {
				t.Errorf("nobody got %q, want %q", got, tt.want)
			}
			// Control: the same child as root gets in whenever it can reach the socket.
			if got := as(0); got != "STATUS 200" {
				t.Errorf("root child got %q, want STATUS 200", got)
			}
		})
	}
}
