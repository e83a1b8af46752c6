package localapi

import (
	"fmt"
	"path/filepath"

	"github.com/gofrs/flock"
	"github.com/ramsso/ramsso/internal/config"
)

// AcquireInstance takes the tray's single-instance lock for home without
// waiting. It returns ErrAlreadyRunning when another tray holds it; the
// lock is released by the returned function or when the process ends.
func AcquireInstance(home string) (release func(), err error) {
	if err := config.EnsureHome(home); err != nil {
		return nil, err
	}
	path := filepath.Join(home, LockName)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		return nil, ErrAlreadyRunning
	}
	return func() { _ = fl.Unlock() }, nil
}
