// Package relogin brings a fresh session when one has expired: it records
// a re-login intent (so the next capture from the IdP takes the same role
// without asking), opens the IdP's login page in the browser — exactly
// once however many processes ask at the same moment — and waits for the
// store to hold a fresh session. It also holds the browser opener the CLI
// uses for `ramsso login` and `ramsso console`.
package relogin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/store"
)

// DefaultWait is how long a re-login waits for the fresh session.
const DefaultWait = 120 * time.Second

// DefaultPoll is how often the store is checked while waiting.
const DefaultPoll = 250 * time.Millisecond

// Files under RAMSSO_HOME (no secrets).
const (
	lockFile   = "relogin.lock"
	openedFile = "relogin-opened.json"
)

// ErrNoLoginURL is returned (wrapped) when no IdP login URL is known.
var ErrNoLoginURL = errors.New("no IdP login URL")

// Manager runs re-logins for one RAMSSO_HOME.
type Manager struct {
	Home     string
	Store    store.Store
	Settings *config.Settings
	// Env is the environment ($BROWSER, DISPLAY, RAMSSO_NO_BROWSER).
	Env Env
	// Open opens a URL; nil uses Env.Open.
	Open Opener
	// Wait bounds the wait for a fresh session (DefaultWait when zero).
	Wait time.Duration
	// Poll is the store polling interval (DefaultPoll when zero).
	Poll time.Duration
	// Log receives progress lines (stderr); nil discards them.
	Log io.Writer
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) logf(format string, a ...any) {
	if m.Log != nil {
		fmt.Fprintf(m.Log, "ramsso: "+format+"\n", a...)
	}
}

func (m *Manager) wait() time.Duration {
	if m.Wait > 0 {
		return m.Wait
	}
	return DefaultWait
}

// LoginURL returns the IdP login URL for a session: the idpLoginURLs
// setting by profile, else by the session's issuer; "" when unknown.
func (m *Manager) LoginURL(s *store.Session) string {
	if m.Settings == nil || s == nil {
		return ""
	}
	if u := strings.TrimSpace(m.Settings.IdPLoginURLs[s.Profile]); u != "" {
		return u
	}
	if s.Issuer != "" {
		return strings.TrimSpace(m.Settings.IdPLoginURLs[s.Issuer])
	}
	return ""
}

// LoginURLs lists the configured login URLs, de-duplicated and sorted.
func (m *Manager) LoginURLs() []string {
	if m.Settings == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range m.Settings.IdPLoginURLs {
		if u = strings.TrimSpace(u); u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// HowToLogIn is the advice given when ramsso cannot open the login page.
func HowToLogIn(profile string) string {
	return fmt.Sprintf("log in to Alibaba Cloud through your IdP in a browser with the ramsso extension (or run ramsso assume); "+
		"to have ramsso open the login page itself, add the IdP's login URL to \"idpLoginURLs\" in settings.json and run ramsso login %s on a desktop", profile)
}

// Refresh is called with a session that has expired (or is about to): it
// records a re-login intent for its role, opens the IdP login page once
// across processes and waits for a fresh session for the profile, which
// it returns. Without a login URL or a way to open a browser it fails at
// once with advice.
func (m *Manager) Refresh(ctx context.Context, old *store.Session) (*store.Session, error) {
	if old.SourceProfile != "" {
		// A chained session comes from its source, not from a capture: an
		// intent for its role would never match an assertion.
		return nil, fmt.Errorf("session %s is chained from %s: it is assumed again from %s by itself; to sign in again, refresh %s (ramsso login %s)",
			old.Profile, old.SourceProfile, old.SourceProfile, old.SourceProfile, old.SourceProfile)
	}
	url := m.LoginURL(old)
	if url == "" {
		return nil, fmt.Errorf("session %s has expired and %w is configured for it: %s", old.Profile, ErrNoLoginURL, HowToLogIn(old.Profile))
	}
	if err := m.Env.CanOpen(); err != nil && m.Open == nil {
		return nil, fmt.Errorf("session %s has expired and ramsso cannot open a browser here (%v): open %s in a browser to log in again, or %s",
			old.Profile, err, url, HowToLogIn(old.Profile))
	}
	if err := m.recordIntent(ctx, old); err != nil {
		return nil, err
	}
	opened, err := m.openOnce(ctx, url)
	if err != nil {
		return nil, err
	}
	if opened {
		m.logf("session %s expired: opened your IdP's login page; log in there (waiting up to %s)…", old.Profile, m.wait().Round(time.Second))
	} else {
		m.logf("session %s expired: waiting for the login already started in your browser (up to %s)…", old.Profile, m.wait().Round(time.Second))
	}
	return m.WaitFresh(ctx, old.Profile, old)
}

// recordIntent records that the next capture for old's IdP refreshes its
// profile with its role.
func (m *Manager) recordIntent(ctx context.Context, old *store.Session) error {
	st := &capture.State{Home: m.Home, Now: m.Now}
	if err := st.RecordIntent(ctx, capture.Intent{Profile: old.Profile, RoleArn: old.RoleArn, ProviderArn: old.ProviderArn, Issuer: old.Issuer}); err != nil {
		return fmt.Errorf("recording the re-login for %s: %w", old.Profile, err)
	}
	return nil
}

// Start begins a re-login without waiting for it (the tray's Refresh):
// it records the intent for old's role and opens the IdP login page once
// across processes — unless RAMSSO_NO_BROWSER says not to, when the
// caller shows the URL instead. It returns the login URL and whether this
// call opened it; without a known URL the error wraps ErrNoLoginURL.
func (m *Manager) Start(ctx context.Context, old *store.Session) (url string, opened bool, err error) {
	url = m.LoginURL(old)
	if url == "" {
		return "", false, fmt.Errorf("%w is known for %s", ErrNoLoginURL, old.Profile)
	}
	if err := m.recordIntent(ctx, old); err != nil {
		return url, false, err
	}
	if m.Env.NoBrowser() {
		return url, false, nil
	}
	opened, err = m.openOnce(ctx, url)
	return url, opened, err
}

// OpenLogin opens url (no intent) once across processes; it reports
// whether this call opened it.
func (m *Manager) OpenLogin(ctx context.Context, url string) (bool, error) {
	return m.openOnce(ctx, url)
}

// openOnce opens url unless another process opened it within the wait
// window; the check and the mark happen under one lock, so of many
// processes asking at once exactly one opens it.
func (m *Manager) openOnce(ctx context.Context, url string) (bool, error) {
	if err := config.EnsureHome(m.Home); err != nil {
		return false, err
	}
	unlock, err := config.LockFile(ctx, filepath.Join(m.Home, lockFile), false, 0)
	if err != nil {
		return false, err
	}
	defer unlock()
	path := filepath.Join(m.Home, openedFile)
	marks := map[string]time.Time{}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &marks) // a damaged file only forgets openings
	}
	now := m.now()
	key := urlKey(url)
	if at, ok := marks[key]; ok && now.Sub(at) < m.wait() && !at.After(now) {
		return false, nil
	}
	for k, at := range marks {
		if now.Sub(at) >= m.wait() {
			delete(marks, k)
		}
	}
	open := m.Open
	if open == nil {
		open = m.Env.Open
	}
	if err := open(ctx, url); err != nil {
		return false, err
	}
	marks[key] = now.UTC()
	b, _ := json.Marshal(marks)
	if err := config.WriteFileAtomic(path, b, 0o600); err != nil {
		return true, err
	}
	return true, nil
}

// urlKey names a login URL in the marker file without storing it.
func urlKey(url string) string {
	h := sha256.Sum256([]byte(url))
	return hex.EncodeToString(h[:12])
}

// WaitFresh waits (Wait, DefaultWait when zero) for the store to hold a
// live session for profile newer than old (nil old: any live session).
func (m *Manager) WaitFresh(ctx context.Context, profile string, old *store.Session) (*store.Session, error) {
	return m.poll(ctx, func(ctx context.Context) (*store.Session, error) {
		s, err := m.Store.Get(ctx, profile)
		if err == nil && isFresh(s, old, m.now()) {
			m.logf("session %s refreshed, valid until %s", profile, s.Credentials.Expiration.UTC().Format(time.RFC3339))
			return s, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			return nil, fmt.Errorf("reading session %s: %w", profile, err)
		}
		return nil, nil
	}, func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no fresh session for %s after %s: finish the login in your browser, then try again (ramsso login %s)", profile, m.wait().Round(time.Second), profile)
		}
		return fmt.Errorf("waiting for a fresh session for %s: %w", profile, err)
	})
}

// WaitAny waits for any session created after since (for `ramsso login`
// without a profile).
func (m *Manager) WaitAny(ctx context.Context, since time.Time) (*store.Session, error) {
	return m.poll(ctx, func(ctx context.Context) (*store.Session, error) {
		list, err := m.Store.List(ctx)
		if err == nil {
			for i := range list {
				if list[i].CreatedAt.After(since) {
					return &list[i], nil
				}
			}
		}
		return nil, nil
	}, func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no new session after %s: finish the login in your browser (is the ramsso extension installed? ramsso doctor checks)", m.wait().Round(time.Second))
		}
		return fmt.Errorf("waiting for a new session: %w", err)
	})
}

// poll runs check every Poll (DefaultPoll when zero) until it returns a
// session or an error, or the wait (Wait) ends, which ended says in words.
func (m *Manager) poll(ctx context.Context, check func(context.Context) (*store.Session, error), ended func(error) error) (*store.Session, error) {
	ctx, cancel := context.WithTimeout(ctx, m.wait())
	defer cancel()
	poll := m.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if s, err := check(ctx); s != nil || err != nil {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, ended(ctx.Err())
		case <-t.C:
		}
	}
}

func isFresh(s, old *store.Session, now time.Time) bool {
	if s == nil || s.Credentials.Expired(now) {
		return false
	}
	if old == nil {
		return true
	}
	return s.CreatedAt.After(old.CreatedAt) || s.Credentials.Expiration.After(old.Credentials.Expiration) ||
		(old.Credentials.AccessKeyID != "" && s.Credentials.AccessKeyID != old.Credentials.AccessKeyID)
}
