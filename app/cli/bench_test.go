package cli

import (
	"os"
	"os/exec"
	"testing"
)

// BenchmarkProcessCommand runs `ramsso process` as a whole process (this
// test binary acting as ramsso) against the file store, or the keyring
// store when RAMSSO_TEST_KEYRING=1 (run it under scripts/with-keyring.sh).
func BenchmarkProcessCommand(b *testing.B) {
	for _, kind := range []string{"file", "keyring"} {
		b.Run(kind, func(b *testing.B) {
			if kind == "keyring" && os.Getenv("RAMSSO_TEST_KEYRING") != "1" {
				b.Skip("needs a Secret Service: run under scripts/with-keyring.sh")
			}
			w := newWorld(b)
			w.env["RAMSSO_STORE"] = kind
			w.env["RAMSSO_HOME"] = b.TempDir()
			r := w.run("assume", "--saml", w.response(w.roles(roleValue(roleAdmin, provider))))
			if r.code != 0 {
				b.Fatalf("assume: %s", r.stderr)
			}
			exe, _ := os.Executable()
			env := append(os.Environ(), "RAMSSO_CLI_TEST_MAIN=1", "RAMSSO_HOME="+w.env["RAMSSO_HOME"], "RAMSSO_STORE="+kind)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(exe, "process", acct1+"-admin")
				cmd.Env = env
				if out, err := cmd.Output(); err != nil || len(out) == 0 {
					b.Fatalf("process: %v", err)
				}
			}
		})
	}
}

// BenchmarkAssume measures `ramsso assume` in-process against the local
// STS emulator: decode, role choice, the HTTP exchange and the store write.
func BenchmarkAssume(b *testing.B) {
	w := newWorld(b)
	w.env["RAMSSO_HOME"] = b.TempDir()
	file := w.response(w.roles(roleValue(roleAdmin, provider)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := w.run("assume", "--saml", file); r.code != 0 {
			b.Fatalf("assume: %s", r.stderr)
		}
	}
}
