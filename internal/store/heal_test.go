package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHealMovesSessionsBack: a keyring that timed out once (a locked
// keyring) put sessions in the file store for good; once the Secret
// Service is reachable and the keyring answers, Heal moves them back and
// clears the fallback, so the next Open uses the keyring.
func TestHealMovesSessionsBack(t *testing.T) {
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home")
	kr := newFake()
	kr.err = errors.New("the keyring is locked")
	useFake(t, kr)
	reachable := errors.New("no Secret Service")
	old := secretServiceReachable
	secretServiceReachable = func(context.Context) error { return reachable }
	t.Cleanup(func() { secretServiceReachable = old })

	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := Open(ctx, home, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind() != KindFile {
		t.Fatalf("kind %s, want the file fallback", st.Kind())
	}
	for _, p := range []string{"a", "b"} {
		if err := st.Put(ctx, session(p, p, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if reason, _, inUse := FileStoreInUse(home); !inUse || reason == "" {
		t.Fatalf("FileStoreInUse = %q, %v", reason, inUse)
	}

	now := time.Now()
	// No Secret Service: nothing is tried, the keyring is not called.
	calls := kr.numCalls()
	if res, err := Heal(ctx, home, now); err != nil || res.Tried {
		t.Fatalf("Heal without a Secret Service = %+v, %v", res, err)
	}
	if kr.numCalls() != calls {
		t.Errorf("Heal asked the keyring although no Secret Service is reachable")
	}
	// Reachable but still locked: tried once, then rate-limited.
	reachable = nil
	if res, _ := Heal(ctx, home, now); !res.Tried || res.Healed {
		t.Fatalf("Heal with a locked keyring = %+v", res)
	}
	calls = kr.numCalls()
	kr.mu.Lock()
	kr.err = nil
	kr.mu.Unlock()
	if res, _ := Heal(ctx, home, now.Add(time.Minute)); res.Tried || kr.numCalls() != calls {
		t.Fatalf("Heal within %s of the last try = %+v (keyring calls %d → %d)", HealInterval, res, calls, kr.numCalls())
	}
	// Later, the keyring answers: sessions move back.
	res, err := Heal(ctx, home, now.Add(HealInterval+time.Second))
	if err != nil || !res.Healed || res.Moved != 2 {
		t.Fatalf("Heal = %+v, %v; want healed with 2 sessions moved", res, err)
	}
	if _, _, inUse := FileStoreInUse(home); inUse {
		t.Error("the fallback is still recorded")
	}
	st, err = Open(ctx, home, "")
	if err != nil || st.Kind() != KindKeyring {
		t.Fatalf("Open after healing: %v, kind %v", err, st)
	}
	for _, p := range []string{"a", "b"} {
		s, err := st.Get(ctx, p)
		if err != nil || s.Credentials.AccessKeySecret == "" {
			t.Errorf("session %s in the keyring: %v", p, err)
		}
	}
	if l, _ := (&fileStore{home: home}).List(ctx); len(l) != 0 {
		t.Errorf("the file store still holds %d sessions", len(l))
	}
}

// TestHealWithRealSecretService: with a real gnome-keyring on a real
// session bus (scripts/with-keyring.sh), the D-Bus check finds
// org.freedesktop.secrets and Heal moves the file store's sessions into
// the real keyring.
func TestHealWithRealSecretService(t *testing.T) {
	if os.Getenv(envRealKeyring) != "1" {
		t.Skipf("set %s=1 (scripts/with-keyring.sh) to test the real OS keyring", envRealKeyring)
	}
	ctx := context.Background()
	if err := SecretServiceReachable(ctx); err != nil {
		t.Fatalf("a Secret Service runs but SecretServiceReachable says: %v", err)
	}
	home := t.TempDir()
	fs := &fileStore{home: home}
	if err := fs.Put(ctx, session("healed", "h", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := recordFallback(home, "no answer within 5s; it may be locked"); err != nil {
		t.Fatal(err)
	}
	res, err := Heal(ctx, home, time.Now())
	if err != nil || !res.Healed || res.Moved != 1 {
		t.Fatalf("Heal = %+v, %v", res, err)
	}
	st, err := Open(ctx, home, "")
	if err != nil || st.Kind() != KindKeyring {
		t.Fatalf("Open after Heal: %v", err)
	}
	got, err := st.Get(ctx, "healed")
	if err != nil || got.Credentials != session("healed", "h", 0).Credentials {
		t.Fatalf("the moved session in the real keyring: %v", err)
	}
	_ = st.Delete(ctx, "healed")
}
