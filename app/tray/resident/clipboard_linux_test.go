package resident

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// xvfb starts a private Xvfb and returns its display (":N").
func xvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "640x480x24")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Xvfb (apt-get install xvfb): %v", err)
	}
	w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not say its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// paste reads the clipboard as a real client does (xclip -o).
func paste(t *testing.T, display, target string) (string, error) {
	t.Helper()
	args := []string{"-o", "-selection", "clipboard"}
	if target != "" {
		args = append(args, "-t", target)
	}
	cmd := exec.Command("xclip", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	return string(out), err
}

// TestX11ClipboardCopyPasteClear: copy → paste with xclip → the secret
// marker → cleared after the timeout; something copied since is kept.
func TestX11ClipboardCopyPasteClear(t *testing.T) {
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Fatal("xclip is needed as the real reader (apt-get install xclip)")
	}
	display := xvfb(t)
	cb := &X11Clipboard{Display: display}
	ctx := context.Background()
	const secret = "AK/secret+value=="
	if err := cb.Copy(ctx, secret, true, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got, err := paste(t, display, ""); err != nil || got != secret {
		t.Fatalf("paste = %q, %v", got, err)
	}
	if got, err := paste(t, display, "UTF8_STRING"); err != nil || got != secret {
		t.Fatalf("paste UTF8_STRING = %q, %v", got, err)
	}
	targets, err := paste(t, display, "TARGETS")
	if err != nil || !strings.Contains(targets, "x-kde-passwordManagerHint") {
		t.Fatalf("TARGETS = %q, %v", targets, err)
	}
	if hint, err := paste(t, display, "x-kde-passwordManagerHint"); err != nil || hint != "secret" {
		t.Fatalf("hint = %q, %v", hint, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := paste(t, display, "")
		if err != nil || got == "" {
			break // no owner: nothing to paste
		}
		if time.Now().After(deadline) {
			t.Fatalf("still on the clipboard after the timeout: %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Not a secret: no marker. Then the person copies something else,
	// which the timeout must leave alone.
	if err := cb.Copy(ctx, "STS.id", false, 800*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if targets, _ := paste(t, display, "TARGETS"); strings.Contains(targets, "x-kde-passwordManagerHint") {
		t.Errorf("a non-secret is marked: %q", targets)
	}
	mine := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-i")
	mine.Env = append(os.Environ(), "DISPLAY="+display)
	mine.Stdin = strings.NewReader("mine")
	if err := mine.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mine.Process.Kill(); _ = mine.Wait() })
	deadline = time.Now().Add(5 * time.Second)
	for got, _ := paste(t, display, ""); got != "mine"; got, _ = paste(t, display, "") {
		if time.Now().After(deadline) {
			t.Fatalf("xclip did not take the clipboard: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond)
	if got, err := paste(t, display, ""); err != nil || got != "mine" {
		t.Errorf("the person's own copy was cleared: %q %v", got, err)
	}
}

func TestX11ClipboardNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	err := (&X11Clipboard{}).Copy(context.Background(), "x", true, time.Second)
	if err != ErrNoDisplay {
		t.Fatalf("without a display: %v", err)
	}
}
