package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/testutil/asuser"
)

const (
	envOwnerChild  = "RAMSSO_CONFIG_TEST_HOME"
	envBinaryChild = "RAMSSO_CONFIG_TEST_BINARY"
)

func TestMain(m *testing.M) {
	if bin := os.Getenv(envBinaryChild); bin != "" {
		if err := CheckExecutable(bin); err != nil {
			fmt.Println("REFUSED", err)
		} else {
			fmt.Println("OK")
		}
		os.Exit(0)
	}
	if home := os.Getenv(envOwnerChild); home != "" {
		// As another user: would ramsso trust this home?
		if err := EnsureHome(home); err != nil {
			fmt.Println("REFUSED home:", err)
			os.Exit(0)
		}
		s, err := Load(home)
		if err != nil {
			fmt.Println("REFUSED settings:", err)
			os.Exit(0)
		}
		fmt.Println("TRUSTED sts endpoint", s.STS.Endpoint)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestOwnerCheck(t *testing.T) {
	cases := []struct {
		owner, uid int
		known      bool
		mode       os.FileMode
		want       string
	}{
		{1000, 1000, true, 0o700, ""},
		{1000, 1000, true, 0o755, ""},
		{1000, 1000, true, 0o775, "writable by other users"},
		{0, 1000, true, 0o700, "belongs to another user (uid 0, you are 1000)"},
		{1000, 0, true, 0o700, "belongs to another user"},
		{0, 1000, false, 0o600, ""},
	}
	for _, c := range cases {
		err := ownerCheck("ramsso home", "/h", c.owner, c.uid, c.known, c.mode)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ownerCheck(%d, %d, %v, %v) = %v, want %q", c.owner, c.uid, c.known, c.mode, err, c.want)
		}
	}
}

// TestHomeOfAnotherUserRefused is issue 8's reproduction: a RAMSSO_HOME
// made by another user (the README's /tmp/ramsso-demo/home pattern) had
// its settings — STS endpoint, proxy — trusted. The victim runs as nobody;
// the home and its settings belong to root and are readable by all.
func TestHomeOfAnotherUserRefused(t *testing.T) {
	base, bin := asuser.Binary(t, "config.test")
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, SettingsFile), []byte(`{"sts":{"endpoint":"http://127.0.0.1:9/evil"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got := asuser.Run(t, bin, asuser.Nobody, envOwnerChild+"="+home)
	if !strings.HasPrefix(got, "REFUSED home:") || !strings.Contains(got, "belongs to another user") {
		t.Fatalf("nobody with root's home: %q", got)
	}
	// A home of nobody's own with a settings file root planted: refused too.
	own := filepath.Join(base, "own")
	if err := os.Mkdir(own, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, SettingsFile), []byte(`{"proxy":"http://evil.example:3128"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, asuser.Nobody, asuser.Nobody); err != nil {
		t.Fatal(err)
	}
	got = asuser.Run(t, bin, asuser.Nobody, envOwnerChild+"="+own)
	if !strings.HasPrefix(got, "REFUSED settings:") || !strings.Contains(got, "belongs to another user") {
		t.Fatalf("nobody with a settings file of root's: %q", got)
	}
	// Control: nobody's own home and settings are trusted.
	if err := os.Chown(filepath.Join(own, SettingsFile), asuser.Nobody, asuser.Nobody); err != nil {
		t.Fatal(err)
	}
	if got = asuser.Run(t, bin, asuser.Nobody, envOwnerChild+"="+own); !strings.HasPrefix(got, "TRUSTED") {
		t.Fatalf("nobody's own home: %q", got)
	}
}

func TestReadStateFileRefusesOthersWritable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadStateFile(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadStateFile(p); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("world-writable state file: %v", err)
	}
}

func TestBinaryCheck(t *testing.T) {
	cases := []struct {
		owner int
		mode  os.FileMode
		dir   bool
		want  string
	}{
		{1000, 0o755, false, ""},
		{0, 0o755, false, ""},
		{0, 0o755, true, ""},
		{1000, 0o775, false, "writable by other users"},
		{1000, 0o757, true, "writable by other users"},
		{1001, 0o755, false, "belongs to another user (uid 1001)"},
	}
	for _, c := range cases {
		err := binaryCheck("/p", c.owner, 1000, true, c.mode, c.dir)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("binaryCheck(%d, %v, %v) = %v, want %q", c.owner, c.mode, c.dir, err, c.want)
		}
	}
}

// TestCheckExecutableAsUser runs the check as nobody: a host binary of a
// third user's, or one in a directory others can write, is refused; root's
// (a system package) is accepted.
func TestCheckExecutableAsUser(t *testing.T) {
	base, bin := asuser.Binary(t, "config.test")
	write := func(dir string, dirMode os.FileMode, owner int) string {
		d := filepath.Join(base, dir)
		if err := os.Mkdir(d, dirMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, dirMode); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "ramsso-host")
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, owner, owner); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, path, want string
	}{
		{"root's", write("sys", 0o755, 0), "OK"},
		{"a third user's", write("third", 0o755, 12345), "REFUSED binary"},
		{"in an open directory", write("open", 0o777, asuser.Nobody), "REFUSED directory"},
	} {
		if got := asuser.Run(t, bin, asuser.Nobody, envBinaryChild+"="+c.path); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %s", c.name, got, c.want)
		}
	}
}
