//go:build !cgo && !ci

// Command ramsso-tray-ui is the tray's window process. It links Fyne,
// which needs cgo: this stand-in, built with CGO_ENABLED=0, only says so
// (so that `go vet ./...` and cgo-free builds of the module still work).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "ramsso-tray-ui: this build has no windows (built without cgo): build it with `make build-tray`")
	os.Exit(1)
}
