package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// ramssoBinary builds the real ramsso command once per test run.
var ramssoBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ramsso-pty-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ramsso")
	build := exec.Command("go", "build", "-o", bin, "../cmd/ramsso")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})
