package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoHeadless runs `ramsso demo --headless` as a newcomer would (the
// binaries side by side, the extension from the checkout) so the demo
// cannot rot, then checks with `ramsso list --json` that the session it
// reports is really in the demo's home.
func TestDemoHeadless(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	dir := t.TempDir()
	demoDir := filepath.Join(dir, "demo")

	cmd := exec.CommandContext(ctx, cliBinary, "demo", "--headless", "--dir", demoDir,
		"--extension", extensionDir, "--chromium", chromiumPath, "--timeout", "45s")
	cmd.Dir = ".."
	// The demo must not need (or touch) the caller's ramsso home.
	cmd.Env = append(os.Environ(), "RAMSSO_HOME="+filepath.Join(dir, "not-used"), "HOME="+dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		dumpLogs(t, demoDir)
		t.Fatalf("ramsso demo --headless: %v\n%s", err, out)
	}
	t.Logf("ramsso demo --headless took %v", time.Since(start).Round(time.Millisecond))
	text := string(out)
	home := filepath.Join(demoDir, "home")
	for _, want := range []string{home, "ramsso list", "1234567890123456-admin", "ramsso env 1234567890123456-admin"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "not-used")); !os.IsNotExist(err) {
		t.Errorf("the demo touched the caller's RAMSSO_HOME (stat: %v)", err)
	}

	list := exec.CommandContext(ctx, cliBinary, "list", "--json")
	list.Env = append(os.Environ(), "RAMSSO_HOME="+home, "RAMSSO_STORE=file")
	js, err := list.Output()
	if err != nil {
		t.Fatalf("ramsso list --json: %v", err)
	}
	var sessions []struct {
		Profile, RoleArn, Expiration string
		Expired                      bool
	}
	if err := json.Unmarshal(js, &sessions); err != nil {
		t.Fatalf("ramsso list --json: %v\n%s", err, js)
	}
	if len(sessions) != 1 || sessions[0].RoleArn != "acs:ram::1234567890123456:role/admin" || sessions[0].Expired {
		t.Fatalf("ramsso list --json = %s, want one live admin session", js)
	}
	exp, err := time.Parse(time.RFC3339, sessions[0].Expiration)
	if err != nil || time.Until(exp) < 55*time.Minute || time.Until(exp) > 61*time.Minute {
		t.Errorf("session expires %q, want about an hour from now (the emulator's default)", sessions[0].Expiration)
	}
}
