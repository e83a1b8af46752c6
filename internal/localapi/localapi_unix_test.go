//go:build unix

package localapi

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSocketModes(t *testing.T) {
	home := t.TempDir()
	serve(t, home, &fake{})
	fi, err := os.Stat(SocketPath(home))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v, want 0600 socket", fi.Mode())
	}
	if SocketPath(home) != filepath.Join(home, SocketName) {
		t.Errorf("short home got %s", SocketPath(home))
	}
}

func TestLongHomeFallsBack(t *testing.T) {
	home := filepath.Join(t.TempDir(), strings.Repeat("a-very-long-directory-name/", 5))
	if len(filepath.Join(home, SocketName)) <= maxSocketPath {
		t.Fatal("test home is not long enough")
	}
	f := &fake{}
	c := serve(t, home, f)
	if err := c.Show(context.Background(), ""); err != nil {
		t.Fatalf("client over the fallback path: %v", err)
	}
	p := SocketPath(home)
	if len(p) > maxSocketPath || !strings.HasPrefix(p, shortDir()) {
		t.Errorf("SocketPath = %s", p)
	}
	rec, err := os.ReadFile(filepath.Join(home, SocketPathFile))
	if err != nil || strings.TrimSpace(string(rec)) != p {
		t.Errorf("recorded path = %q, %v; want %s", rec, err, p)
	}
	fi, err := os.Stat(shortDir())
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("fallback dir mode = %v, %v", fi.Mode(), err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(SocketPath(home), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := serve(t, home, &fake{})
	if _, err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after replacing a stale socket: %v", err)
	}
}
