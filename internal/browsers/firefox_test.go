package browsers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGeckoIDMatchesExtension keeps FirefoxExtensionID (what install
// writes into allowed_extensions and doctor checks) equal to the
// browser_specific_settings.gecko.id the extension's build writes.
func TestGeckoIDMatchesExtension(t *testing.T) {
	b, err := os.ReadFile("../../extension/tools/manifest.mjs")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const GECKO_ID = '([^']+)'`).FindSubmatch(b)
	if m == nil {
		t.Fatal("extension/tools/manifest.mjs has no GECKO_ID")
	}
	if string(m[1]) != FirefoxExtensionID {
		t.Fatalf("the extension's gecko id is %q but browsers.FirefoxExtensionID is %q", m[1], FirefoxExtensionID)
	}
}

func TestDetectFirefoxLinux(t *testing.T) {
	const (
		portal = "usr/share/dbus-1/interfaces/org.freedesktop.portal.WebExtensions.xml"
		proxy  = "usr/share/dbus-1/services/org.freedesktop.NativeMessagingProxy.service"
	)
	tests := []struct {
		name  string
		dirs  []string // under home
		files []string // under root
		bin   bool     // firefox-esr on PATH
		found string   // prefix of Target.Found ("" = not detected); "$HOME" and "$BIN" expand
		notes []string // substrings, one per note, in order
		warns int
	}{
		{name: "nothing"},
		{name: "deb", bin: true, found: "$BIN/firefox-esr"},
		{name: "classic profiles", dirs: []string{".mozilla/firefox"}, found: "$HOME/.mozilla"},
		{name: "xdg profiles (Firefox 147+)", dirs: []string{".config/mozilla/firefox"}, found: "$HOME/.config/mozilla",
			notes: []string{"reads native messaging hosts only from ~/.mozilla/native-messaging-hosts"}},
		{name: "xdg profiles beside a manifest dir", dirs: []string{".config/mozilla/firefox", ".mozilla/native-messaging-hosts"}, found: "$HOME/.mozilla",
			notes: []string{"~/.config/mozilla"}},
		{name: "both profile dirs", dirs: []string{".config/mozilla/firefox", ".mozilla/firefox"}, found: "$HOME/.mozilla"},
		{name: "snap with the portal", dirs: []string{"snap/firefox"}, files: []string{portal}, found: "Snap firefox",
			notes: []string{"WebExtensions portal", "flatpak permission-remove webextensions com.ramsso.host"}},
		{name: "snap without the portal", files: []string{"snap/bin/firefox"}, found: "Snap firefox",
			notes: []string{"does not have it", "permission-remove"}, warns: 1},
		{name: "flatpak with the proxy", dirs: []string{".var/app/org.mozilla.firefox"}, files: []string{proxy}, found: "Flatpak org.mozilla.firefox",
			notes: []string{"xdg-native-messaging-proxy"}},
		{name: "flatpak without the proxy", dirs: []string{".var/app/org.mozilla.firefox"}, found: "Flatpak org.mozilla.firefox",
			notes: []string{"not installed here"}, warns: 1},
		{name: "deb beside a snap", bin: true, dirs: []string{"snap/firefox"}, files: []string{portal}, found: "$BIN/firefox-esr",
			notes: []string{"WebExtensions portal", "permission-remove"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home, root, bin := t.TempDir(), t.TempDir(), t.TempDir()
			for _, d := range tc.dirs {
				if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tc.files {
				p := filepath.Join(root, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tc.bin {
				if err := os.WriteFile(filepath.Join(bin, "firefox-esr"), []byte("#!/bin/sh\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			env := Env{GOOS: "linux", Home: home, Path: bin, Root: root}
			var ff *Target
			for _, tg := range Detect(env) {
				if tg.Spec.ID == "firefox" {
					ff = &tg
				}
			}
			if tc.found == "" {
				if ff != nil {
					t.Fatalf("detected Firefox (%q) without any trace of it", ff.Found)
				}
				return
			}
			if ff == nil {
				t.Fatal("Firefox not detected")
			}
			want := strings.NewReplacer("$HOME", home, "$BIN", bin).Replace(tc.found)
			if !strings.HasPrefix(ff.Found, want) {
				t.Errorf("Found = %q, want %q", ff.Found, want)
			}
			if ff.ManifestPath != filepath.Join(home, ".mozilla", "native-messaging-hosts", HostName+".json") {
				t.Errorf("manifest goes to %s, want ~/.mozilla/native-messaging-hosts (the only place Firefox and the portals read)", ff.ManifestPath)
			}
			if len(ff.Sandbox) != 0 {
				t.Errorf("Firefox got blocking sandbox notes %q", ff.Sandbox)
			}
			if len(ff.Notes) != len(tc.notes) {
				t.Fatalf("notes = %+v, want %d", ff.Notes, len(tc.notes))
			}
			warns := 0
			for i, n := range ff.Notes {
				if !strings.Contains(n.Text+" "+n.Fix, tc.notes[i]) {
					t.Errorf("note %d = %q, want it to mention %q", i, n.Text, tc.notes[i])
				}
				if strings.Contains(n.Text+n.Fix, ".deb") && !n.Warn {
					t.Errorf("note %d tells a working setup to switch packages: %q", i, n.Text)
				}
				if n.Warn {
					warns++
					if n.Fix == "" {
						t.Errorf("warning %q has no fix", n.Text)
					}
				}
			}
			if warns != tc.warns {
				t.Errorf("%d warnings, want %d: %+v", warns, tc.warns, ff.Notes)
			}
		})
	}
}
