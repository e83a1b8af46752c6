package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ramsso/ramsso/internal/creds"
)

// Child-process modes of the test binary (see TestMain).
const (
	envChild = "RAMSSO_STORE_TEST_CHILD"
	envHome  = "RAMSSO_STORE_TEST_HOME"
	envKind  = "RAMSSO_STORE_TEST_KIND"
	envID    = "RAMSSO_STORE_TEST_ID"
	envN     = "RAMSSO_STORE_TEST_N"
	envPath  = "RAMSSO_STORE_TEST_PATH"
)

func TestMain(m *testing.M) {
	// Never touch a developer's real ramsso items.
	keyringService = "ramsso-test"
	switch os.Getenv(envChild) {
	case "":
	case "stress":
		os.Exit(childStress())
	case "read":
		os.Exit(childRead())
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// childStress runs worker against the store named by the environment.
func childStress() int {
	id, _ := strconv.Atoi(os.Getenv(envID))
	n, _ := strconv.Atoi(os.Getenv(envN))
	ctx := context.Background()
	st, err := Open(ctx, os.Getenv(envHome), os.Getenv(envKind))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	if st.Kind() != os.Getenv(envKind) {
		fmt.Fprintf(os.Stderr, "opened a %s store, want %s (notice: %s)\n", st.Kind(), os.Getenv(envKind), Notice(st))
		return 1
	}
	if err := worker(ctx, st, id, n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childRead tries to read a file and reports the outcome on stdout.
func childRead() int {
	_, err := os.ReadFile(os.Getenv(envPath))
	switch {
	case err == nil:
		fmt.Print("READ")
	case errors.Is(err, os.ErrPermission):
		fmt.Print("DENIED")
	default:
		fmt.Print("ERROR ", err)
	}
	return 0
}

// token derives a long, recognisable fake secret from tag, so a reader can
// check that a session's secret belongs with its metadata.
func token(tag string, size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(tag)
		b.WriteString(".")
	}
	return b.String()[:size]
}

// session builds a session whose secrets follow from tag.
func session(profile, tag string, tokenSize int) Session {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return Session{
		Profile:     profile,
		RoleArn:     "acs:ram::1234567890123456:role/" + profile,
		ProviderArn: "acs:ram::1234567890123456:saml-provider/idp",
		AccountID:   "1234567890123456",
		RoleName:    profile,
		Site:        "china",
		Issuer:      "https://idp.example/",
		SessionName: tag,
		Expiration:  exp,
		CreatedAt:   exp.Add(-time.Hour),
		Credentials: creds.Credentials{
			AccessKeyID:     "STS.id-" + tag,
			AccessKeySecret: "secret-" + tag,
			SecurityToken:   token(tag, tokenSize),
			Expiration:      exp,
		},
	}
}

// consistent checks that s's secrets belong with its metadata.
func consistent(s *Session, tokenSize int) error {
	tag := s.SessionName
	if s.Credentials.AccessKeyID != "STS.id-"+tag || s.Credentials.AccessKeySecret != "secret-"+tag ||
		s.Credentials.SecurityToken != token(tag, tokenSize) {
		return fmt.Errorf("profile %s: metadata says %q but the secrets are another write's (torn)", s.Profile, tag)
	}
	return nil
}

const stressToken = 2000

// worker writes and reads its own profile and a shared one n times,
// checking that nothing is lost or torn.
func worker(ctx context.Context, st Store, id, n int) error {
	own := fmt.Sprintf("worker-%d", id)
	for i := range n {
		tag := fmt.Sprintf("w%d-i%d", id, i)
		if err := st.Put(ctx, session(own, tag, stressToken)); err != nil {
			return fmt.Errorf("put %s: %w", own, err)
		}
		got, err := st.Get(ctx, own)
		if err != nil {
			return fmt.Errorf("get %s: %w", own, err)
		}
		if got.SessionName != tag {
			return fmt.Errorf("get %s: got write %q, want my last write %q (lost)", own, got.SessionName, tag)
		}
		if err := consistent(got, stressToken); err != nil {
			return err
		}
		if err := st.Put(ctx, session("shared", tag, stressToken-(i%3)*700)); err != nil {
			return fmt.Errorf("put shared: %w", err)
		}
		sh, err := st.Get(ctx, "shared")
		if err != nil {
			return fmt.Errorf("get shared: %w", err)
		}
		// The shared token's size follows from its writer's iteration.
		var wid, wi int
		if _, err := fmt.Sscanf(sh.SessionName, "w%d-i%d", &wid, &wi); err != nil {
			return fmt.Errorf("shared has a foreign tag %q", sh.SessionName)
		}
		if err := consistent(sh, stressToken-(wi%3)*700); err != nil {
			return err
		}
		if _, err := st.List(ctx); err != nil {
			return fmt.Errorf("list: %w", err)
		}
	}
	return nil
}

// fakeKeyring is an in-memory keyring, safe for concurrent use, that can
// fail or block on demand.
type fakeKeyring struct {
	mu     sync.Mutex
	items  map[string]string
	calls  int
	err    error         // returned by every call when set
	setErr error         // returned by Set when set
	block  chan struct{} // every call waits for it to close when set
}

func newFake() *fakeKeyring { return &fakeKeyring{items: map[string]string{}} }

// numCalls is how many calls the keyring has had.
func (f *fakeKeyring) numCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeKeyring) enter() error {
	f.mu.Lock()
	f.calls++
	block, err := f.block, f.err
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	return err
}

func (f *fakeKeyring) Set(service, user, password string) error {
	if err := f.enter(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setErr != nil {
		return f.setErr
	}
	f.items[service+"\x00"+user] = password
	return nil
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.enter(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.enter(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := service + "\x00" + user
	if _, ok := f.items[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, k)
	return nil
}

// users lists the item names held, sorted.
func (f *fakeKeyring) users() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		_, u, _ := strings.Cut(k, "\x00")
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

func (f *fakeKeyring) set(k string, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[keyringService+"\x00"+k] = v
}

func (f *fakeKeyring) del(k string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, keyringService+"\x00"+k)
}

// useFake makes Open use kr for the rest of the test.
func useFake(t *testing.T, kr keyringAPI) {
	t.Helper()
	old := newKeyring
	newKeyring = func() keyringAPI { return kr }
	t.Cleanup(func() { newKeyring = old })
}

// setVar sets a package variable for the rest of the test.
func setVar[T any](t *testing.T, p *T, v T) {
	t.Helper()
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}
