package browseropen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFamily(t *testing.T) {
	for cmd, want := range map[string]string{
		"/usr/bin/chromium": Chrome, "google-chrome-stable": Chrome, "microsoft-edge": Chrome, "brave-browser": Chrome,
		"vivaldi-stable": Chrome, "msedge.exe": Chrome, "chrome.exe": Chrome,
		"/usr/bin/firefox-esr": Firefox, "firefox": Firefox, "librewolf": Firefox,
		"xdg-open": "", "lynx": "", "epiphany": "",
	} {
		if got := Family(cmd); got != want {
			t.Errorf("Family(%q) = %q, want %q", cmd, got, want)
		}
	}
}

func TestProfileArgs(t *testing.T) {
	tests := []struct {
		family, name string
		want         []string
		err          string
	}{
		{Chrome, "Profile 1", []string{"--profile-directory=Profile 1"}, ""},
		{Firefox, "work", []string{"-P", "work"}, ""},
		{Chrome, "--user-data-dir=/tmp/x", nil, "option"},
		{Firefox, "-new-instance", nil, "option"},
		{Chrome, "../Default", nil, "not a path"},
		{Chrome, "..", nil, "not a path"},
		{Firefox, "a\x1bb", nil, "control"},
		{Firefox, "a\nb", nil, "control"},
		{Chrome, " ", nil, "empty"},
		{Chrome, strings.Repeat("p", 101), nil, "too long"},
		{"", "work", nil, "neither"},
	}
	for _, tt := range tests {
		got, err := ProfileArgs(tt.family, tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ProfileArgs(%q, %q) error %v, want %q", tt.family, tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ProfileArgs(%q, %q) = %q, %v", tt.family, tt.name, got, err)
		}
	}
}

func TestDesktopExec(t *testing.T) {
	file := `[Desktop Entry]
Name=Chromium
Exec=/usr/bin/chromium %U
[Desktop Action new-window]
Exec=/usr/bin/chromium --new-window
`
	if got := DesktopExec(strings.NewReader(file)); strings.Join(got, "|") != "/usr/bin/chromium" {
		t.Errorf("DesktopExec = %q", got)
	}
	quoted := "[Desktop Entry]\nExec=\"/opt/My Browser/firefox\" --class \"a \\\"b\\\"\" %u\n"
	if got := DesktopExec(strings.NewReader(quoted)); strings.Join(got, "|") != `/opt/My Browser/firefox|--class|a "b"` {
		t.Errorf("DesktopExec quoted = %q", got)
	}
}

// TestOpenRunsTheBrowserWithTheProfile opens through a fake browser named
// like Firefox and Chromium on $BROWSER and checks the exact argv it got.
func TestOpenRunsTheBrowserWithTheProfile(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, want string }{
		{"firefox", "-P|work profile|https://signin.example/x?a=1&b=2"},
		{"chromium", "--profile-directory=work profile|https://signin.example/x?a=1&b=2"},
	} {
		out := filepath.Join(dir, tt.name+".args")
		script := filepath.Join(dir, tt.name)
		if err := os.WriteFile(script, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s|' \"$a\"; done > "+out+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		env := Env(func(k string) string {
			if k == "BROWSER" {
				return script
			}
			return ""
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := env.Open(ctx, "https://signin.example/x?a=1&b=2", "work profile")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		if got := strings.TrimSuffix(string(b), "|"); got != tt.want {
			t.Errorf("%s got %q, want %q", tt.name, got, tt.want)
		}
	}
	env := Env(func(k string) string {
		if k == "BROWSER" {
			return "lynx"
		}
		return ""
	})
	if err := env.Open(context.Background(), "https://x", "work"); err == nil || !strings.Contains(err.Error(), "neither Chrome-family nor Firefox-family") {
		t.Errorf("unknown browser: %v", err)
	}
}
