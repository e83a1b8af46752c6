//go:build windows

package aliyuncfg

import "testing"

func execChild(t *testing.T, path string) { t.Skip("the killed-writer test uses POSIX signals") }
