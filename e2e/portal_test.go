package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/browsers"
	"github.com/ramsso/ramsso/internal/nativemsg"
)

// TestHostStartedByThePortal starts the real ramsso-host the way the
// WebExtensions portal (Snap Firefox) and xdg-native-messaging-proxy
// (Flatpak Firefox) do: outside the sandbox, with the manifest path they
// found (~/.mozilla/native-messaging-hosts first, then
// ~/.config/mozilla/native-messaging-hosts) and the add-on id as its only
// arguments, the service's own environment (no RAMSSO_HOME, no display)
// and working directory (xdg-desktop-portal src/web-extensions.c,
// xdg-native-messaging-proxy src/xnmp-impl.c). It must accept the caller,
// answer a ping, keep its state under the user's default RAMSSO_HOME and
// exit when its stdin closes — the portal's session close.
func TestHostStartedByThePortal(t *testing.T) {
	requireFirefox(t)
	for _, dir := range []string{".mozilla/native-messaging-hosts", ".config/mozilla/native-messaging-hosts"} {
		t.Run(dir, func(t *testing.T) {
			home := t.TempDir()
			manifest := filepath.Join(home, filepath.FromSlash(dir), browsers.HostName+".json")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, hostBinary, manifest, geckoID)
			cmd.Dir = "/"
			cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "XDG_RUNTIME_DIR=" + t.TempDir(), "LANG=C.UTF-8"}
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if err := nativemsg.WriteJSON(stdin, map[string]string{"type": "ping"}); err != nil {
				t.Fatal(err)
			}
			frame, err := nativemsg.ReadFrame(stdout)
			if err != nil {
				t.Fatalf("no reply to ping: %v", err)
			}
			var pong struct {
				OK       bool   `json:"ok"`
				Type     string `json:"type"`
				Protocol int    `json:"protocol"`
			}
			if err := json.Unmarshal(frame, &pong); err != nil || !pong.OK || pong.Type != "pong" || pong.Protocol != 1 {
				t.Fatalf("reply %s, want a pong with protocol 1 (the host refused the portal's arguments?)", frame)
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("the host did not exit cleanly when the portal closed its stdin: %v", err)
			}
			if _, err := os.Stat(filepath.Join(home, ".config", "ramsso")); err != nil {
				t.Errorf("the host did not use the default RAMSSO_HOME under the user's home: %v", err)
			}
		})
	}
}
