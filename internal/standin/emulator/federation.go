package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// SigninTokenTTL is how long a federation sign-in token is valid.
const SigninTokenTTL = 30 * time.Second

// Federation emulates Alibaba Cloud's federation sign-in endpoint
// (signin.aliyun.com/federation): Action=GetSigninToken checks an STS
// credential triple and returns a SigninToken valid for 30 s and usable
// once; Action=Login checks the token and redirects (302) to Destination.
// It is an http.Handler answering on any path ending in /federation, and
// never logs credentials or tokens.
type Federation struct {
	verify func(accessKeyID, secret, token string) bool

	mu     sync.Mutex
	clock  func() time.Time
	tokens map[string]signinToken
	logins []string
	log    io.Writer
}

type signinToken struct {
	expires time.Time
	used    bool
	akid    string
}

// NewFederation returns a federation emulator that accepts the
// credentials verify approves (pass an STS emulator's Issued).
func NewFederation(verify func(accessKeyID, secret, token string) bool) *Federation {
	return &Federation{verify: verify, clock: time.Now, tokens: map[string]signinToken{}}
}

// SetClock replaces the clock used for token expiry (tests).
func (f *Federation) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	f.clock = now
}

// SetLog makes the emulator write one line per request to w (no secrets).
func (f *Federation) SetLog(w io.Writer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = w
}

// Logins lists the destinations of successful Login redirects, in order.
func (f *Federation) Logins() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logins...)
}

func (f *Federation) logf(format string, a ...any) {
	f.mu.Lock()
	w := f.log
	f.mu.Unlock()
	if w != nil {
		fmt.Fprintf(w, time.Now().UTC().Format(time.RFC3339)+" federation "+format+"\n", a...)
	}
}

type fedError struct {
	RequestID string `json:"RequestId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

// ServeHTTP answers GetSigninToken and Login.
func (f *Federation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/federation") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	reqID := newRequestID()
	switch q.Get("Action") {
	case "GetSigninToken":
		f.getSigninToken(w, q, reqID)
	case "Login":
		f.login(w, r, q, reqID)
	default:
		f.fail(w, reqID, http.StatusBadRequest, "InvalidAction", "Action must be GetSigninToken or Login.")
	}
}

func (f *Federation) fail(w http.ResponseWriter, reqID string, status int, code, msg string) {
	f.logf("-> %d %s", status, code)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(fedError{RequestID: reqID, Code: code, Message: msg})
}

func (f *Federation) getSigninToken(w http.ResponseWriter, q url.Values, reqID string) {
	for _, p := range []string{"AccessKeyId", "AccessKeySecret", "SecurityToken"} {
		if q.Get(p) == "" {
			f.fail(w, reqID, http.StatusBadRequest, "MissingParameter", "The parameter "+p+" is required.")
			return
		}
	}
	if tt := q.Get("TicketType"); tt != "" && tt != "mini" && tt != "normal" {
		f.fail(w, reqID, http.StatusBadRequest, "InvalidParameter.TicketType", "TicketType must be mini or normal.")
		return
	}
	if f.verify == nil || !f.verify(q.Get("AccessKeyId"), q.Get("AccessKeySecret"), q.Get("SecurityToken")) {
		f.fail(w, reqID, http.StatusUnauthorized, "InvalidSecurityToken", "The security token is invalid or expired.")
		return
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		f.fail(w, reqID, http.StatusInternalServerError, "InternalError", "crypto/rand failed")
		return
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	f.mu.Lock()
	now := f.clock()
	for k, t := range f.tokens {
		if now.After(t.expires) {
			delete(f.tokens, k)
		}
	}
	f.tokens[tok] = signinToken{expires: now.Add(SigninTokenTTL), akid: q.Get("AccessKeyId")}
	f.mu.Unlock()
	f.logf("GetSigninToken %s -> 200", reqID)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]string{"RequestId": reqID, "SigninToken": tok})
}

func (f *Federation) login(w http.ResponseWriter, r *http.Request, q url.Values, reqID string) {
	dest := q.Get("Destination")
	u, err := url.Parse(dest)
	if dest == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		f.errorPage(w, http.StatusBadRequest, "Destination is missing or not an absolute URL.")
		return
	}
	tok := q.Get("SigninToken")
	f.mu.Lock()
	t, ok := f.tokens[tok]
	now := f.clock()
	status, msg := 0, ""
	switch {
	case tok == "" || !ok:
		status, msg = http.StatusUnauthorized, "The sign-in token is invalid."
	case t.used:
		status, msg = http.StatusUnauthorized, "The sign-in token has already been used."
	case !now.Before(t.expires):
		status, msg = http.StatusUnauthorized, "The sign-in token has expired."
	default:
		t.used = true
		f.tokens[tok] = t
		f.logins = append(f.logins, dest)
	}
	f.mu.Unlock()
	if status != 0 {
		f.logf("Login %s -> %d", reqID, status)
		f.errorPage(w, status, msg)
		return
	}
	f.logf("Login %s -> 302", reqID)
	http.Redirect(w, r, dest, http.StatusFound)
}

func (f *Federation) errorPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1><p>%s</p>\n", html.EscapeString(msg))
}

// Handler serves the STS emulator and, under any path ending in
// /federation, a federation emulator trusting what the STS emulator issued.
func (s *Server) Handler(f *Federation) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/federation") {
			f.ServeHTTP(w, r)
			return
		}
		s.ServeHTTP(w, r)
	})
}
