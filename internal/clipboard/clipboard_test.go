package clipboard

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestChoose(t *testing.T) {
	tests := []struct {
		goos string
		env  map[string]string
		wl   bool
		want string
		err  string
	}{
		{"linux", map[string]string{"DISPLAY": ":0"}, false, BackendX11, ""},
		{"linux", map[string]string{"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, true, BackendWayland, ""},
		{"linux", map[string]string{"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, false, BackendX11, ""}, // XWayland
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, false, "", "install wl-clipboard"},
		{"linux", map[string]string{"SSH_TTY": "/dev/pts/3"}, false, BackendOSC52, ""},
		{"linux", map[string]string{"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}, false, BackendOSC52, ""},
		{"linux", map[string]string{"SSH_CONNECTION": "x", "DISPLAY": "localhost:10.0"}, false, BackendX11, ""}, // X forwarding
		{"linux", map[string]string{}, false, "", "no clipboard here"},
		{"darwin", map[string]string{}, false, BackendMac, ""},
		{"darwin", map[string]string{"SSH_TTY": "/dev/ttys001"}, false, BackendOSC52, ""},
	}
	for _, tt := range tests {
		got, err := Choose(tt.goos, func(k string) string { return tt.env[k] }, tt.wl)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Choose(%s, %v) error %v, want %q", tt.goos, tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Choose(%s, %v) = %q, %v; want %q", tt.goos, tt.env, got, err, tt.want)
		}
	}
}

func TestOSC52(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("key=v"))
	if got := OSC52("key=v", false, false); got != "\x1b]52;c;"+b64+"\x07" {
		t.Errorf("plain: %q", got)
	}
	if got := OSC52("key=v", true, false); got != "\x1bPtmux;\x1b\x1b]52;c;"+b64+"\x07\x1b\\" {
		t.Errorf("tmux: %q", got)
	}
	if got := OSC52("key=v", false, true); got != "\x1bP\x1b]52;c;"+b64+"\x07\x1b\\" {
		t.Errorf("screen: %q", got)
	}
	var buf bytes.Buffer
	if err := writeOSC52(&buf, "x", false, false); err != nil || !strings.HasPrefix(buf.String(), "\x1b]52;c;") {
		t.Errorf("writeOSC52: %q %v", buf.String(), err)
	}
}

func TestTooLarge(t *testing.T) {
	if err := Copy(context.Background(), strings.Repeat("x", MaxText+1), true, time.Second); err == nil || !strings.Contains(err.Error(), "too much") {
		t.Errorf("Copy of a huge text: %v", err)
	}
}

func TestOwnerNotByHand(t *testing.T) {
	// fds 3 and 4 are not open in a process nobody handed them to.
	cmd := exec.Command(os.Args[0], OwnerCommand)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "started by ramsso copy") {
		t.Errorf("owner run by hand: %v %q", err, out)
	}
}
