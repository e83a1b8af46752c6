// Package asuser lets permission tests run a copy of the current test
// binary as another user. CI runs as root, where a permission check proves
// nothing unless a process without root's privileges tries the access.
package asuser

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Nobody is the uid (and gid) of the unprivileged user tests run as.
const Nobody = 65534

// Binary copies the running test binary into a fresh directory that every
// user may enter and returns the directory and the copy's path. It skips
// the test unless it runs as root on a POSIX system.
func Binary(t testing.TB, name string) (dir, bin string) {
	t.Helper()
	if !supported() {
		t.Skip("needs POSIX users")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user (CI runs as root)")
	}
	dir, err := os.MkdirTemp("", "ramsso-asuser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
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
	bin = filepath.Join(dir, name)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// Run runs bin (from Binary) with no tests selected, as uid, with exactly
// env as its environment, and returns its trimmed stdout; the test binary's
// TestMain is expected to act on env and print a verdict.
func Run(t testing.TB, bin string, uid uint32, env ...string) string {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = env
	setUser(cmd, uid)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child as uid %d: %v", uid, err)
	}
	return strings.TrimSpace(string(out))
}
