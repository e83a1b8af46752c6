package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/browsers"
)

// TestInstallFirefoxXDGProfiles: Firefox 147+ keeps new profiles under
// ~/.config/mozilla but reads hosts only from ~/.mozilla: install finds it
// there, writes the manifest to ~/.mozilla/native-messaging-hosts and says
// why; doctor checks the manifest's allowed_extensions against the add-on
// id.
func TestInstallFirefoxXDGProfiles(t *testing.T) {
	w, hostPath := browserWorld(t)
	if err := os.MkdirAll(filepath.Join(w.env["HOME"], ".config", "mozilla", "firefox"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := w.run("install", "--host", hostPath)
	if r.code != 0 || !strings.Contains(r.stdout, "✓ Firefox: wrote") || !strings.Contains(r.stdout, "i Firefox keeps its profiles in ~/.config/mozilla") {
		t.Fatalf("install: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	manifest := filepath.Join(w.env["HOME"], ".mozilla", "native-messaging-hosts", browsers.HostName+".json")
	m, err := browsers.ReadManifest(manifest)
	if err != nil || m.Path != hostPath || len(m.AllowedExtensions) != 1 || m.AllowedExtensions[0] != browsers.FirefoxExtensionID {
		t.Fatalf("manifest %+v %v", m, err)
	}
	if _, err := os.Stat(filepath.Join(w.env["HOME"], ".config", "mozilla", "native-messaging-hosts")); err == nil {
		t.Error("install wrote under ~/.config/mozilla, which Firefox does not read")
	}
	r = w.run("doctor", "--browser", "firefox")
	if !strings.Contains(r.stdout, "✓ manifest firefox") || !strings.Contains(r.stdout, "~/.config/mozilla") {
		t.Fatalf("doctor:\n%s%s", r.stdout, r.stderr)
	}
	// A manifest that allows another add-on only.
	if err := os.WriteFile(manifest, []byte(`{"name":"com.ramsso.host","description":"x","path":"`+hostPath+`","type":"stdio","allowed_extensions":["other@example.com"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = w.run("doctor", "--browser", "firefox")
	if r.code == 0 || !strings.Contains(r.stdout, "allowed_extensions does not include "+browsers.FirefoxExtensionID) || !strings.Contains(r.stdout, "ramsso install") {
		t.Fatalf("doctor with a foreign allowed_extensions: %d\n%s", r.code, r.stdout)
	}
}
