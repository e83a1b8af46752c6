//go:build linux

package clipboard

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/testutil/xvfb"
)

// TestMain runs this test binary as the detached clipboard owner when
// Copy starts it (OwnerExecutable is os.Args[0] with OwnerCommand).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == OwnerCommand {
		os.Exit(RunOwnerMain())
	}
	OwnerExecutable = func() (string, []string, error) { return os.Args[0], []string{OwnerCommand}, nil }
	os.Exit(m.Run())
}

func xclip(t *testing.T, display string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Fatal("this test needs xclip (apt-get install xclip)")
	}
	cmd := exec.Command("xclip", append([]string{"-selection", "clipboard", "-o"}, args...)...)
	cmd.Env = []string{"DISPLAY=" + display}
	out, err := cmd.Output()
	return string(out), err
}

// waitClipboard polls xclip until the clipboard holds want ("" = empty).
func waitClipboard(t *testing.T, display, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var got string
	for time.Now().Before(deadline) {
		got, _ = xclip(t, display)
		if got == want {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	return got
}

func TestX11CopyPasteClear(t *testing.T) {
	display := xvfb.Start(t)
	env := Env(func(k string) string {
		if k == "DISPLAY" {
			return display
		}
		return ""
	})
	ctx := context.Background()
	secret := "export ALIBABA_CLOUD_ACCESS_KEY_SECRET='s3cr3t ünïcode'\n"

	start := time.Now()
	res, err := CopyWith(ctx, env, secret, true, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Backend != BackendX11 || !res.Clears {
		t.Errorf("result %+v", res)
	}
	// Copy returned: the owner (another process) serves it, at once.
	if got, err := xclip(t, display); err != nil || got != secret {
		t.Fatalf("paste = %q, %v; want %q", got, err, secret)
	}
	for _, target := range []string{"UTF8_STRING", "STRING", "TEXT", "text/plain"} {
		if got, err := xclip(t, display, "-target", target); err != nil || !strings.HasPrefix(got, "export ALIBABA") {
			t.Errorf("target %s = %q, %v", target, got, err)
		}
	}
	targets, err := xclip(t, display, "-target", "TARGETS")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TARGETS", "UTF8_STRING", "STRING", "TEXT", SecretHintTarget} {
		if !strings.Contains(targets, want) {
			t.Errorf("TARGETS lacks %s: %q", want, targets)
		}
	}
	if got, _ := xclip(t, display, "-target", SecretHintTarget); got != "secret" {
		t.Errorf("%s = %q", SecretHintTarget, got)
	}
	// ...and clears itself after the timeout.
	if got := waitClipboard(t, display, "", 5*time.Second); got != "" {
		t.Fatalf("clipboard still holds %q after the timeout", got)
	}
	if time.Since(start) < 2*time.Second {
		t.Error("cleared before the timeout")
	}

	// A non-secret copy carries no marker.
	if _, err := CopyWith(ctx, env, "AKID", false, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if targets, _ := xclip(t, display, "-target", "TARGETS"); strings.Contains(targets, SecretHintTarget) {
		t.Errorf("non-secret TARGETS has the marker: %q", targets)
	}

	// Another program's copy is never cleared: the owner gives up at once.
	if _, err := CopyWith(ctx, env, "ours", true, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("xclip", "-selection", "clipboard", "-i")
	other.Env = []string{"DISPLAY=" + display}
	other.Stdin = strings.NewReader("theirs")
	if err := other.Run(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past our timeout
	if got, _ := xclip(t, display); got != "theirs" {
		t.Errorf("someone else's copy was cleared: %q", got)
	}
}

func TestX11NoDisplay(t *testing.T) {
	env := Env(func(k string) string {
		if k == "DISPLAY" {
			return ":4242"
		}
		return ""
	})
	_, err := CopyWith(context.Background(), env, "x", true, time.Second)
	if err == nil || !strings.Contains(err.Error(), "X display") {
		t.Errorf("copy to a missing display: %v", err)
	}
}
