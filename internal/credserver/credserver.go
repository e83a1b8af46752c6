// Package credserver serves sessions to the Alibaba Cloud SDKs as a
// credentials URI (credentials-go's ALIBABA_CLOUD_CREDENTIALS_URI): an HTTP
// server on 127.0.0.1 whose port and secret path token stay the same
// across restarts, so the exported URI keeps working.
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

// StateFile under RAMSSO_HOME keeps the port and token (0600).
const StateFile = "serve.json"

// Port range a default port is drawn from once: below the Linux (32768+)
// and Windows (49152+) ephemeral ranges, above the usual services.
const (
	portMin = 20000
	portMax = 32000
)

// DefaultRefreshWait bounds how long a request for an expired session
// waits for a re-login before answering with an error: credentials-go
// gives up reading after 10 s.
const DefaultRefreshWait = 8 * time.Second

// State is the server's persistent identity.
type State struct {
	Port  int    `json:"port"`
	Token string `json:"token"`
	// Socket identifies the socket a socket-activated owner (systemd)
	// handed over, so a restarted service keeps the token while the same
	// socket lives, and a new socket (a new login) gets a new token.
	Socket string `json:"socket,omitempty"`
}

// LoadState reads RAMSSO_HOME/serve.json, creating it with a random port
// and token on first use. port > 0 replaces (and saves) the port.
func LoadState(ctx context.Context, home string, port int) (State, error) {
	return UpdateState(ctx, home, func(st *State) error {
		if port > 0 {
			st.Port = port
		}
		return nil
	})
}

// RotateToken gives serve.json a new token (and records socket): what the
// owner of the port does when it starts, and when it finds the port taken.
func RotateToken(ctx context.Context, home, socket string) (State, error) {
	return UpdateState(ctx, home, func(st *State) error {
		tok, err := NewToken()
		if err != nil {
			return err
		}
		st.Token, st.Socket = tok, socket
		return nil
	})
}

// UpdateState changes serve.json under its lock: fn sees the stored state
// (a missing token and port filled in first) and may change it.
func UpdateState(ctx context.Context, home string, fn func(*State) error) (State, error) {
	if err := config.EnsureHome(home); err != nil {
		return State{}, err
	}
	unlock, err := config.LockFile(ctx, filepath.Join(home, StateFile+".lock"), false, 0)
	if err != nil {
		return State{}, err
	}
	defer unlock()
	path := filepath.Join(home, StateFile)
	var st State
	b, err := config.ReadStateFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &st); err != nil {
			return State{}, fmt.Errorf("%s: %w (delete it to make a new URI)", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return State{}, fmt.Errorf("reading %s: %w", path, err)
	}
	old := st
	if st.Token == "" {
		if st.Token, err = NewToken(); err != nil {
			return State{}, err
		}
	}
	if st.Port <= 0 || st.Port > 65535 {
		n, err := rand.Int(rand.Reader, big.NewInt(portMax-portMin))
		if err != nil {
			return State{}, fmt.Errorf("choosing a port: %w", err)
		}
		st.Port = portMin + int(n.Int64())
	}
	if err := fn(&st); err != nil {
		return State{}, err
	}
	if st != old {
		b, _ := json.MarshalIndent(st, "", "  ")
		if err := config.WriteFileAtomic(path, append(b, '\n'), 0o600); err != nil {
			return State{}, err
		}
	}
	return st, nil
}

// NewToken returns a fresh random URL-safe token (256 bits).
func NewToken() (string, error) {
	var t [32]byte
	if _, err := rand.Read(t[:]); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(t[:]), nil
}

// ListenEphemeral opens 127.0.0.1 on a port the kernel picks and returns
// the listener with a State holding that port and a fresh token: a server
// for one child's lifetime (ramsso exec --server), nothing remembered.
func ListenEphemeral() (net.Listener, State, error) {
	tok, err := NewToken()
	if err != nil {
		return nil, State{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, State{}, fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	return ln, State{Port: ln.Addr().(*net.TCPAddr).Port, Token: tok}, nil
}

// URL is the credentials URI for profile.
func (s State) URL(profile string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.Port) + "/" + s.Token + "/" + profile
}

// Server answers GET /<token>/<profile>. It is an http.Handler.
type Server struct {
	State State
	Store store.Store
	// Refresh, when set, is called (at most once at a time per profile)
	// for an expired session; requests wait up to RefreshWait for it.
	Refresh func(ctx context.Context, old *store.Session) (*store.Session, error)
	// RefreshWait (DefaultRefreshWait when zero).
	RefreshWait time.Duration
	// Chained, when set, reports whether profile is a chained profile;
	// those are answered by Resolve (bounded by RefreshWait) instead of
	// the store.
	Chained func(profile string) bool
	// Resolve returns a live session for a chained profile, assuming it
	// from its source profile when needed.
	Resolve func(ctx context.Context, profile string) (*store.Session, error)
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// Only, when set, is the one profile served (ramsso exec --server):
	// every other profile is a 404.
	Only string

	mu       sync.Mutex
	inflight map[string]chan struct{}
}

type success struct {
	Code            string `json:"Code"`
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

type failure struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ServeHTTP serves one credentials request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	port := strconv.Itoa(s.State.Port)
	if r.Host != "127.0.0.1:"+port && r.Host != "localhost:"+port {
		// DNS rebinding: a web page's name resolving to 127.0.0.1.
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path == ProbePath && r.Method == http.MethodGet {
		s.serveProbe(w, r)
		return
	}
	token, profile, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.State.Token)) != 1 || profile == "" || strings.Contains(profile, "/") ||
		(s.Only != "" && profile != s.Only) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		h.Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.Chained != nil && s.Resolve != nil && s.Chained(profile) {
		s.serveChained(w, r, profile)
		return
	}
	sess, err := s.Store.Get(r.Context(), profile)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, failure{Code: "StoreError", Message: "ramsso could not read session " + profile + ": run ramsso doctor"})
		return
	}
	if sess.Credentials.Expired(s.now()) {
		fresh := s.refresh(r.Context(), sess)
		if fresh == nil {
			writeJSON(w, http.StatusServiceUnavailable, failure{Code: "SessionExpired",
				Message: "ramsso: session " + profile + " expired: log in again through your IdP (ramsso login " + profile + ")"})
			return
		}
		sess = fresh
	}
	c := sess.Credentials
	writeJSON(w, http.StatusOK, success{Code: "Success", AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret,
		SecurityToken: c.SecurityToken, Expiration: c.Expiration.UTC().Format(creds.TimeFormat)})
}

// serveChained answers for a chained profile: its cached session, or one
// assumed now from its source. A source that must re-log in makes this
// request fail after RefreshWait; the login goes on, and a later request
// gets the fresh keys.
func (s *Server) serveChained(w http.ResponseWriter, r *http.Request, profile string) {
	wait := s.RefreshWait
	if wait <= 0 {
		wait = DefaultRefreshWait
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	sess, err := s.Resolve(ctx, profile)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, failure{Code: "SessionUnavailable",
			Message: "ramsso: " + strings.Join(strings.Fields(err.Error()), " ")})
		return
	}
	c := sess.Credentials
	writeJSON(w, http.StatusOK, success{Code: "Success", AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret,
		SecurityToken: c.SecurityToken, Expiration: c.Expiration.UTC().Format(creds.TimeFormat)})
}

// refresh starts (once per profile) a re-login and waits up to
// RefreshWait for it; nil when there is no fresh session by then.
func (s *Server) refresh(ctx context.Context, old *store.Session) *store.Session {
	if s.Refresh == nil {
		return nil
	}
	s.mu.Lock()
	if s.inflight == nil {
		s.inflight = map[string]chan struct{}{}
	}
	done, running := s.inflight[old.Profile]
	if !running {
		done = make(chan struct{})
		s.inflight[old.Profile] = done
		oldCopy := *old
		go func() {
			// The re-login outlives this request: later requests wait on it.
			_, _ = s.Refresh(context.Background(), &oldCopy)
			s.mu.Lock()
			delete(s.inflight, oldCopy.Profile)
			s.mu.Unlock()
			close(done)
		}()
	}
	s.mu.Unlock()
	wait := s.RefreshWait
	if wait <= 0 {
		wait = DefaultRefreshWait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		return nil
	case <-ctx.Done():
		return nil
	}
	fresh, err := s.Store.Get(ctx, old.Profile)
	if err != nil || fresh.Credentials.Expired(s.now()) {
		return nil
	}
	return fresh
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Listen opens 127.0.0.1:port, with a fix in the error when it is taken.
func Listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listening on 127.0.0.1:%d: %w (another ramsso serve running? or choose another port once with --port N; it is remembered)", port, err)
	}
	return ln, nil
}

// Serve serves s on ln until ctx ends, then shuts down.
func Serve(ctx context.Context, ln net.Listener, s *Server) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("credentials server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("credentials server: %w", err)
	}
	return nil
}
