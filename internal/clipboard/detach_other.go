//go:build !unix

package clipboard

import "os/exec"

// detach: there is no X11 or Wayland clipboard off Unix; nothing to do.
func detach(*exec.Cmd) {}
