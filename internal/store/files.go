package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// Files under RAMSSO_HOME.
const (
	// CredentialsFile holds every session, secrets included, for the file store.
	CredentialsFile = "credentials.json"
	// SessionsFile holds the keyring store's non-secret metadata.
	SessionsFile = "sessions.json"
	// FallbackFile records that no OS keyring answered.
	FallbackFile = "store-fallback"
	// LockFile serialises every session write across processes.
	LockFile = "store.lock"
)

// dbVersion is the format version of the JSON files above.
const dbVersion = 1

// lockWait bounds the wait for another process's store lock.
var lockWait = config.DefaultLockWait

// lock takes the store lock under home, shared for reads.
func lock(ctx context.Context, home string, shared bool) (func(), error) {
	unlock, err := config.LockFile(ctx, filepath.Join(home, LockFile), shared, lockWait)
	if err != nil {
		return nil, fmt.Errorf("session store: %w", err)
	}
	return unlock, nil
}

// readJSON decodes path into v; a missing file leaves v untouched.
func readJSON(path string, v any) error {
	data, err := config.ReadStateFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading sessions: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		// The JSON error never quotes values, so no secret leaks here.
		return fmt.Errorf("sessions file %s is damaged (%v): remove it and log in again", path, err)
	}
	return nil
}

// writeJSON writes v to path atomically, owner-only.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding sessions: %w", err)
	}
	return config.WriteFileAtomic(path, append(data, '\n'), 0o600)
}

// metaDB is the keyring store's sessions.json.
type metaDB struct {
	Version  int                `json:"version"`
	Sessions map[string]Session `json:"sessions"`
}

// sortedSessions returns m's sessions ordered by profile.
func sortedSessions[T any](m map[string]T, meta func(T) Session) []Session {
	out := make([]Session, 0, len(m))
	for _, v := range m {
		s := meta(v)
		s.Credentials = credsZero
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// fallbackRecord is the content of store-fallback.
type fallbackRecord struct {
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}
