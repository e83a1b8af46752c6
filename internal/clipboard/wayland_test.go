//go:build unix

package clipboard

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeWayland puts wl-copy and wl-paste stand-ins on PATH that keep the
// "clipboard" in a file, as wl-clipboard's do in a compositor: wl-copy
// --foreground serves until another copy replaces its text, wl-copy
// --clear empties it. (No Wayland compositor runs here; these stand-ins
// only model what wl-clipboard documents, to test the owner's logic.)
func fakeWayland(t *testing.T) (clip string) {
	t.Helper()
	dir := t.TempDir()
	clip = filepath.Join(dir, "clipboard")
	copyScript := `#!/bin/sh
clip='` + clip + `'
case "$1" in
--clear) : > "$clip"; exit 0;;
--foreground)
  cat > "$clip.mine"; cp "$clip.mine" "$clip"
  while cmp -s "$clip" "$clip.mine"; do sleep 0.05; done
  exit 0;;
esac
exit 2
`
	pasteScript := "#!/bin/sh\ncat '" + clip + "'\n"
	for name, body := range map[string]string{"wl-copy": copyScript, "wl-paste": pasteScript} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return clip
}

func TestServeWaylandClearsOnlyItsOwn(t *testing.T) {
	clip := fakeWayland(t)
	read := func() string { b, _ := os.ReadFile(clip); return string(b) }

	// Served, then cleared after the timeout.
	readyErr := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveWayland(context.Background(), []byte("s3cret"), 300*time.Millisecond, func(err error) { readyErr <- err })
	}()
	if err := <-readyErr; err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "s3cret" {
		t.Fatalf("clipboard = %q after ready", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "" {
		t.Errorf("not cleared: %q", got)
	}

	// Replaced by another copy: the owner ends at once and clears nothing.
	go func() {
		done <- serveWayland(context.Background(), []byte("ours"), 5*time.Second, func(err error) { readyErr <- err })
	}()
	if err := <-readyErr; err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(clip, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("the owner kept running after another copy")
	}
	if got := read(); got != "theirs" {
		t.Errorf("someone else's copy changed: %q", got)
	}
	if strings.Join(WaylandCopyArgs, " ") != "--foreground --type text/plain;charset=utf-8" {
		t.Errorf("wl-copy args %q", WaylandCopyArgs)
	}
}
