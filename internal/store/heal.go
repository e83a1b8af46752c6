package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// HealInterval is the least time between two attempts to leave the file
// store for the keyring again: a locked keyring costs a bounded wait of
// keyringTimeout, which a user should not pay on every command.
const HealInterval = 10 * time.Minute

// healAttemptFile records when Heal last tried the keyring (its mtime).
const healAttemptFile = "store-heal-attempt"

// secretServiceReachable reports whether a Secret Service could answer
// now (on Linux: org.freedesktop.secrets has an owner on the session bus
// or is activatable). It asks no keyring question and never blocks long.
var secretServiceReachable = secretServiceUp

// HealResult says what Heal did.
type HealResult struct {
	// Tried is set when the keyring was probed.
	Tried bool
	// Healed is set when the keyring answered and the fallback was cleared.
	Healed bool
	// Moved is how many sessions went back from the file store.
	Moved int
	// Why is a one-line reason when nothing was tried or the probe failed.
	Why string
}

// Heal undoes a recorded keyring fallback once the keyring works again.
// It is cheap when there is nothing to do, and otherwise rate-limited
// (HealInterval) and only tried when the Secret Service is reachable at all,
// so callers on a hot path (`ramsso process`, a credentials-URI request)
// must still not call it: run it from commands a person types, the tray's
// timers and the host's capture. When the keyring answers a write probe,
// every session in the file store is moved into it (then removed from the
// file), and the fallback record is cleared, so every process uses the
// keyring again.
func Heal(ctx context.Context, home string, now time.Time) (HealResult, error) {
	if _, recorded, err := Fallback(home); err != nil || !recorded {
		return HealResult{}, err
	}
	attempt := filepath.Join(home, healAttemptFile)
	if fi, err := os.Stat(attempt); err == nil && now.Sub(fi.ModTime()) < HealInterval && now.After(fi.ModTime()) {
		return HealResult{Why: "tried less than " + HealInterval.String() + " ago"}, nil
	}
	if err := secretServiceReachable(ctx); err != nil {
		return HealResult{Why: err.Error()}, nil
	}
	if err := config.WriteFileAtomic(attempt, []byte(now.UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		return HealResult{}, fmt.Errorf("recording the keyring retry: %w", err)
	}
	_ = os.Chtimes(attempt, now, now)
	ks := &keyringStore{home: home, kr: newKeyring(), timeout: keyringTimeout, chunk: chunkSize}
	if err := ks.probe(ctx, true); err != nil {
		return HealResult{Tried: true, Why: reasonOf(err)}, nil
	}
	res := HealResult{Tried: true, Healed: true}
	fs := &fileStore{home: home}
	list, err := fs.List(ctx)
	if err != nil {
		return res, fmt.Errorf("moving sessions back to the keyring: %w", err)
	}
	for _, m := range list {
		s, err := fs.Get(ctx, m.Profile)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("moving %s back to the keyring: %w", m.Profile, err)
		}
		if err := ks.Put(ctx, *s); err != nil {
			return res, fmt.Errorf("moving %s back to the keyring: %w", m.Profile, err)
		}
		if err := fs.Delete(ctx, m.Profile); err != nil && !errors.Is(err, ErrNotFound) {
			return res, fmt.Errorf("removing %s from the file store after moving it: %w", m.Profile, err)
		}
		res.Moved++
	}
	if err := ClearFallback(home); err != nil {
		return res, err
	}
	_ = os.Remove(attempt)
	_ = os.WriteFile(filepath.Join(home, keyringOKFile), []byte("the OS keyring answered a write, read and delete probe\n"), 0o600)
	return res, nil
}

// FileStoreInUse says whether the sessions under home are in the file
// store because the keyring did not answer, why, and since when — for
// `ramsso doctor` and the tray.
func FileStoreInUse(home string) (reason string, since time.Time, inUse bool) {
	data, err := os.ReadFile(filepath.Join(home, FallbackFile))
	if err != nil {
		return "", time.Time{}, false
	}
	var rec fallbackRecord
	if json.Unmarshal(data, &rec) != nil || rec.Reason == "" {
		rec.Reason = "recorded earlier"
	}
	return rec.Reason, rec.Since, true
}

// SecretServiceReachable reports, without asking the keyring anything,
// whether a Secret Service could answer now; nil means yes. For doctor.
func SecretServiceReachable(ctx context.Context) error { return secretServiceReachable(ctx) }
