//go:build !windows

package aliyuncfg

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lock takes the same lock credentials-go takes before it writes
// config.json back (flock(2) LOCK_EX on the file itself). Writers replace
// the file by rename, so after locking, the locked inode must still be the
// one at path; otherwise the lock is on a file that is gone and is taken
// again.
func lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("locking aliyun CLI config: %w", err)
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if err == nil {
				break
			}
			if err != unix.EWOULDBLOCK && err != unix.EINTR {
				f.Close()
				return nil, fmt.Errorf("locking aliyun CLI config %s: %w", path, err)
			}
			if time.Now().After(deadline) {
				f.Close()
				return nil, fmt.Errorf("another program has held the lock on %s for over %s: try again", path, wait)
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil, fmt.Errorf("waiting for the aliyun CLI config lock: %w", ctx.Err())
			case <-time.After(2 * time.Millisecond):
			}
		}
		var held, now unix.Stat_t
		if unix.Fstat(int(f.Fd()), &held) == nil && unix.Stat(path, &now) == nil && held.Ino == now.Ino && held.Dev == now.Dev {
			return func() {
				_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		// Replaced while we waited: lock the new file.
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}
}
