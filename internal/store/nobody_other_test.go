//go:build !unix

package store

import "syscall"

// nobody is never reached off unix (the test skips first).
func nobody() *syscall.SysProcAttr { return nil }
