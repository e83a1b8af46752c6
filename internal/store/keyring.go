package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"

	"github.com/ramsso/ramsso/internal/creds"
)

// keyringService is the service name of every ramsso keyring item.
var keyringService = "ramsso"

// keyringTimeout bounds every single keyring call.
var keyringTimeout = 5 * time.Second

// ErrKeyringTimeout says a keyring call did not return in time.
var ErrKeyringTimeout = errors.New("the OS keyring did not answer")

// chunkSize is the largest value ramsso puts in one keyring item. Windows
// refuses passwords over 2560 bytes; go-keyring on macOS base64-encodes
// the value into a 4096-byte command line with the service and account, so
// about 2.9 KB of raw value fit there. Secret Service has no small limit,
// but every platform goes through the same split so the logic is one.
var chunkSize = func() int {
	switch runtime.GOOS {
	case "windows":
		return 2400
	case "darwin":
		return 2000
	}
	return 8192
}()

// headerReserve is the room kept in the head item for its header.
const headerReserve = 100

// headerMagic starts the head item's value.
const headerMagic = "ramsso1"

// keyringAPI is the part of go-keyring ramsso uses; tests swap it.
type keyringAPI interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// osKeyring is the real OS keyring through go-keyring.
type osKeyring struct{}

func (osKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// newKeyring returns the keyring Open uses.
var newKeyring = func() keyringAPI { return osKeyring{} }

// keyringStore keeps secrets in the OS keyring and metadata in sessions.json.
type keyringStore struct {
	home    string
	kr      keyringAPI
	timeout time.Duration
	chunk   int
}

// Kind implements Store.
func (k *keyringStore) Kind() string { return KindKeyring }

func (k *keyringStore) noticeText() string { return "" }

func (k *keyringStore) metaPath() string { return filepath.Join(k.home, SessionsFile) }

// call runs fn in a goroutine and waits at most the keyring timeout:
// go-keyring can block forever on a locked Secret Service. A call that
// times out is abandoned (its goroutine may finish later).
func (k *keyringStore) call(ctx context.Context, what string, fn func() error) error {
	return boundedCall(ctx, k.timeout, what, fn)
}

func boundedCall(ctx context.Context, timeout time.Duration, what string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%w within %s (%s): it may be locked or waiting for a prompt; unlock it, or set RAMSSO_STORE=file: %w",
			ErrKeyringTimeout, timeout, what, context.DeadlineExceeded)
	case <-ctx.Done():
		return fmt.Errorf("keyring %s: %w", what, ctx.Err())
	}
}

func (k *keyringStore) get(ctx context.Context, user string) (string, error) {
	var v string
	err := k.call(ctx, "reading "+user, func() error {
		var err error
		v, err = k.kr.Get(keyringService, user)
		return err
	})
	return v, err
}

func (k *keyringStore) set(ctx context.Context, user, value string) error {
	return k.call(ctx, "writing "+user, func() error { return k.kr.Set(keyringService, user, value) })
}

func (k *keyringStore) del(ctx context.Context, user string) error {
	return k.call(ctx, "deleting "+user, func() error { return k.kr.Delete(keyringService, user) })
}

// chunkName names part i of profile's secret; part 0 is the profile itself.
func chunkName(profile string, i int) string {
	if i == 0 {
		return profile
	}
	return profile + "#" + strconv.Itoa(i)
}

// splitSecret splits blob into keyring item values of at most size bytes,
// cutting only between UTF-8 characters. The first value starts with a
// header recording the part count, total length and SHA-256, so a reader
// can tell a whole secret from a partial one.
func splitSecret(blob string, size int) []string {
	first := size - headerReserve
	if first < 1 || size < 1 {
		panic("store: chunk size too small")
	}
	var parts []string
	rest := blob
	limit := first
	for len(rest) > 0 || len(parts) == 0 {
		n := min(limit, len(rest))
		for n < len(rest) && n > 0 && !utf8.RuneStart(rest[n]) {
			n--
		}
		parts = append(parts, rest[:n])
		rest = rest[n:]
		limit = size
	}
	sum := sha256.Sum256([]byte(blob))
	header := fmt.Sprintf("%s:%d:%d:%s:", headerMagic, len(parts), len(blob), hex.EncodeToString(sum[:]))
	parts[0] = header + parts[0]
	return parts
}

// header is the parsed head of a split secret.
type header struct {
	parts  int
	length int
	sum    string
	first  string // the head item's share of the secret
}

// parseHeader reads a head item's value.
func parseHeader(v string) (header, error) {
	f := strings.SplitN(v, ":", 5)
	if len(f) != 5 || f[0] != headerMagic {
		return header{}, errors.New("not written by this version of ramsso")
	}
	n, err1 := strconv.Atoi(f[1])
	l, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || n < 1 || n > 10000 || l < 0 || len(f[3]) != 64 {
		return header{}, errors.New("damaged header")
	}
	return header{parts: n, length: l, sum: f[3], first: f[4]}, nil
}

// readSecret reads and verifies profile's split secret.
func (k *keyringStore) readSecret(ctx context.Context, profile string) (string, header, error) {
	head, err := k.get(ctx, chunkName(profile, 0))
	if err != nil {
		return "", header{}, err
	}
	h, err := parseHeader(head)
	if err != nil {
		return "", header{}, fmt.Errorf("keyring item %s/%s: %w", keyringService, profile, err)
	}
	var b strings.Builder
	b.Grow(h.length)
	b.WriteString(h.first)
	for i := 1; i < h.parts; i++ {
		part, err := k.get(ctx, chunkName(profile, i))
		if errors.Is(err, keyring.ErrNotFound) {
			return "", h, fmt.Errorf("keyring item %s/%s is missing (part %d of %d)", keyringService, chunkName(profile, i), i+1, h.parts)
		}
		if err != nil {
			return "", h, err
		}
		b.WriteString(part)
	}
	blob := b.String()
	sum := sha256.Sum256([]byte(blob))
	if len(blob) != h.length || hex.EncodeToString(sum[:]) != h.sum {
		return "", h, fmt.Errorf("keyring items %s/%s#* do not add up to the secret that was written (changed outside ramsso?)", keyringService, profile)
	}
	return blob, h, nil
}

func (k *keyringStore) loadMeta() (*metaDB, error) {
	db := &metaDB{}
	if err := readJSON(k.metaPath(), db); err != nil {
		return nil, err
	}
	if db.Sessions == nil {
		db.Sessions = map[string]Session{}
	}
	db.Version = dbVersion
	return db, nil
}

// Put implements Store: the secret's parts, the removal of parts an older,
// longer secret left, and the metadata all happen under one lock.
func (k *keyringStore) Put(ctx context.Context, s Session) error {
	if err := ValidateProfile(s.Profile); err != nil {
		return err
	}
	blob, err := json.Marshal(s.Credentials)
	if err != nil {
		return fmt.Errorf("encoding credentials: %w", err)
	}
	unlock, err := lock(ctx, k.home, false)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := k.loadMeta()
	if err != nil {
		return err
	}
	oldParts := 0
	if head, err := k.get(ctx, s.Profile); err == nil {
		if h, herr := parseHeader(head); herr == nil {
			oldParts = h.parts
		}
	} else if !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("saving session %s: %w", s.Profile, err)
	}
	parts := splitSecret(string(blob), k.chunk)
	// Tail parts first and the head last: until the head changes, a reader
	// without the lock still sees the old count.
	for i := len(parts) - 1; i >= 0; i-- {
		if err := k.set(ctx, chunkName(s.Profile, i), parts[i]); err != nil {
			return fmt.Errorf("saving session %s in the OS keyring: %w", s.Profile, err)
		}
	}
	for i := len(parts); i < oldParts; i++ {
		if err := k.del(ctx, chunkName(s.Profile, i)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("saving session %s: removing an old part: %w", s.Profile, err)
		}
	}
	meta := s
	meta.Credentials = credsZero
	db.Sessions[s.Profile] = meta
	if err := writeJSON(k.metaPath(), db); err != nil {
		return fmt.Errorf("saving session %s: %w", s.Profile, err)
	}
	return nil
}

// Get implements Store.
func (k *keyringStore) Get(ctx context.Context, profile string) (*Session, error) {
	if err := ValidateProfile(profile); err != nil {
		return nil, err
	}
	unlock, err := lock(ctx, k.home, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := k.loadMeta()
	if err != nil {
		return nil, err
	}
	meta, ok := db.Sessions[profile]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w", profile, ErrNotFound)
	}
	blob, _, err := k.readSecret(ctx, profile)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("profile %s: its secrets are gone from the OS keyring (removed outside ramsso?); log in again: %w", profile, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading session %s: %w", profile, err)
	}
	var c creds.Credentials
	if err := json.Unmarshal([]byte(blob), &c); err != nil {
		return nil, fmt.Errorf("reading session %s: the keyring item is not ramsso credentials", profile)
	}
	meta.Profile = profile
	meta.Credentials = c
	return &meta, nil
}

// List implements Store; it reads only the metadata, never the keyring.
func (k *keyringStore) List(ctx context.Context) ([]Session, error) {
	unlock, err := lock(ctx, k.home, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := k.loadMeta()
	if err != nil {
		return nil, err
	}
	return sortedSessions(db.Sessions, func(s Session) Session { return s }), nil
}

// Delete implements Store: every part and the metadata go under one lock.
func (k *keyringStore) Delete(ctx context.Context, profile string) error {
	if err := ValidateProfile(profile); err != nil {
		return err
	}
	unlock, err := lock(ctx, k.home, false)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := k.loadMeta()
	if err != nil {
		return err
	}
	_, hadMeta := db.Sessions[profile]
	parts := 1
	head, err := k.get(ctx, profile)
	switch {
	case err == nil:
		if h, herr := parseHeader(head); herr == nil {
			parts = h.parts
		}
	case errors.Is(err, keyring.ErrNotFound):
		if !hadMeta {
			return fmt.Errorf("profile %s: %w", profile, ErrNotFound)
		}
		parts = 0
	default:
		return fmt.Errorf("removing session %s: %w", profile, err)
	}
	// Parts from the last to the head, so an interrupted delete leaves a
	// head that still says how many parts to look for.
	for i := parts - 1; i >= 0; i-- {
		if err := k.del(ctx, chunkName(profile, i)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("removing session %s from the OS keyring: %w", profile, err)
		}
	}
	if hadMeta {
		delete(db.Sessions, profile)
		if err := writeJSON(k.metaPath(), db); err != nil {
			return fmt.Errorf("removing session %s: %w", profile, err)
		}
	}
	return nil
}
