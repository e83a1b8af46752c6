package localapi

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// fake is a Handler that records what it is told.
type fake struct {
	mu       sync.Mutex
	changes  []Change
	captures []CaptureReport
	shows    []Show
	asked    chan capture.AskRequest
	answer   func(ctx context.Context, req capture.AskRequest) (capture.Answer, error)
}

func (f *fake) Status() Status { return Status{Version: "test", PID: os.Getpid()} }
func (f *fake) Ask(ctx context.Context, req capture.AskRequest) (capture.Answer, error) {
	if f.asked != nil {
		f.asked <- req
	}
	return f.answer(ctx, req)
}
func (f *fake) Sessions(context.Context) ([]store.Session, error) {
	return []store.Session{{Profile: "dev-admin", RoleArn: "acs:ram::1:role/admin", Expiration: time.Unix(2e9, 0).UTC()}}, nil
}
func (f *fake) SessionChanged(_ context.Context, c Change) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, c)
	return nil
}
func (f *fake) Capture(_ context.Context, r CaptureReport) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.captures = append(f.captures, r)
	return nil
}
func (f *fake) LastCapture(context.Context) (*CaptureSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.captures) == 0 {
		return nil, nil
	}
	s := f.captures[len(f.captures)-1].CaptureSummary
	return &s, nil
}
func (f *fake) Show(_ context.Context, s Show) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shows = append(f.shows, s)
	return nil
}

// serve starts a server for h on home and returns a client.
func serve(t *testing.T, home string, h Handler) *Client {
	t.Helper()
	ln, err := Listen(home)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := NewServer(h)
	srv.Logf = t.Logf
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c := Dial(home)
	t.Cleanup(c.Close)
	return c
}

var roles = []saml.Role{
	{RoleArn: "acs:ram::111:role/admin", ProviderArn: "acs:ram::111:saml-provider/idp", AccountID: "111", RoleName: "admin"},
	{RoleArn: "acs:ram::222:role/dev", ProviderArn: "acs:ram::222:saml-provider/idp", AccountID: "222", RoleName: "dev"},
}

func TestAPIRoundTrip(t *testing.T) {
	home := t.TempDir()
	f := &fake{answer: func(_ context.Context, req capture.AskRequest) (capture.Answer, error) {
		return capture.Answer{RoleArn: req.Roles[1].RoleArn, Duration: 2 * time.Hour, Remember: true}, nil
	}}
	if Running(home) {
		t.Fatal("Running before the server started")
	}
	c := serve(t, home, f)
	ctx := context.Background()
	if !Running(home) {
		t.Fatal("Running = false with a server")
	}
	st, err := c.Ping(ctx)
	if err != nil || st.Version != "test" {
		t.Fatalf("Ping = %+v, %v", st, err)
	}
	var asker capture.Asker = c
	ans, err := asker.AskRole(ctx, capture.AskRequest{ID: "f1", Issuer: "idp", Roles: roles})
	if err != nil || ans.RoleArn != roles[1].RoleArn || ans.Duration != 2*time.Hour || !ans.Remember {
		t.Fatalf("AskRole = %+v, %v", ans, err)
	}
	ss, err := c.Sessions(ctx)
	if err != nil || len(ss) != 1 || ss[0].Profile != "dev-admin" {
		t.Fatalf("Sessions = %+v, %v", ss, err)
	}
	if last, err := c.LastCapture(ctx); err != nil || last != nil {
		t.Fatalf("LastCapture before any = %+v, %v", last, err)
	}
	rep := CaptureReport{CaptureSummary: CaptureSummary{ID: "f1", Outcome: OutcomeDone, Profile: "222-dev", Roles: roles}, SAMLResponse: "U0VDUkVU"}
	if err := c.ReportCapture(ctx, rep); err != nil {
		t.Fatal(err)
	}
	last, err := c.LastCapture(ctx)
	if err != nil || last == nil || last.Profile != "222-dev" || len(last.Roles) != 2 {
		t.Fatalf("LastCapture = %+v, %v", last, err)
	}
	if err := c.SessionChanged(ctx, Change{Profile: "222-dev", Reason: "added"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Show(ctx, "settings"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.changes) != 1 || f.changes[0].Profile != "222-dev" {
		t.Errorf("changes = %+v", f.changes)
	}
	if len(f.captures) != 1 || f.captures[0].SAMLResponse != "U0VDUkVU" {
		t.Errorf("the assertion did not reach the handler: %v", f.captures)
	}
	if len(f.shows) != 1 || f.shows[0].What != "settings" {
		t.Errorf("shows = %+v", f.shows)
	}
	if s := rep.String() + rep.GoString(); strings.Contains(s, "U0VDUkVU") {
		t.Errorf("String shows the assertion: %s", s)
	}
}

func TestAskErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer func(ctx context.Context) (capture.Answer, error)
		ctx    time.Duration
		want   error
	}{
		{"cancelled", func(context.Context) (capture.Answer, error) { return capture.Answer{}, capture.ErrCancelled }, 0, capture.ErrCancelled},
		{"tray timeout", func(context.Context) (capture.Answer, error) { return capture.Answer{}, ErrTimeout }, 0, ErrTimeout},
		{"caller deadline", func(ctx context.Context) (capture.Answer, error) { <-ctx.Done(); return capture.Answer{}, ctx.Err() }, 200 * time.Millisecond, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gone := make(chan struct{})
			f := &fake{answer: func(ctx context.Context, _ capture.AskRequest) (capture.Answer, error) {
				a, err := tt.answer(ctx)
				if ctx.Err() != nil {
					close(gone)
				}
				return a, err
			}}
			c := serve(t, t.TempDir(), f)
			ctx := context.Background()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			_, err := c.AskRole(ctx, capture.AskRequest{Roles: roles})
			if !errors.Is(err, tt.want) {
				t.Fatalf("AskRole error = %v, want %v", err, tt.want)
			}
			if tt.ctx > 0 {
				select {
				case <-gone: // the tray saw the caller leave
				case <-time.After(5 * time.Second):
					t.Fatal("the handler's context did not end when the caller gave up")
				}
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	c := serve(t, t.TempDir(), &fake{})
	_, err := c.AskRole(context.Background(), capture.AskRequest{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != CodeBadRequest {
		t.Fatalf("ask without roles: %v", err)
	}
}

func TestNotRunning(t *testing.T) {
	c := Dial(t.TempDir())
	_, err := c.Ping(context.Background())
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Ping with no tray = %v, want ErrNotRunning", err)
	}
}

func TestSingleInstance(t *testing.T) {
	home := t.TempDir()
	release, err := AcquireInstance(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireInstance(home); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second AcquireInstance = %v, want ErrAlreadyRunning", err)
	}
	release()
	release2, err := AcquireInstance(home)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release2()
}
