//go:build windows

package asuser

import "os/exec"

func supported() bool { return false }

func setUser(*exec.Cmd, uint32) {}
