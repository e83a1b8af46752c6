package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/ramsso/ramsso/internal/testutil/asuser"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// stores opens each kind of store over a fresh home: the file store and
// the keyring store on an in-memory keyring with small parts.
func stores(t *testing.T) map[string]func(t *testing.T) (Store, string) {
	return map[string]func(t *testing.T) (Store, string){
		"file": func(t *testing.T) (Store, string) {
			home := t.TempDir()
			st, err := Open(context.Background(), home, KindFile)
			if err != nil {
				t.Fatal(err)
			}
			return st, home
		},
		"keyring": func(t *testing.T) (Store, string) {
			home := t.TempDir()
			useFake(t, newFake())
			setVar(t, &chunkSize, 300)
			st, err := Open(context.Background(), home, KindKeyring)
			if err != nil {
				t.Fatal(err)
			}
			if st.Kind() != KindKeyring {
				t.Fatalf("opened %s store; notice %q", st.Kind(), Notice(st))
			}
			return st, home
		},
	}
}

func TestStoreOperations(t *testing.T) {
	ctx := context.Background()
	for kind, open := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			st, _ := open(t)
			steps := []struct {
				name string
				do   func() error
			}{
				{"get missing", func() error {
					_, err := st.Get(ctx, "nobody")
					if !errors.Is(err, ErrNotFound) {
						return fmt.Errorf("Get = %v; want ErrNotFound", err)
					}
					return nil
				}},
				{"delete missing", func() error {
					if err := st.Delete(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
						return fmt.Errorf("Delete = %v; want ErrNotFound", err)
					}
					return nil
				}},
				{"list empty", func() error {
					l, err := st.List(ctx)
					if err != nil || len(l) != 0 {
						return fmt.Errorf("List = %v, %v; want empty", l, err)
					}
					return nil
				}},
				{"put and get", func() error {
					want := session("prod-admin", "a", 2000)
					if err := st.Put(ctx, want); err != nil {
						return err
					}
					got, err := st.Get(ctx, "prod-admin")
					if err != nil {
						return err
					}
					if !reflect.DeepEqual(*got, want) {
						return fmt.Errorf("Get = %+v\nwant %+v", *got, want)
					}
					return nil
				}},
				{"overwrite with shorter", func() error {
					if err := st.Put(ctx, session("prod-admin", "b", 10)); err != nil {
						return err
					}
					got, err := st.Get(ctx, "prod-admin")
					if err != nil {
						return err
					}
					if got.SessionName != "b" {
						return fmt.Errorf("got write %q after overwrite", got.SessionName)
					}
					return consistent(got, 10)
				}},
				{"overwrite with longer", func() error {
					if err := st.Put(ctx, session("prod-admin", "c", 3000)); err != nil {
						return err
					}
					got, err := st.Get(ctx, "prod-admin")
					if err != nil {
						return err
					}
					return consistent(got, 3000)
				}},
				{"list sorted without secrets", func() error {
					if err := st.Put(ctx, session("dev-admin", "d", 50)); err != nil {
						return err
					}
					l, err := st.List(ctx)
					if err != nil {
						return err
					}
					if len(l) != 2 || l[0].Profile != "dev-admin" || l[1].Profile != "prod-admin" {
						return fmt.Errorf("List = %+v", l)
					}
					for _, s := range l {
						if s.Credentials != credsZero {
							return fmt.Errorf("List leaked the secrets of %s", s.Profile)
						}
						if s.RoleArn == "" || s.Expiration.IsZero() {
							return fmt.Errorf("List lost metadata of %s", s.Profile)
						}
					}
					return nil
				}},
				{"delete", func() error {
					if err := st.Delete(ctx, "prod-admin"); err != nil {
						return err
					}
					if _, err := st.Get(ctx, "prod-admin"); !errors.Is(err, ErrNotFound) {
						return fmt.Errorf("Get after Delete = %v", err)
					}
					if _, err := st.Get(ctx, "dev-admin"); err != nil {
						return fmt.Errorf("other profile hurt by Delete: %v", err)
					}
					return nil
				}},
				{"invalid profile", func() error {
					if err := st.Put(ctx, session("a/b", "x", 5)); err == nil || !strings.Contains(err.Error(), "path separator") {
						return fmt.Errorf("Put with a slash = %v", err)
					}
					if _, err := st.Get(ctx, ""); err == nil {
						return errors.New("Get of an empty profile accepted")
					}
					return nil
				}},
			}
			for _, s := range steps {
				if err := s.do(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			}
		})
	}
}

func TestValidateProfile(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string
	}{
		{"prod-admin", ""},
		{"1234567890123456-OrganizationAccountAccessRole", ""},
		{"生产-admin", ""},
		{strings.Repeat("a", 128), ""},
		{"", "empty"},
		{strings.Repeat("a", 129), "longer than 128"},
		{"a/b", "path separator"},
		{`a\b`, "path separator"},
		{"a\nb", "control character"},
		{"a\x00b", "control character"},
		{"a\x7fb", "control character"},
		{"a#1", `"#"`},
		{" a", "space"},
		{"..", "reserved"},
		{"\xff", "UTF-8"},
	}
	for _, tt := range tests {
		err := ValidateProfile(tt.name)
		if tt.wantErr == "" && err != nil {
			t.Errorf("ValidateProfile(%q) = %v", tt.name, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ValidateProfile(%q) = %v; want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestSplitSecret(t *testing.T) {
	const size = 150 // head carries 50 bytes of secret, others 150
	tests := []struct {
		name  string
		blob  string
		parts int
	}{
		{"empty", "", 1},
		{"one byte", "x", 1},
		{"fills the head", strings.Repeat("x", 50), 1},
		{"one over", strings.Repeat("x", 51), 2},
		{"three parts", strings.Repeat("x", 50+150+1), 3},
		{"multibyte never cut", strings.Repeat("é", 200), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := splitSecret(tt.blob, size)
			if len(parts) != tt.parts {
				t.Errorf("%d parts; want %d", len(parts), tt.parts)
			}
			h, err := parseHeader(parts[0])
			if err != nil {
				t.Fatal(err)
			}
			if h.parts != len(parts) || h.length != len(tt.blob) {
				t.Errorf("header says %d parts, %d bytes", h.parts, h.length)
			}
			joined := h.first
			for i, p := range parts {
				if len(p) > size {
					t.Errorf("part %d is %d bytes > %d", i, len(p), size)
				}
				if i > 0 {
					joined += p
					if len(p) > 0 && !utf8.RuneStart(p[0]) {
						t.Errorf("part %d starts inside a UTF-8 character", i)
					}
				}
			}
			if joined != tt.blob {
				t.Error("parts do not join to the secret")
			}
		})
	}
	for _, bad := range []string{"", "x", "ramsso1:0:0:" + strings.Repeat("0", 64) + ":", "ramsso1:2:5:short:", "other:1:1:" + strings.Repeat("0", 64) + ":x"} {
		if _, err := parseHeader(bad); err == nil {
			t.Errorf("parseHeader(%q) accepted", bad)
		}
	}
}

func TestKeyringChunks(t *testing.T) {
	ctx := context.Background()
	fake := newFake()
	useFake(t, fake)
	setVar(t, &chunkSize, 300)
	st, err := Open(ctx, t.TempDir(), KindKeyring)
	if err != nil {
		t.Fatal(err)
	}
	items := func() []string { return fake.users() }

	if err := st.Put(ctx, session("p", "long", 2000)); err != nil {
		t.Fatal(err)
	}
	long := items()
	if len(long) < 8 || long[0] != "p" || long[1] != "p#1" {
		t.Fatalf("a 2000-byte token in 300-byte items made %v", long)
	}
	for _, u := range long {
		v, _ := fake.Get(keyringService, u)
		if len(v) > 300 {
			t.Errorf("item %s holds %d bytes > 300", u, len(v))
		}
	}
	got, err := st.Get(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if err := consistent(got, 2000); err != nil {
		t.Fatal(err)
	}

	// A shorter secret leaves no old parts behind.
	if err := st.Put(ctx, session("p", "short", 20)); err != nil {
		t.Fatal(err)
	}
	if u := items(); !reflect.DeepEqual(u, []string{"p"}) {
		t.Errorf("after a short Put the keyring holds %v; want [p]", u)
	}

	// A missing or changed part is detected, never returned as a secret.
	if err := st.Put(ctx, session("p", "long", 2000)); err != nil {
		t.Fatal(err)
	}
	orig, _ := fake.Get(keyringService, "p#2")
	fake.set("p#2", strings.Replace(orig, ".", ",", 1))
	if _, err := st.Get(ctx, "p"); err == nil || !strings.Contains(err.Error(), "do not add up") {
		t.Errorf("changed part: Get = %v", err)
	}
	fake.del("p#2")
	if _, err := st.Get(ctx, "p"); err == nil || !strings.Contains(err.Error(), "p#2 is missing") {
		t.Errorf("missing part: Get = %v", err)
	}
	if err := st.Put(ctx, session("p", "long", 2000)); err != nil {
		t.Fatal(err)
	}
	// Secrets removed outside ramsso read as not found.
	fake.del("p")
	if _, err := st.Get(ctx, "p"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing head: Get = %v; want ErrNotFound", err)
	}
	if err := st.Put(ctx, session("p", "long", 2000)); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if u := items(); len(u) != 0 {
		t.Errorf("Delete left %v in the keyring", u)
	}
	// Secrets never reach the metadata file.
	data, err := os.ReadFile(filepath.Join(st.(*keyringStore).home, SessionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "secret-") || strings.Contains(string(data), "STS.id-") {
		t.Errorf("sessions.json holds secrets: %s", data)
	}
}

func TestStuckKeyringTimesOutAndFallsBack(t *testing.T) {
	ctx := context.Background()
	setVar(t, &keyringTimeout, 100*time.Millisecond)
	stuck := newFake()
	stuck.block = make(chan struct{})
	t.Cleanup(func() { close(stuck.block) })
	useFake(t, stuck)
	home := t.TempDir()

	// A single stuck call returns a clear error in time.
	ks := &keyringStore{home: home, kr: stuck, timeout: keyringTimeout, chunk: 300}
	start := time.Now()
	err := ks.Put(ctx, session("p", "x", 10))
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("stuck Put took %v", el)
	}
	if !errors.Is(err, ErrKeyringTimeout) || !strings.Contains(err.Error(), "within 100ms") ||
		!strings.Contains(err.Error(), "RAMSSO_STORE=file") {
		t.Errorf("stuck keyring error %v is not clear", err)
	}
	// Reads of a session the metadata knows go to the keyring and time out too.
	if err := writeJSON(filepath.Join(home, SessionsFile), metaDB{Version: 1, Sessions: map[string]Session{"p": session("p", "x", 0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Get(ctx, "p"); !errors.Is(err, ErrKeyringTimeout) {
		t.Errorf("stuck Get = %v", err)
	}
	if err := ks.Delete(ctx, "p"); !errors.Is(err, ErrKeyringTimeout) {
		t.Errorf("stuck Delete = %v", err)
	}
	if err := os.Remove(filepath.Join(home, SessionsFile)); err != nil {
		t.Fatal(err)
	}
	// A cancelled context ends the wait at once, without a fallback.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(cctx, home, KindKeyring); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context = %v", err)
	}
	if _, ok, _ := Fallback(home); ok {
		t.Error("a cancelled Open recorded a fallback")
	}

	// Open falls back, records it, and says so once.
	st, err := Open(ctx, home, KindKeyring)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind() != KindFile {
		t.Fatalf("Open with a stuck keyring gave a %s store", st.Kind())
	}
	n := Notice(st)
	for _, want := range []string{"no OS keyring answered", "no answer within 100ms", filepath.Join(home, CredentialsFile), "owner-only", "ramsso doctor"} {
		if !strings.Contains(n, want) {
			t.Errorf("notice %q lacks %q", n, want)
		}
	}
	reason, ok, err := Fallback(home)
	if err != nil || !ok || !strings.Contains(reason, "100ms") {
		t.Errorf("Fallback = %q, %v, %v", reason, ok, err)
	}
	if err := st.Put(ctx, session("p", "x", 10)); err != nil {
		t.Fatal(err)
	}

	// A second process honours the record: no probe, no repeated notice.
	working := newFake()
	useFake(t, working)
	st2, err := Open(ctx, home, "")
	if err != nil {
		t.Fatal(err)
	}
	if st2.Kind() != KindFile || Notice(st2) != "" || working.numCalls() != 0 {
		t.Errorf("second Open: kind %s, notice %q, %d keyring calls", st2.Kind(), Notice(st2), working.numCalls())
	}
	if _, err := st2.Get(ctx, "p"); err != nil {
		t.Errorf("the fallback store lost the session: %v", err)
	}

	// Doctor clears it; the keyring is probed again.
	if err := ClearFallback(home); err != nil {
		t.Fatal(err)
	}
	if err := ClearFallback(home); err != nil {
		t.Errorf("clearing twice: %v", err)
	}
	st3, err := Open(ctx, home, KindKeyring)
	if err != nil {
		t.Fatal(err)
	}
	if st3.Kind() != KindKeyring || working.numCalls() == 0 {
		t.Errorf("after ClearFallback: kind %s, %d keyring calls", st3.Kind(), working.numCalls())
	}
}

func TestOpenFallbackOnError(t *testing.T) {
	broken := newFake()
	broken.err = errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided")
	useFake(t, broken)
	home := t.TempDir()
	var wg sync.WaitGroup
	notices := make([]string, 6)
	for i := range notices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(context.Background(), home, KindKeyring)
			if err != nil {
				t.Error(err)
				return
			}
			if st.Kind() != KindFile {
				t.Errorf("kind %s", st.Kind())
			}
			notices[i] = Notice(st)
		}()
	}
	wg.Wait()
	said := 0
	for _, n := range notices {
		if n != "" {
			said++
			if !strings.Contains(n, "ServiceUnknown") {
				t.Errorf("notice %q lacks the reason", n)
			}
		}
	}
	if said != 1 {
		t.Errorf("the fallback was announced %d times; want once", said)
	}
}

func TestOpenKinds(t *testing.T) {
	fake := newFake()
	useFake(t, fake)
	home := t.TempDir()
	st, err := Open(context.Background(), home, KindFile)
	if err != nil || st.Kind() != KindFile || Notice(st) != "" || fake.numCalls() != 0 {
		t.Errorf("Open(file) = %v, %v; notice %q; %d keyring calls", st, err, Notice(st), fake.numCalls())
	}
	if _, err := Open(context.Background(), home, "vault"); err == nil || !strings.Contains(err.Error(), `unknown session store "vault"`) {
		t.Errorf("Open(vault) = %v", err)
	}
	st, err = Open(context.Background(), home, "")
	if err != nil || st.Kind() != KindKeyring {
		t.Errorf("Open(\"\") = %v, %v; want keyring", st, err)
	}
	if len(fake.users()) != 0 {
		t.Errorf("the probe left %v behind", fake.users())
	}
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	fake := newFake()
	useFake(t, fake)
	// First Open of a home: a full write probe, remembered.
	if st, err := Open(ctx, home, KindKeyring); err != nil || st.Kind() != KindKeyring {
		t.Fatalf("Open = %v, %v", st, err)
	}
	if c := fake.numCalls(); c != 3 {
		t.Errorf("first probe made %d keyring calls; want 3 (set, get, delete)", c)
	}
	if _, err := os.Stat(filepath.Join(home, keyringOKFile)); err != nil {
		t.Errorf("write probe not remembered: %v", err)
	}
	// Later Opens only read.
	fake.mu.Lock()
	fake.setErr = errors.New("read-only keyring")
	fake.mu.Unlock()
	if st, err := Open(ctx, home, KindKeyring); err != nil || st.Kind() != KindKeyring {
		t.Fatalf("second Open = %v, %v", st, err)
	}
	if c := fake.numCalls(); c != 4 {
		t.Errorf("later probe made %d more keyring calls; want 1 (get)", c-3)
	}
	// A keyring that cannot store fails the first probe of a new home.
	home2 := t.TempDir()
	st, err := Open(ctx, home2, KindKeyring)
	if err != nil || st.Kind() != KindFile || !strings.Contains(Notice(st), "read-only keyring") {
		t.Errorf("write-failing keyring: Open = %v, %v, notice %q", st, err, Notice(st))
	}
	// ClearFallback forgets the write probe too.
	if err := ClearFallback(home); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, keyringOKFile)); !os.IsNotExist(err) {
		t.Errorf("ClearFallback kept the probe marker: %v", err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	for kind, open := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			st, _ := open(t)
			runWorkers(t, st, 8, 15)
		})
	}
}

// runWorkers runs n workers on st at once and checks the end state.
func runWorkers(t *testing.T, st Store, n, iters int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for id := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := worker(ctx, st, id, iters); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	checkEnd(t, st, n, iters)
}

// checkEnd checks that every worker's last write survived.
func checkEnd(t *testing.T, st Store, n, iters int) {
	t.Helper()
	ctx := context.Background()
	for id := range n {
		s, err := st.Get(ctx, fmt.Sprintf("worker-%d", id))
		if err != nil {
			t.Fatalf("worker %d's session: %v", id, err)
		}
		if want := fmt.Sprintf("w%d-i%d", id, iters-1); s.SessionName != want {
			t.Errorf("worker %d's session is write %q; want %q", id, s.SessionName, want)
		}
		if err := consistent(s, stressToken); err != nil {
			t.Error(err)
		}
	}
	l, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != n+1 {
		t.Errorf("List has %d sessions; want %d", len(l), n+1)
	}
}

// runProcesses runs n copies of the test binary as workers on home.
func runProcesses(t *testing.T, home, kind string, n, iters int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for id := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), envChild+"=stress", envHome+"="+home, envKind+"="+kind,
				fmt.Sprintf("%s=%d", envID, id), fmt.Sprintf("%s=%d", envN, iters))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("worker process %d: %v: %s", id, err, out)
			}
		}()
	}
	wg.Wait()
}

func TestConcurrentProcessesFile(t *testing.T) {
	home := t.TempDir()
	runProcesses(t, home, KindFile, 4, 15)
	st, err := Open(context.Background(), home, KindFile)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, st, 4, 15)
}

func TestFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	for kind, open := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			_, home := open(t)
			home = filepath.Join(home, "nested", "ramsso")
			st, err := Open(context.Background(), home, kind)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Put(context.Background(), session("p", "x", 100)); err != nil {
				t.Fatal(err)
			}
			want := map[string]os.FileMode{home: 0o700, filepath.Join(home, LockFile): 0o600}
			if kind == KindFile {
				want[filepath.Join(home, CredentialsFile)] = 0o600
			} else {
				want[filepath.Join(home, SessionsFile)] = 0o600
			}
			for p, mode := range want {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s has mode %04o; want %04o", p, fi.Mode().Perm(), mode)
				}
			}
		})
	}
}

// TestOtherUserCannotRead proves with a real second uid that the
// credentials file is unreadable to other users. As root it re-runs this
// test binary as nobody (65534); a control file shows that the child could
// read a file that permissions allowed, so the test can fail.
func TestOtherUserCannotRead(t *testing.T) {
	base, bin := asuser.Binary(t, "store.test")
	home := filepath.Join(base, "home")
	st, err := Open(context.Background(), home, KindFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), session("p", "x", 100)); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(home, CredentialsFile)
	control := filepath.Join(home, "control")
	if err := os.WriteFile(control, []byte("public"), 0o644); err != nil {
		t.Fatal(err)
	}
	readAs := func(path string) string {
		return asuser.Run(t, bin, asuser.Nobody, envChild+"=read", envPath+"="+path)
	}
	// Home as EnsureHome makes it: nobody cannot even enter it.
	if got := readAs(creds); got != "DENIED" {
		t.Errorf("another user reading %s in a 0700 home: %s", creds, got)
	}
	// Even with the home opened up, the file itself keeps them out.
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := readAs(control); got != "READ" {
		t.Fatalf("control: another user could not read a 0644 file (%s), so this test proves nothing", got)
	}
	if got := readAs(creds); got != "DENIED" {
		t.Errorf("another user reading the 0600 credentials file: %s", got)
	}
}

func BenchmarkGetFile(b *testing.B) {
	ctx := context.Background()
	home := b.TempDir()
	st, err := Open(ctx, home, KindFile)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if err := st.Put(ctx, session(fmt.Sprintf("p%d", i), "x", 1200)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := st.Get(ctx, "p7"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenGetFile(b *testing.B) {
	ctx := context.Background()
	home := b.TempDir()
	st, err := Open(ctx, home, KindFile)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Put(ctx, session("p", "x", 1200)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		st, err := Open(ctx, home, KindFile)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Get(ctx, "p"); err != nil {
			b.Fatal(err)
		}
	}
}
