package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
)

// maxBody caps request bodies: an assertion is at most 100,000 characters.
const maxBody = 1 << 20

type peerKey struct{}

// peerInfo is what the server learned about a connection's peer.
type peerInfo struct {
	uid   int
	known bool
	err   error
}

// Server serves a Handler on the local API.
type Server struct {
	// Handler does the work; required.
	Handler Handler
	// Logf logs one line per refused connection or failed request; nil:
	// the standard logger. Never given secrets.
	Logf func(format string, args ...any)

	// uid is the uid allowed to connect; os.Getuid() unless a test sets it.
	uid int
}

// NewServer returns a Server for h that admits only the current user.
func NewServer(h Handler) *Server { return &Server{Handler: h, uid: os.Getuid()} }

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// Serve answers requests on ln until ctx ends or ln fails. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			uid, known, err := peerUID(c)
			return context.WithValue(ctx, peerKey{}, peerInfo{uid: uid, known: known, err: err})
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
		case <-done:
		}
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serving the local API: %w", err)
}

// Handler returns the API's http.Handler with the peer check, for tests and
// for embedding.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPing, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Handler.Status())
	})
	mux.HandleFunc("POST "+PathAsk, s.ask)
	mux.HandleFunc("POST "+PathConfirm, s.confirm)
	mux.HandleFunc("GET "+PathSessions, func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.Handler.Sessions(r.Context())
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
			return
		}
		writeJSON(w, http.StatusOK, ss)
	})
	mux.HandleFunc("POST "+PathSessionChanged, func(w http.ResponseWriter, r *http.Request) {
		var c Change
		if !s.decode(w, r, &c) {
			return
		}
		if err := s.Handler.SessionChanged(r.Context(), c); err != nil {
			s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+PathCapture, func(w http.ResponseWriter, r *http.Request) {
		var c CaptureReport
		if !s.decode(w, r, &c) {
			return
		}
		if err := s.Handler.Capture(r.Context(), c); err != nil {
			s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+PathLastCapture, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Handler.LastCapture(r.Context())
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
			return
		}
		if c == nil {
			s.fail(w, r, http.StatusNotFound, CodeNotFound, errors.New("no capture yet"))
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	mux.HandleFunc("POST "+PathShow, func(w http.ResponseWriter, r *http.Request) {
		var sh Show
		if !s.decode(w, r, &sh) {
			return
		}
		if err := s.Handler.Show(r.Context(), sh); err != nil {
			s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return s.checkPeer(mux)
}

// checkPeer refuses connections from other users (where the platform can
// tell) with 403 and closes them.
func (s *Server) checkPeer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := r.Context().Value(peerKey{}).(peerInfo)
		if p.err != nil || (p.known && p.uid != s.uid) {
			w.Header().Set("Connection", "close")
			if p.err != nil {
				s.logf("local API: refused a connection whose peer could not be identified: %v", p.err)
			} else {
				s.logf("local API: refused a connection from uid %d", p.uid)
			}
			writeJSON(w, http.StatusForbidden, apiError{ErrorInfo{Code: CodeForbidden, Message: "only the tray's owner may use its local API"}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ask(w http.ResponseWriter, r *http.Request) {
	var req capture.AskRequest
	if !s.decode(w, r, &req) {
		return
	}
	if len(req.Roles) == 0 {
		s.fail(w, r, http.StatusBadRequest, CodeBadRequest, errors.New("no roles to choose from"))
		return
	}
	ans, err := s.Handler.Ask(r.Context(), req)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, ans)
	case errors.Is(err, capture.ErrCancelled):
		s.fail(w, r, http.StatusConflict, CodeCancelled, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrTimeout):
		s.fail(w, r, http.StatusRequestTimeout, CodeTimeout, err)
	case r.Context().Err() != nil:
		// The caller went away; nobody reads this.
	default:
		s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
	}
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		s.fail(w, r, http.StatusBadRequest, CodeBadRequest, fmt.Errorf("reading the request: %w", err))
		return false
	}
	return true
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code string, err error) {
	if status >= 500 {
		s.logf("local API: %s %s: %v", r.Method, r.URL.Path, err)
	}
	writeJSON(w, status, apiError{ErrorInfo{Code: code, Message: err.Error()}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
