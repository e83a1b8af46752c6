package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
)

// DefaultLockWait bounds how long LockFile waits for another process.
const DefaultLockWait = 10 * time.Second

// lockRetry is how often a contended lock is retried.
const lockRetry = 5 * time.Millisecond

// Home returns ramsso's home directory: $RAMSSO_HOME, else the OS user
// config directory + "/ramsso". It does not create it (see EnsureHome).
func Home() (string, error) { return HomeFrom(runtime.GOOS, os.Getenv) }

// EnsureHome creates home (and missing parents) owner-only (0700). An
// existing directory is accepted unless another user owns it (its settings
// — STS endpoint, proxy — would then be trusted) or it is writable by group
// or others, which would let another user swap ramsso's files: either is an
// error naming the fix. A directory that others can merely read is left alone; CheckHome
// reports it (ramsso doctor).
func EnsureHome(home string) error {
	if home == "" {
		return errors.New("ramsso home is empty")
	}
	fi, err := os.Stat(home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(home, 0o700); err != nil {
			return fmt.Errorf("creating ramsso home: %w", err)
		}
		// MkdirAll honours the umask, which can only remove bits; chmod
		// makes the mode exact whatever the umask.
		if err := os.Chmod(home, 0o700); err != nil {
			return fmt.Errorf("making ramsso home owner-only: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("ramsso home: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("ramsso home %s is not a directory: remove it or set %s", home, EnvHome)
	}
	if runtime.GOOS != "windows" {
		if owner, known := fileOwner(fi); known && owner != os.Getuid() {
			return ownerCheck("ramsso home", home, owner, os.Getuid(), known, fi.Mode())
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("ramsso home %s is writable by other users (mode %04o): run \"chmod 700 %s\"", home, fi.Mode().Perm(), home)
		}
	}
	return nil
}

// CheckHome reports (as an error) a home directory that other users can
// read, write or enter. It is for ramsso doctor; nil means owner-only or
// not yet created.
func CheckHome(home string) error {
	fi, err := os.Stat(home)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ramsso home: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("ramsso home %s is accessible by other users (mode %04o): run \"chmod 700 %s\"", home, fi.Mode().Perm(), home)
	}
	return nil
}

// LockFile takes an advisory lock on path (created 0600 if missing),
// exclusive or shared, waiting at most wait (DefaultLockWait when zero) or
// until ctx ends. The lock conflicts across processes and across
// goroutines of one process alike. Call the returned function to release it.
func LockFile(ctx context.Context, path string, shared bool, wait time.Duration) (unlock func(), err error) {
	if wait <= 0 {
		wait = DefaultLockWait
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var ok bool
	if shared {
		ok, err = fl.TryRLockContext(wctx, lockRetry)
	} else {
		ok, err = fl.TryLockContext(wctx, lockRetry)
	}
	if err != nil || !ok {
		_ = fl.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		}
		if errors.Is(err, context.DeadlineExceeded) || err == nil {
			return nil, fmt.Errorf("another ramsso process has held %s for over %s: try again, or find and stop the stuck ramsso process", path, wait)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { _ = fl.Close() }, nil
}

// WriteFileAtomic replaces path with data: it writes a temporary file in
// the same directory with mode perm, syncs it, renames it over path and
// syncs the directory, so readers see the old or the new file, never a
// torn one. The caller serialises concurrent writers (LockFile).
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if runtime.GOOS != "windows" {
		if err = f.Chmod(perm); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if runtime.GOOS != "windows" {
		if d, derr := os.Open(dir); derr == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return nil
}
