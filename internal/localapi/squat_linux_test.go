//go:build linux

package localapi

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/testutil/asuser"
)

// startSquatter runs squat as nobody and waits until it listens.
func startSquatter(t *testing.T, bin, path string) (stop func() string) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{envSquat + "=" + path}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: asuser.Nobody, Gid: asuser.Nobody}}
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	line, _ := r.ReadString('\n')
	if strings.TrimSpace(line) != "READY" {
		in.Close()
		_ = cmd.Wait()
		t.Fatalf("squatter: %q", line)
	}
	return func() string {
		time.Sleep(100 * time.Millisecond)
		in.Close()
		rest, _ := io.ReadAll(r)
		_ = cmd.Wait()
		return string(rest)
	}
}

// longHome is a RAMSSO_HOME too long for a socket path, so the socket
// goes to the short directory.
func longHome(t *testing.T, base string) string {
	home := filepath.Join(base, strings.Repeat("a-very-long-directory-name/", 5))
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return home
}

// TestSquattedShortDirRefused is issue 8's reproduction: with a long
// RAMSSO_HOME the socket is under /tmp/ramsso-<uid>/, which another user
// can create first and so receive POST /v1/capture with the SAMLResponse.
func TestSquattedShortDirRefused(t *testing.T) {
	base, bin := asuser.Binary(t, "localapi.test")
	tmp := filepath.Join(base, "tmp")
	if err := os.Mkdir(tmp, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o1777); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_RUNTIME_DIR", "")
	home := longHome(t, base)
	path := SocketPath(home)
	if !strings.HasPrefix(path, tmp) {
		t.Fatalf("socket path %s is not under %s", path, tmp)
	}
	stop := startSquatter(t, bin, path)
	c := Dial(home)
	defer c.Close()
	_, err := c.Ping(context.Background())
	got := stop()
	if err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Errorf("Ping through a squatted directory: %v", err)
	}
	if got != "" {
		t.Errorf("the squatter received %s", got)
	}
	// The tray refuses to listen there too.
	if ln, err := Listen(home); err == nil {
		ln.Close()
		t.Error("Listen accepted the squatted directory")
	}
}

// TestServerUIDCheckedByClient isolates the client's SO_PEERCRED check:
// directory and socket file look like ours (root chowned them back), but
// the process serving the socket is nobody's.
func TestServerUIDCheckedByClient(t *testing.T) {
	base, bin := asuser.Binary(t, "localapi.test")
	t.Setenv("TMPDIR", base)
	t.Setenv("XDG_RUNTIME_DIR", "")
	home := longHome(t, base)
	path := SocketPath(home)
	dir := filepath.Dir(path)
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	stop := startSquatter(t, bin, path)
	if err := os.Chown(path, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c := Dial(home)
	defer c.Close()
	_, err := c.Ping(context.Background())
	got := stop()
	if err == nil || !strings.Contains(err.Error(), "served by another user (uid 65534)") {
		t.Errorf("Ping to a server of another uid: %v", err)
	}
	if got != "" {
		t.Errorf("the other user's server received %s", got)
	}
}

func TestShortDirFor(t *testing.T) {
	yes := func(string) bool { return true }
	no := func(string) bool { return false }
	cases := []struct {
		xdg  string
		ok   func(string) bool
		want string
	}{
		{"/run/user/1000", yes, "/run/user/1000/ramsso"},
		{"/run/user/1000", no, "/tmp/ramsso-1000"},
		{"", yes, "/tmp/ramsso-1000"},
		{"relative/dir", yes, "/tmp/ramsso-1000"},
		{"/" + strings.Repeat("x", 90), yes, "/tmp/ramsso-1000"},
	}
	for _, c := range cases {
		if got := shortDirFor(c.xdg, "/tmp", 1000, c.ok); got != c.want {
			t.Errorf("shortDirFor(%q) = %s, want %s", c.xdg, got, c.want)
		}
	}
}
