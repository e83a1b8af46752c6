package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNoFyne: the resident tray must stay small while it waits, so it
// never links Fyne (only ramsso-tray-ui does) and builds without cgo.
func TestLinksNoFyne(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/fyne/") || strings.HasPrefix(dep, "github.com/go-gl/") {
			t.Errorf("ramsso-tray links %s", dep)
		}
	}
	if !strings.Contains(string(out), "fyne.io/systray") {
		t.Error("ramsso-tray does not link fyne.io/systray: the deps check would prove nothing")
	}
}
