//go:build !windows

package aliyuncfg

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
)

// execChild starts this test binary as a writer that stops before its
// rename, waits until it is there, and kills it.
func execChild(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashProcessKilled$")
	cmd.Env = append(os.Environ(), "ALIYUNCFG_CRASH_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("child said %q", line)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
