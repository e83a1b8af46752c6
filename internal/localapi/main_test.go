//go:build unix

package localapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	envChild    = "RAMSSO_LOCALAPI_TEST_SOCKET" // ping the socket as another user
	envFakeTray = "RAMSSO_LOCALAPI_TEST_TRAY"   // act as a tray
	envSquat    = "RAMSSO_LOCALAPI_TEST_SQUAT"  // listen where the tray would, as another user
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envChild); path != "" {
		fmt.Println(childPing(path))
		os.Exit(0)
	}
	if os.Getenv(envFakeTray) != "" {
		os.Exit(fakeTray())
	}
	if path := os.Getenv(envSquat); path != "" {
		os.Exit(squat(path))
	}
	os.Exit(m.Run())
}

// fakeTray serves a fake handler for RAMSSO_HOME until SIGTERM (or 60 s).
func fakeTray() int {
	home := os.Getenv("RAMSSO_HOME")
	release, err := AcquireInstance(home)
	if err != nil {
		return 3
	}
	defer release()
	ln, err := Listen(home)
	if err != nil {
		return 4
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel2()
	if err := NewServer(&fake{}).Serve(ctx, ln); err != nil {
		return 5
	}
	return 0
}

func TestStartTray(t *testing.T) {
	// Not t.TempDir: the second StartTray below starts a detached tray that
	// finds the lock taken and exits on its own time (it is not our child,
	// so nothing can wait for it), and may still be touching home when the
	// test ends; remove home with retries instead of failing the test.
	home, err := os.MkdirTemp("", "ramsso-starttray-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for end := time.Now().Add(5 * time.Second); os.RemoveAll(home) != nil && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond)
		}
	})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envFakeTray, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pid, err := StartTray(ctx, home, exe)
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Signal(syscall.SIGTERM)
		_, _ = p.Wait()
		// The tray is detached (not our child): Wait cannot wait for it, so
		// poll until it is gone before TempDir's cleanup removes its home.
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if pid == os.Getpid() || !Running(home) {
		t.Fatalf("pid %d, running %v", pid, Running(home))
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("the tray is not in its own session: sid %d (%v), pid %d", sid, err, pid)
	}
	// A second start finds the lock taken and exits; StartTray sees the
	// first tray answering.
	if _, err := StartTray(ctx, home, exe); err != nil {
		t.Errorf("second StartTray: %v", err)
	}
}

func TestStartTrayFails(t *testing.T) {
	t.Setenv(envFakeTray, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := StartTray(ctx, t.TempDir(), "/bin/true")
	if err == nil || Running(t.TempDir()) {
		t.Fatalf("StartTray(/bin/true) = %v", err)
	}
	t.Setenv("PATH", "")
	if _, err := FindTray(); !errors.Is(err, ErrTrayMissing) {
		t.Errorf("FindTray without a tray = %v", err)
	}
}
