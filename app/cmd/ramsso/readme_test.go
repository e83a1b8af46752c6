package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeSection returns the shell code of every ```sh block in the
// README section that starts with heading, in order.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no %q section", heading)
	}
	text = text[i+len(heading)+2:]
	if j := strings.Index(text, "\n## "); j >= 0 {
		text = text[:j]
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1)
	if len(blocks) < 2 {
		t.Fatalf("README.md's %q section has %d sh blocks, want the demo and the fresh-response ones", heading, len(blocks))
	}
	var code []string
	for _, b := range blocks {
		code = append(code, b[1])
	}
	return strings.Join(code, "\n")
}

// TestReadmeTryIt runs every command of the README's "Try it without an
// Alibaba Cloud account" section as written, in order, with the real
// ramsso binary — only the demo directory and the port are moved to
// private ones so parallel runs do not collide, and `make build-cli` is the
// build this test already did. It fails when the README drifts from what
// the commands do.
func TestReadmeTryIt(t *testing.T) {
	script := readmeSection(t, "## Try it without an Alibaba Cloud account")
	work := t.TempDir()
	bin := filepath.Join(work, "bin", "ramsso")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	demo := filepath.Join(work, "demo")
	moved := strings.ReplaceAll(strings.ReplaceAll(script, "/tmp/ramsso-demo", demo), "127.0.0.1:8080", addr)
	if rest := strings.ReplaceAll(strings.ReplaceAll(script, "/tmp/ramsso-demo", ""), "127.0.0.1:8080", ""); strings.Contains(rest, "8080") || strings.Contains(rest, "/tmp/") {
		t.Fatalf("the README uses another port or /tmp path than the ones this test moves:\n%s", script)
	}
	script = moved
	full := "set -e -o pipefail\n" +
		"trap 'kill $(jobs -p) 2>/dev/null' EXIT\n" +
		"make() { [ \"$*\" = build-cli ] || { echo \"unexpected make $*\" >&2; return 1; }; }\n" +
		script
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", full)
	cmd.Dir = work
	// A fresh user: no keyring session bus (ramsso falls back to the file
	// store and says so), no RAMSSO_* from the developer's shell.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "RAMSSO_NO_BROWSER=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID=", // exec … | grep ALIBABA_CLOUD
		`"mode": "StsToken"`,           // process
		"1234567890123456-admin",       // list
		"1234567890123456-readonly",    // the fresh response's assume
		"/federation?Action=Login",     // console --print
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
