package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/browsers"
)

// TestInstallSystem: --system --root writes every machine-wide manifest a
// package ships (Chrome, Chromium, Edge, Vivaldi, Firefox on Linux) naming
// the installed host path, with --extension-id beside the pinned id, and
// --uninstall removes exactly those.
func TestInstallSystem(t *testing.T) {
	w := newWorld(t)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr", "bin", "ramsso-host"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const itID = "abcdefghijklmnopabcdefghijklmnop"
	r := w.run("install", "--system", "--root", root, "--host", "/usr/bin/ramsso-host", "--extension-id", itID, "--extension-id", "ramsso-it@example.com")
	if r.code != 0 {
		t.Fatalf("install --system: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, dir := range []string{"etc/opt/chrome/native-messaging-hosts", "etc/chromium/native-messaging-hosts", "etc/opt/edge/native-messaging-hosts", "usr/lib/mozilla/native-messaging-hosts"} {
		m, err := browsers.ReadManifest(filepath.Join(root, dir, browsers.HostName+".json"))
		if err != nil {
			t.Fatalf("%s: %v\n%s", dir, err, r.stdout)
		}
		if m.Path != "/usr/bin/ramsso-host" {
			t.Errorf("%s: path %q, want the installed /usr/bin/ramsso-host", dir, m.Path)
		}
		if strings.Contains(dir, "mozilla") {
			if !slices.Equal(m.AllowedExtensions, []string{browsers.FirefoxExtensionID, "ramsso-it@example.com"}) {
				t.Errorf("%s: allowed_extensions %v", dir, m.AllowedExtensions)
			}
		} else if !slices.Contains(m.AllowedOrigins, browsers.Origin(browsers.ChromeExtensionID)) || !slices.Contains(m.AllowedOrigins, browsers.Origin(itID)) {
			t.Errorf("%s: allowed_origins %v lacks the pinned or the --extension-id id", dir, m.AllowedOrigins)
		}
	}
	r = w.run("install", "--system", "--root", root, "--uninstall")
	if r.code != 0 {
		t.Fatalf("install --system --uninstall: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var left []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("uninstall left %v", left)
	}
}

// TestInstallSystemRefusals: --system's bad combinations each get one
// line saying what to do.
func TestInstallSystemRefusals(t *testing.T) {
	w := newWorld(t)
	root := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"install", "--root", root}, "only applies with --system"},
		{[]string{"install", "--system", "--root", root, "--host", "ramsso-host"}, "absolute installed path"},
		{[]string{"install", "--system", "--root", root, "--user-data-dir", root}, "do not mix"},
		{[]string{"install", "--system", "--root", root, "--browser", "brave", "--extension-id", "a b"}, "not an extension id"},
	} {
		r := w.run(tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: code %d stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
