//go:build linux

package localapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user (CI runs as root)")
	}
	base, err := os.MkdirTemp("", "ramsso-peer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "localapi.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	c := serve(t, home, &fake{})
	if _, err := c.Ping(context.Background()); err != nil {
		t.Fatalf("the owner cannot ping: %v", err)
	}
	sock := SocketPath(home)
	as := func(uid uint32) string {
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = []string{envChild + "=" + sock}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child as uid %d: %v", uid, err)
		}
		return strings.TrimSpace(string(out))
	}
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
			if got := as(65534); got != tt.want {
				t.Errorf("nobody got %q, want %q", got, tt.want)
			}
			// Control: the same child as root gets in whenever it can reach the socket.
			if got := as(0); got != "STATUS 200" {
				t.Errorf("root child got %q, want STATUS 200", got)
			}
		})
	}
}
