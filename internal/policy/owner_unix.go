//go:build !windows

package policy

import (
	"fmt"
	"os"
	"syscall"
)

// checkOwner refuses a system policy that someone other than root could
// have written: owned by another user, or writable by group or others.
func checkOwner(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("admin policy %s: %w", path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("admin policy %s is owned by uid %d with mode %v: it must be root's and writable by no one else (chown root:root, chmod 644)", path, st.Uid, fi.Mode().Perm())
	}
	return nil
}
