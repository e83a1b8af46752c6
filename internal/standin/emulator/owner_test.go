package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/testutil/asuser"
)

const envInitChild = "RAMSSO_EMULATOR_TEST_INIT"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envInitChild); dir != "" {
		if _, _, err := InitDemo(dir); err != nil {
			fmt.Println("REFUSED", err)
		} else {
			fmt.Println("WROTE")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestInitDemoRefusesOthersDir: `emulator --init DIR` on a DIR another
// user made (and left open) would use their IdP key and config. The user
// runs as nobody; DIR belongs to root.
func TestInitDemoRefusesOthersDir(t *testing.T) {
	base, bin := asuser.Binary(t, "emulator.test")
	dir := filepath.Join(base, "demo")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	got := asuser.Run(t, bin, asuser.Nobody, envInitChild+"="+dir)
	if !strings.HasPrefix(got, "REFUSED") || !strings.Contains(got, "belongs to another user") {
		t.Fatalf("nobody's --init into root's directory: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
	// Control: a new directory of nobody's own, in a shared (sticky) one.
	pub := filepath.Join(base, "pub")
	if err := os.Mkdir(pub, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(pub, 0o1777); err != nil {
		t.Fatal(err)
	}
	if got := asuser.Run(t, bin, asuser.Nobody, envInitChild+"="+filepath.Join(pub, "mine")); got != "WROTE" {
		t.Fatalf("nobody's own directory: %q", got)
	}
}
