package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sync"
)

// lazyStore stands for the store of a RAMSSO_HOME that does not exist yet.
// Such a home holds no session (the metadata of both stores lives there),
// so reads answer "none" without creating anything; the first write opens
// the real store, creating the home. A command that fails — or only
// reads — therefore leaves no home, lock file or fallback record behind.
type lazyStore struct {
	home, kind string
	open       func(ctx context.Context, home, kind string) (Store, error)

	mu    sync.Mutex
	inner Store
}

// openIfMissing returns a lazyStore when home does not exist, else nil.
func openIfMissing(home, kind string) Store {
	if _, err := os.Stat(home); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return &lazyStore{home: home, kind: kind, open: openExisting}
}

func (l *lazyStore) real(ctx context.Context) (Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner == nil {
		st, err := l.open(ctx, l.home, l.kind)
		if err != nil {
			return nil, err
		}
		l.inner = st
	}
	return l.inner, nil
}

// current is the real store once opened, else nil.
func (l *lazyStore) current() Store {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inner
}

// Put opens the real store (creating the home) and writes s.
func (l *lazyStore) Put(ctx context.Context, s Session) error {
	st, err := l.real(ctx)
	if err != nil {
		return err
	}
	return st.Put(ctx, s)
}

// Get finds nothing until something was written.
func (l *lazyStore) Get(ctx context.Context, profile string) (*Session, error) {
	if st := l.current(); st != nil {
		return st.Get(ctx, profile)
	}
	return nil, ErrNotFound
}

// List lists nothing until something was written.
func (l *lazyStore) List(ctx context.Context) ([]Session, error) {
	if st := l.current(); st != nil {
		return st.List(ctx)
	}
	return nil, nil
}

// Delete finds nothing until something was written.
func (l *lazyStore) Delete(ctx context.Context, profile string) error {
	if st := l.current(); st != nil {
		return st.Delete(ctx, profile)
	}
	return ErrNotFound
}

// Kind is the real store's kind once opened, else the one asked for.
func (l *lazyStore) Kind() string {
	if st := l.current(); st != nil {
		return st.Kind()
	}
	if l.kind == KindFile {
		return KindFile
	}
	return KindKeyring
}

// noticeText passes on the real store's notice once it is open.
func (l *lazyStore) noticeText() string {
	if st := l.current(); st != nil {
		return Notice(st)
	}
	return ""
}
