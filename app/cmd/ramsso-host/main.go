// Command ramsso-host is the native messaging host (com.ramsso.host) the
// ramsso browser extension starts.
package main

import (
	"os"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/version"
)

func main() {
	// The framed replies are the only thing allowed on stdout: keep the real
	// stdout for them and point os.Stdout at stderr so no library can
	// corrupt the framing.
	out := os.Stdout
	os.Stdout = os.Stderr
	if err := host.Serve(os.Stdin, out, version.Version); err != nil {
		os.Exit(1)
	}
}
