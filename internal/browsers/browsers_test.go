package browsers

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPinnedIDMatchesExtension keeps ChromeExtensionID in sync with the
// id the extension's build pins with its manifest key.
func TestPinnedIDMatchesExtension(t *testing.T) {
	b, err := os.ReadFile("../../extension/EXTENSION_ID")
	if err != nil {
		t.Fatalf("extension/EXTENSION_ID: %v", err)
	}
	if got := strings.TrimSpace(string(b)); got != ChromeExtensionID {
		t.Fatalf("extension/EXTENSION_ID is %q but browsers.ChromeExtensionID is %q: update the const", got, ChromeExtensionID)
	}
	if !IsChromeID(ChromeExtensionID) {
		t.Fatal("pinned id is not a Chrome id")
	}
}

func TestManifestDirs(t *testing.T) {
	chrome, _ := Lookup("google-chrome")
	ff, _ := Lookup("firefox-esr")
	brave, _ := Lookup("brave")
	tests := []struct {
		spec Spec
		env  Env
		want string
	}{
		{chrome, Env{GOOS: "linux", Home: "/h"}, "/h/.config/google-chrome/NativeMessagingHosts"},
		{brave, Env{GOOS: "linux", Home: "/h"}, "/h/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts"},
		{ff, Env{GOOS: "linux", Home: "/h"}, "/h/.mozilla/native-messaging-hosts"},
		{chrome, Env{GOOS: "darwin", Home: "/U"}, "/U/Library/Application Support/Google/Chrome/NativeMessagingHosts"},
		{ff, Env{GOOS: "darwin", Home: "/U"}, "/U/Library/Application Support/Mozilla/NativeMessagingHosts"},
	}
	for _, tc := range tests {
		got, err := ManifestDir(tc.spec, tc.env)
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("%s/%s: %q, %v; want %q", tc.spec.ID, tc.env.GOOS, got, err, tc.want)
		}
	}
	tg, _ := TargetFor(chrome, Env{GOOS: "windows", Home: "/h", LocalAppData: "/L"})
	if tg.RegistryKey != `Software\Google\Chrome\NativeMessagingHosts\com.ramsso.host` {
		t.Errorf("windows key %q", tg.RegistryKey)
	}
	if _, ok := Lookup("netscape"); ok {
		t.Error("unknown browser found")
	}
	if _, err := UserDataDirTarget(ff, "/x"); err == nil {
		t.Error("--user-data-dir accepted for Firefox")
	}
	u, _ := UserDataDirTarget(chrome, "/x/y")
	if u.ManifestPath != filepath.FromSlash("/x/y/NativeMessagingHosts/com.ramsso.host.json") {
		t.Errorf("user data dir target %q", u.ManifestPath)
	}
}

func TestNewManifest(t *testing.T) {
	extra := []string{"abcdefghijklmnopabcdefghijklmnop", "other@example.com", ChromeExtensionID, " "}
	m := NewManifest(Chromium, "/bin/ramsso-host", extra)
	b, _ := json.Marshal(m)
	want := `{"name":"com.ramsso.host","description":"ramsso: Alibaba Cloud credentials from your SAML SSO login","path":"/bin/ramsso-host","type":"stdio","allowed_origins":["chrome-extension://` + ChromeExtensionID + `/","chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]}`
	if string(b) != want {
		t.Errorf("chrome manifest\n got %s\nwant %s", b, want)
	}
	f := NewManifest(Firefox, "/bin/ramsso-host", extra)
	if len(f.AllowedOrigins) != 0 || strings.Join(f.AllowedExtensions, ",") != "ramsso@ramsso.dev,other@example.com" {
		t.Errorf("firefox manifest %+v", f)
	}
}

func TestDetect(t *testing.T) {
	home := t.TempDir()
	bin := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mk(filepath.Join(home, ".config", "BraveSoftware", "Brave-Browser"))
	mk(filepath.Join(home, ".var", "app", "org.chromium.Chromium"))
	if err := os.WriteFile(filepath.Join(bin, "firefox-esr"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := map[string]Target{}
	for _, tg := range Detect(Env{GOOS: "linux", Home: home, Path: bin}) {
		got[tg.Spec.ID] = tg
	}
	if got["brave"].Found == "" || got["firefox"].Found != filepath.Join(bin, "firefox-esr") {
		t.Errorf("detected %+v", got)
	}
	if _, ok := got["chrome"]; ok {
		t.Error("chrome detected without any trace of it")
	}
	c, ok := got["chromium"]
	if !ok || c.Found != "" || len(c.Sandbox) == 0 || !strings.Contains(c.Sandbox[0], "flatpak-spawn --host") {
		t.Errorf("flatpak chromium not explained: %+v", c)
	}
}

func TestWriteRemoveProblem(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "ramsso-host")
	if err := os.WriteFile(host, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	chrome, _ := Lookup("chromium")
	tg, _ := UserDataDirTarget(chrome, filepath.Join(dir, "profile"))
	if p, fix := Problem(tg, ""); !strings.Contains(p, "no host manifest") || !strings.Contains(fix, "ramsso install") {
		t.Fatalf("missing manifest: %q %q", p, fix)
	}
	if err := Write(tg, NewManifest(Chromium, host, nil)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(tg.ManifestPath)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("manifest mode %v %v", fi, err)
	}
	if p, _ := Problem(tg, ""); p != "" {
		t.Fatalf("fresh manifest has a problem: %s", p)
	}
	if p, _ := Problem(tg, "abcdefghijklmnopabcdefghijklmnop"); !strings.Contains(p, "allowed_origins") {
		t.Errorf("foreign id: %q", p)
	}
	if err := os.Chmod(host, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, fix := Problem(tg, ""); !strings.Contains(p, "not executable") || !strings.Contains(fix, "chmod") {
		t.Errorf("non-executable host: %q %q", p, fix)
	}
	if err := Write(tg, NewManifest(Chromium, "relative/ramsso-host", nil)); err != nil {
		t.Fatal(err)
	}
	if p, _ := Problem(tg, ""); !strings.Contains(p, "not absolute") {
		t.Errorf("relative path: %q", p)
	}
	if err := os.WriteFile(tg.ManifestPath, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Problem(tg, ""); !strings.Contains(p, "not valid JSON") {
		t.Errorf("bad json: %q", p)
	}
	// Remove leaves other hosts' files alone.
	foreign := Manifest{Name: "com.other.host", Path: "/usr/bin/other", Type: "stdio"}
	if err := Write(tg, foreign); err != nil {
		t.Fatal(err)
	}
	if err := Remove(tg); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("Remove(foreign) = %v", err)
	}
	if err := Write(tg, NewManifest(Chromium, host, nil)); err != nil {
		t.Fatal(err)
	}
	if err := Remove(tg); err != nil {
		t.Fatal(err)
	}
	if err := Remove(tg); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("second Remove = %v", err)
	}
}

// TestSystemTargets: the documented machine-wide locations per OS, HKLM on
// Windows, and a clear error where a browser documents none.
func TestSystemTargets(t *testing.T) {
	chrome, _ := Lookup("chrome")
	chromium, _ := Lookup("chromium")
	ff, _ := Lookup("firefox")
	edge, _ := Lookup("edge")
	brave, _ := Lookup("brave")
	tests := []struct {
		spec Spec
		env  SystemEnv
		want string
	}{
		{chrome, SystemEnv{GOOS: "linux"}, "/etc/opt/chrome/native-messaging-hosts/com.ramsso.host.json"},
		{chromium, SystemEnv{GOOS: "linux"}, "/etc/chromium/native-messaging-hosts/com.ramsso.host.json"},
		{ff, SystemEnv{GOOS: "linux"}, "/usr/lib/mozilla/native-messaging-hosts/com.ramsso.host.json"},
		{chromium, SystemEnv{GOOS: "linux", Root: "/pkg"}, "/pkg/etc/chromium/native-messaging-hosts/com.ramsso.host.json"},
		{chrome, SystemEnv{GOOS: "darwin"}, "/Library/Google/Chrome/NativeMessagingHosts/com.ramsso.host.json"},
		{edge, SystemEnv{GOOS: "darwin"}, "/Library/Microsoft/Edge/NativeMessagingHosts/com.ramsso.host.json"},
		{ff, SystemEnv{GOOS: "darwin"}, "/Library/Application Support/Mozilla/NativeMessagingHosts/com.ramsso.host.json"},
	}
	for _, tc := range tests {
		got, err := SystemTarget(tc.spec, tc.env)
		if err != nil || got.ManifestPath != filepath.FromSlash(tc.want) || !got.System {
			t.Errorf("%s/%s: %+v, %v; want %s", tc.spec.ID, tc.env.GOOS, got, err, tc.want)
		}
	}
	w, err := SystemTarget(chrome, SystemEnv{GOOS: "windows", ProgramData: `D:\PD`})
	if err != nil || w.RegistryKey != `Software\Google\Chrome\NativeMessagingHosts\com.ramsso.host` || w.Hive() != "HKLM" ||
		w.ManifestPath != `D:\PD\ramsso\NativeMessagingHosts\chrome\com.ramsso.host.json` {
		t.Errorf("windows: %+v, %v", w, err)
	}
	if _, err := SystemTarget(brave, SystemEnv{GOOS: "darwin"}); err == nil || !strings.Contains(err.Error(), "per user") {
		t.Errorf("brave on macOS: %v, want an error naming the per-user way", err)
	}
	// Chrome and Brave share /etc/opt/chrome on Linux: written once.
	seen := map[string]int{}
	for _, tg := range SystemTargets(SystemEnv{GOOS: "linux"}) {
		seen[tg.ManifestPath]++
	}
	if seen["/etc/opt/chrome/native-messaging-hosts/com.ramsso.host.json"] != 1 || len(seen) != 5 {
		t.Errorf("linux system targets %v", seen)
	}
}

// TestPolicyLocations: the documented places per OS (doctor prints them
// where it cannot read them).
func TestPolicyLocations(t *testing.T) {
	chrome, _ := Lookup("chrome")
	ff, _ := Lookup("firefox")
	for _, tc := range []struct {
		spec Spec
		goos string
		want string
	}{
		{chrome, "linux", "/etc/opt/chrome/policies/managed/*.json"},
		{chrome, "windows", `HKLM\SOFTWARE\Policies\Google\Chrome`},
		{chrome, "darwin", "/Library/Managed Preferences/com.google.Chrome.plist (configuration profile)"},
		{ff, "linux", "/etc/firefox/policies/policies.json"},
		{ff, "windows", `HKLM\SOFTWARE\Policies\Mozilla\Firefox`},
	} {
		if got := PolicyLocations(tc.spec, tc.goos); len(got) == 0 || got[0] != tc.want {
			t.Errorf("%s/%s: %v, want %s first", tc.spec.ID, tc.goos, got, tc.want)
		}
	}
}
