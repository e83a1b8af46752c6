//go:build windows

package aliyuncfg

import (
	"context"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// lock takes a lock on a sidecar file: on Windows a file locked open
// cannot be replaced by rename, so config.json itself is not locked.
func lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	return config.LockFile(ctx, path+".lock", false, wait)
}
