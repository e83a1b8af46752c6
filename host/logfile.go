package host

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// LogFile is the host's log file name under RAMSSO_HOME.
const LogFile = "host.log"

// DefaultLogLimit is the size at which the log is rotated (one old file,
// host.log.1, is kept).
const DefaultLogLimit = 1 << 20

// RotatingFile is an owner-only append-only log file rotated at Limit
// bytes, keeping one old file. It is safe for concurrent use.
type RotatingFile struct {
	Path  string
	Limit int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenLog opens (creating owner-only) path for appending.
func OpenLog(path string, limit int64) (*RotatingFile, error) {
	if limit <= 0 {
		limit = DefaultLogLimit
	}
	r := &RotatingFile{Path: path, Limit: limit}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) open() error {
	if err := os.MkdirAll(filepath.Dir(r.Path), 0o700); err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(r.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	_ = f.Chmod(0o600) // an older file may have a wider mode
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log: %w", err)
	}
	r.f, r.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when p would cross the limit.
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.Limit {
		r.f.Close()
		_ = os.Rename(r.Path, r.Path+".1")
		if err := r.open(); err != nil {
			r.f = nil
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// Close closes the file.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
