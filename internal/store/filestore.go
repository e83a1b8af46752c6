package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/ramsso/ramsso/internal/creds"
)

// credsZero is the empty credentials List reports.
var credsZero creds.Credentials

// fileStore keeps every session, secrets included, in one owner-only file.
// IsFile reports whether st keeps sessions in the plaintext file store
// (chosen, or the recorded keyring fallback), for the admin policy's
// forbidFileStore.
// A home that does not exist yet (a lazy store) counts by the kind asked
// for until its first write opens the real store.
func IsFile(st Store) bool {
	switch s := st.(type) {
	case *fileStore:
		return true
	case *lazyStore:
		if cur := s.current(); cur != nil {
			return IsFile(cur)
		}
		return s.kind == KindFile
	}
	return false
}

type fileStore struct {
	home   string
	notice string
}

// fileEntry is one session in credentials.json.
type fileEntry struct {
	Session
	Credentials creds.Credentials `json:"credentials"`
}

// fileDB is credentials.json.
type fileDB struct {
	Version  int                  `json:"version"`
	Sessions map[string]fileEntry `json:"sessions"`
}

func (f *fileStore) path() string { return filepath.Join(f.home, CredentialsFile) }

// Kind implements Store.
func (f *fileStore) Kind() string { return KindFile }

func (f *fileStore) noticeText() string { return f.notice }

func (f *fileStore) load() (*fileDB, error) {
	db := &fileDB{}
	if err := readJSON(f.path(), db); err != nil {
		return nil, err
	}
	if db.Sessions == nil {
		db.Sessions = map[string]fileEntry{}
	}
	db.Version = dbVersion
	return db, nil
}

// Put implements Store.
func (f *fileStore) Put(ctx context.Context, s Session) error {
	if err := ValidateProfile(s.Profile); err != nil {
		return err
	}
	unlock, err := lock(ctx, f.home, false)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := f.load()
	if err != nil {
		return err
	}
	e := fileEntry{Session: s, Credentials: s.Credentials}
	e.Session.Credentials = credsZero
	db.Sessions[s.Profile] = e
	if err := writeJSON(f.path(), db); err != nil {
		return fmt.Errorf("saving session %s: %w", s.Profile, err)
	}
	return nil
}

// Get implements Store.
func (f *fileStore) Get(ctx context.Context, profile string) (*Session, error) {
	if err := ValidateProfile(profile); err != nil {
		return nil, err
	}
	unlock, err := lock(ctx, f.home, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Decode only the wanted session: with many sessions this is several
	// times faster, and `ramsso process` calls Get on every SDK refresh.
	var db struct {
		Sessions map[string]json.RawMessage `json:"sessions"`
	}
	if err := readJSON(f.path(), &db); err != nil {
		return nil, err
	}
	raw, ok := db.Sessions[profile]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w", profile, ErrNotFound)
	}
	var e fileEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("sessions file %s is damaged (%v): remove it and log in again", f.path(), err)
	}
	s := e.Session
	s.Profile = profile
	s.Credentials = e.Credentials
	return &s, nil
}

// List implements Store.
func (f *fileStore) List(ctx context.Context) ([]Session, error) {
	unlock, err := lock(ctx, f.home, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := f.load()
	if err != nil {
		return nil, err
	}
	return sortedSessions(db.Sessions, func(e fileEntry) Session { return e.Session }), nil
}

// Delete implements Store.
func (f *fileStore) Delete(ctx context.Context, profile string) error {
	if err := ValidateProfile(profile); err != nil {
		return err
	}
	unlock, err := lock(ctx, f.home, false)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := f.load()
	if err != nil {
		return err
	}
	if _, ok := db.Sessions[profile]; !ok {
		return fmt.Errorf("profile %s: %w", profile, ErrNotFound)
	}
	delete(db.Sessions, profile)
	if err := writeJSON(f.path(), db); err != nil {
		return fmt.Errorf("removing session %s: %w", profile, err)
	}
	return nil
}
