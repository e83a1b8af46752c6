//go:build !linux

package resident

import "os/exec"

// dieWithParent: elsewhere the window process exits when its stdin (the
// resident's end of the pipe) closes, which also happens when the
// resident dies.
func dieWithParent(*exec.Cmd) {}
