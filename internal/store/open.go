package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ramsso/ramsso/internal/config"
)

// Open opens the session store under home. kind is KindKeyring, KindFile
// or "" (the keyring, unless a fallback is recorded); resolving the flag,
// RAMSSO_STORE and the settings into kind is the caller's job
// (config.Settings.StoreKind).
//
// For the keyring, Open first probes it, every call bounded: the first
// time for a home with a write, read and delete of a throw-away item
// (remembered in home/store-keyring-ok), later with a read only, because
// a Secret Service write costs tens of milliseconds (the keyring file is
// rewritten) and `ramsso process` runs on every SDK refresh; the read
// still goes through the unlock that hangs on a locked keyring, and a
// failing write later is reported by Put. When no keyring answers it records the fallback
// in home/store-fallback, so every later process uses the same file store
// without probing, and opens the file store; the process that records the
// fallback gets a Notice to print once. ClearFallback undoes it.
//
// When home does not exist yet, Open creates nothing: it returns a store
// that holds no sessions and opens the real one (creating home, probing
// the keyring) on the first Put, so a command that fails or only reads
// leaves no trace.
func Open(ctx context.Context, home, kind string) (Store, error) {
	switch kind {
	case KindFile, KindKeyring, "":
	default:
		return nil, fmt.Errorf("unknown session store %q: use %q or %q", kind, KindKeyring, KindFile)
	}
	if st := openIfMissing(home, kind); st != nil {
		return st, nil
	}
	return openExisting(ctx, home, kind)
}

// openExisting is Open for a home that exists or may be created now.
func openExisting(ctx context.Context, home, kind string) (Store, error) {
	if err := config.EnsureHome(home); err != nil {
		return nil, err
	}
	if kind == KindFile {
		return &fileStore{home: home}, nil
	}
	if _, ok, err := Fallback(home); err != nil {
		return nil, err
	} else if ok {
		return &fileStore{home: home}, nil
	}
	ks := &keyringStore{home: home, kr: newKeyring(), timeout: keyringTimeout, chunk: chunkSize}
	okPath := filepath.Join(home, keyringOKFile)
	_, statErr := os.Stat(okPath)
	verified := statErr == nil
	perr := ks.probe(ctx, !verified)
	if perr == nil {
		if !verified {
			// Best effort: without the marker the next Open probes fully again.
			_ = os.WriteFile(okPath, []byte("the OS keyring answered a write, read and delete probe\n"), 0o600)
		}
		return ks, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("opening the session store: %w", ctx.Err())
	}
	fst := &fileStore{home: home}
	created, err := recordFallback(home, reasonOf(perr))
	if err != nil {
		return nil, err
	}
	if created {
		fst.notice = fmt.Sprintf("ramsso: no OS keyring answered (%s); sessions are kept in %s (owner-only). Run \"ramsso doctor\" for help.",
			reasonOf(perr), fst.path())
	}
	return fst, nil
}

// keyringOKFile marks a home whose keyring passed a write probe.
const keyringOKFile = "store-keyring-ok"

// probe checks that the keyring answers, each call bounded: with write
// set, it writes, reads back and deletes a throw-away item; otherwise it
// only looks up an item that does not exist.
func (k *keyringStore) probe(ctx context.Context, write bool) error {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	user := fmt.Sprintf("probe-%d-%s", os.Getpid(), hex.EncodeToString(rnd[:]))
	if !write {
		_, err := k.get(ctx, user)
		if errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		if err == nil {
			return errors.New("the OS keyring returned a value for an item never stored")
		}
		return err
	}
	want := "ramsso-probe-" + hex.EncodeToString(rnd[:])
	if err := k.set(ctx, user, want); err != nil {
		return err
	}
	got, err := k.get(ctx, user)
	if err != nil {
		return err
	}
	if err := k.del(ctx, user); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	if got != want {
		return errors.New("the OS keyring returned another value than was stored")
	}
	return nil
}

// reasonOf shortens a probe failure for the notice.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrKeyringTimeout):
		return fmt.Sprintf("no answer within %s; it may be locked", keyringTimeout)
	default:
		r := err.Error()
		if i := strings.IndexByte(r, '\n'); i >= 0 {
			r = r[:i]
		}
		if len(r) > 200 {
			r = r[:200] + "..."
		}
		return r
	}
}

// recordFallback creates home/store-fallback unless it exists; created
// says this call made it (and so should tell the user).
func recordFallback(home, reason string) (created bool, err error) {
	path := filepath.Join(home, FallbackFile)
	data, err := json.MarshalIndent(fallbackRecord{Reason: reason, Since: time.Now().UTC().Truncate(time.Second)}, "", "  ")
	if err != nil {
		return false, err
	}
	tmp := filepath.Join(home, "."+FallbackFile+".tmp-"+fmt.Sprint(os.Getpid()))
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return false, fmt.Errorf("recording the keyring fallback: %w", err)
	}
	defer os.Remove(tmp)
	// A hard link appears whole or not at all and fails when another
	// process recorded first: exactly one process announces the fallback.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		// Filesystems without hard links: an exclusive create instead.
		f, cerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(cerr, fs.ErrExist) {
			return false, nil
		}
		if cerr != nil {
			return false, fmt.Errorf("recording the keyring fallback: %w", cerr)
		}
		_, werr := f.Write(append(data, '\n'))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return false, fmt.Errorf("recording the keyring fallback: %w", werr)
		}
	}
	return true, nil
}

// Fallback reports whether a keyring fallback is recorded under home, and
// why. For ramsso doctor.
func Fallback(home string) (reason string, recorded bool, err error) {
	data, err := config.ReadStateFile(filepath.Join(home, FallbackFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading the keyring fallback record: %w", err)
	}
	var rec fallbackRecord
	if json.Unmarshal(data, &rec) != nil || rec.Reason == "" {
		rec.Reason = "recorded earlier"
	}
	return rec.Reason, true, nil
}

// ClearFallback forgets a recorded keyring fallback, so the next Open
// probes the keyring again, fully. Sessions already in the file store stay there.
func ClearFallback(home string) error {
	for _, name := range []string{FallbackFile, keyringOKFile} {
		err := os.Remove(filepath.Join(home, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clearing the keyring fallback: %w", err)
		}
	}
	return nil
}

// Notice returns what the user must be told about st once, or "": it is
// set only when this Open switched to the file store because no keyring
// answered.
func Notice(st Store) string {
	if n, ok := st.(interface{ noticeText() string }); ok {
		return n.noticeText()
	}
	return ""
}
