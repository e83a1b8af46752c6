//go:build !windows

package autostart

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDesktopFile(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Exe: "/usr/bin/ramsso-tray"}, "Exec=/usr/bin/ramsso-tray\n"},
		{Entry{Exe: "/opt/my apps/ramsso-tray", Home: "/h"}, `Exec=env RAMSSO_HOME=/h "/opt/my apps/ramsso-tray"` + "\n"},
		{Entry{Exe: "/x/100%/ramsso-tray"}, `Exec="/x/100%%/ramsso-tray"` + "\n"},
	}
	for _, tt := range tests {
		got := DesktopFile(tt.e)
		if !strings.Contains(got, tt.want) || !strings.HasPrefix(got, "[Desktop Entry]\nType=Application\n") {
			t.Errorf("DesktopFile(%+v) =\n%s\nwant a line %q", tt.e, got, tt.want)
		}
	}
}

func TestLaunchAgentPlist(t *testing.T) {
	got := LaunchAgentPlist(Entry{Exe: "/Applications/R&D/ramsso-tray", Home: "/Users/a/<x>"})
	for _, want := range []string{"<string>com.ramsso.tray</string>", "<string>/Applications/R&amp;D/ramsso-tray</string>", "<string>/Users/a/&lt;x&gt;</string>", "<key>RunAtLoad</key>"} {
		if !strings.Contains(got, want) {
			t.Errorf("plist lacks %q:\n%s", want, got)
		}
	}
}

func TestSetXDG(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("macOS writes a LaunchAgent")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled before = %v, %v", on, err)
	}
	if err := Set(true, Entry{Exe: "/usr/bin/ramsso-tray"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "autostart", "ramsso-tray.desktop"))
	if err != nil || !strings.Contains(string(data), "Exec=/usr/bin/ramsso-tray") {
		t.Fatalf("autostart file = %q, %v", data, err)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled after Set(true) = %v, %v", on, err)
	}
	if err := Set(false, Entry{}); err != nil {
		t.Fatal(err)
	}
	if on, _ := Enabled(); on {
		t.Fatal("still enabled after Set(false)")
	}
	if err := Set(false, Entry{}); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
}
