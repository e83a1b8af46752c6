//go:build linux

package proc

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStartDetached proves the child gets its own session (so the
// browser's process-group kill does not reach it) and no inherited stdio.
func TestStartDetached(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "child.sh")
	marker := filepath.Join(dir, "pid")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho $$ > "+marker+".tmp && mv "+marker+".tmp "+marker+"\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := StartDetached(script); err != nil {
		t.Fatal(err)
	}
	var pid int
	deadline := time.Now().Add(5 * time.Second)
	for pid == 0 && time.Now().Before(deadline) {
		if b, err := os.ReadFile(marker); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("child did not start")
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	sid, err := unix.Getsid(pid)
	if err != nil {
		t.Fatal(err)
	}
	if sid != pid {
		t.Errorf("child session %d, want its own (%d)", sid, pid)
	}
	if mySid, _ := unix.Getsid(0); sid == mySid {
		t.Error("child shares our session")
	}
	for _, fd := range []string{"0", "1", "2"} {
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd))
		if err != nil || link != os.DevNull {
			t.Errorf("child fd %s = %q (%v), want %s", fd, link, err, os.DevNull)
		}
	}
	if _, err := Sibling("no-such-binary-beside-the-test"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Sibling of a missing binary: %v, want ErrNotFound", err)
	}
}
