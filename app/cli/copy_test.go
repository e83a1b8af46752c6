//go:build linux

package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/testutil/xvfb"
)

// TestCopyX11 runs the real ramsso binary's copy under Xvfb and reads the
// clipboard back with the real xclip: the copy outlives the command, lists
// the password-manager marker among its TARGETS, and is cleared after the
// timeout.
func TestCopyX11(t *testing.T) {
	bin, err := ramssoBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Fatal("this test needs xclip (apt-get install xclip)")
	}
	display := xvfb.Start(t)
	w := newWorld(t)
	keys := w.assumeAdmin()
	profile := acct1 + "-admin"
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"DISPLAY=" + display, "PATH=" + os.Getenv("PATH")}
		for k, v := range w.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	paste := func(target string) string {
		cmd := exec.Command("xclip", "-selection", "clipboard", "-o", "-target", target)
		cmd.Env = []string{"DISPLAY=" + display}
		out, _ := cmd.Output()
		return string(out)
	}

	out, err := run("copy", profile, "--what", "secret", "--clear-after", "2s")
	if err != nil || !strings.Contains(out, "cleared in 2s") {
		t.Fatalf("copy: %v %s", err, out)
	}
	if strings.Contains(out, keys["AccessKeySecret"]) {
		t.Fatal("the secret was printed")
	}
	copied := time.Now()
	if got := paste("UTF8_STRING"); got != keys["AccessKeySecret"] {
		t.Fatalf("paste = %q, want the secret", got)
	}
	if got := paste("TARGETS"); !strings.Contains(got, "x-kde-passwordManagerHint") || !strings.Contains(got, "UTF8_STRING") {
		t.Errorf("TARGETS = %q", got)
	}
	if got := paste("x-kde-passwordManagerHint"); got != "secret" {
		t.Errorf("marker = %q", got)
	}
	for time.Since(copied) < 6*time.Second && paste("UTF8_STRING") != "" {
		time.Sleep(100 * time.Millisecond)
	}
	if got := paste("UTF8_STRING"); got != "" {
		t.Fatalf("not cleared: %q", got)
	}
	if time.Since(copied) < 1500*time.Millisecond {
		t.Error("cleared before the timeout")
	}

	// --what env in fish syntax; the AccessKey ID is not marked secret.
	if out, err := run("copy", profile, "--format", "fish", "--clear-after", "2s"); err != nil {
		t.Fatalf("copy env: %v %s", err, out)
	}
	if got := paste("UTF8_STRING"); !strings.Contains(got, "set -gx ALIBABA_CLOUD_ACCESS_KEY_ID "+keys["AccessKeyId"]) || !strings.Contains(got, "RAMSSO_EXPIRATION") {
		t.Errorf("env copy = %q", got)
	}
	if out, err := run("copy", profile, "--what", "id"); err != nil {
		t.Fatalf("copy id: %v %s", err, out)
	}
	if got := paste("TARGETS"); strings.Contains(got, "x-kde-passwordManagerHint") {
		t.Errorf("the AccessKey ID is marked secret: %q", got)
	}
	if got := paste("UTF8_STRING"); got != keys["AccessKeyId"] {
		t.Errorf("id copy = %q", got)
	}

	for _, bad := range [][]string{{"copy", profile, "--what", "all"}, {"copy", profile, "--format", "tcsh"}, {"copy", "nope"}} {
		if out, err := run(bad...); err == nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%v: %v %q", bad, err, out)
		}
	}
	cmd := exec.Command(bin, "copy", profile)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RAMSSO_HOME=" + w.home, "RAMSSO_STORE=file"}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no clipboard here") {
		t.Errorf("no display: %v %s", err, out)
	}
}
