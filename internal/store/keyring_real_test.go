package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// envRealKeyring makes the real-keyring tests run (scripts/with-keyring.sh
// sets it inside a throw-away Secret Service).
const envRealKeyring = "RAMSSO_TEST_KEYRING"

// realKeyring opens a keyring store on the OS keyring, failing (not
// skipping) when RAMSSO_TEST_KEYRING=1 and no keyring answers.
func realKeyring(tb testing.TB) (Store, string) {
	tb.Helper()
	if os.Getenv(envRealKeyring) != "1" {
		tb.Skipf("set %s=1 (scripts/with-keyring.sh) to test the real OS keyring", envRealKeyring)
	}
	home := tb.TempDir()
	st, err := Open(context.Background(), home, KindKeyring)
	if err != nil {
		tb.Fatal(err)
	}
	if st.Kind() != KindKeyring {
		tb.Fatalf("%s=1 but no OS keyring answered: %s", envRealKeyring, Notice(st))
	}
	return st, home
}

func TestKeyringSecretService(t *testing.T) {
	st, home := realKeyring(t)
	ctx := context.Background()

	t.Run("large token round trip", func(t *testing.T) {
		want := session("big", "big", 2000)
		if err := st.Put(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		if got.Credentials != want.Credentials || got.RoleArn != want.RoleArn {
			t.Fatal("the session read back differs from the one written")
		}
		if err := st.Delete(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Get(ctx, "big"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete = %v", err)
		}
	})

	t.Run("split across real items", func(t *testing.T) {
		ks := st.(*keyringStore)
		small := *ks
		small.chunk = 700 // Windows-like limits, on the real keyring
		if err := small.Put(ctx, session("split", "split", 2000)); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if _, err := keyring.Get(keyringService, chunkName("split", i)); err != nil {
				t.Errorf("item %s: %v", chunkName("split", i), err)
			}
		}
		got, err := small.Get(ctx, "split")
		if err != nil {
			t.Fatal(err)
		}
		if err := consistent(got, 2000); err != nil {
			t.Fatal(err)
		}
		// Shrinking removes the parts no longer needed.
		if err := small.Put(ctx, session("split", "tiny", 10)); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 4; i++ {
			if _, err := keyring.Get(keyringService, chunkName("split", i)); !errors.Is(err, keyring.ErrNotFound) {
				t.Errorf("old part %s still there: %v", chunkName("split", i), err)
			}
		}
		if err := small.Put(ctx, session("split", "split", 2000)); err != nil {
			t.Fatal(err)
		}
		if err := small.Delete(ctx, "split"); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if _, err := keyring.Get(keyringService, chunkName("split", i)); !errors.Is(err, keyring.ErrNotFound) {
				t.Errorf("Delete left %s: %v", chunkName("split", i), err)
			}
		}
	})

	t.Run("8 goroutines", func(t *testing.T) {
		h := t.TempDir()
		st2, err := Open(ctx, h, KindKeyring)
		if err != nil || st2.Kind() != KindKeyring {
			t.Fatalf("Open: %v, %s", err, Notice(st2))
		}
		runWorkers(t, st2, 8, 5)
		cleanup(t, st2)
	})

	t.Run("4 processes", func(t *testing.T) {
		h := t.TempDir()
		runProcesses(t, h, KindKeyring, 4, 5)
		st2, err := Open(ctx, h, KindKeyring)
		if err != nil {
			t.Fatal(err)
		}
		checkEnd(t, st2, 4, 5)
		cleanup(t, st2)
	})

	if _, ok, _ := Fallback(home); ok {
		t.Error("a fallback was recorded although the keyring answered")
	}
}

// cleanup deletes every session in st.
func cleanup(t *testing.T, st Store) {
	t.Helper()
	l, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l {
		if err := st.Delete(context.Background(), s.Profile); err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkGetKeyring(b *testing.B) {
	st, _ := realKeyring(b)
	ctx := context.Background()
	if err := st.Put(ctx, session("bench", "x", 1200)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Delete(ctx, "bench") })
	b.ResetTimer()
	for b.Loop() {
		s, err := st.Get(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if !strings.HasPrefix(s.Credentials.SecurityToken, "x.") {
			b.Fatal("wrong token prefix")
		}
	}
}

// BenchmarkOpenGetKeyring is what one `ramsso process` does: Open (with
// its keyring probe) and Get.
func BenchmarkOpenGetKeyring(b *testing.B) {
	st, home := realKeyring(b)
	ctx := context.Background()
	if err := st.Put(ctx, session("bench", "x", 1200)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Delete(ctx, "bench") })
	for b.Loop() {
		st, err := Open(ctx, home, KindKeyring)
		if err != nil || st.Kind() != KindKeyring {
			b.Fatalf("Open: %v", err)
		}
		if _, err := st.Get(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
