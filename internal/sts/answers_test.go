package sts

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNeverFollowsRedirects: an STS endpoint answering 307/308/302 must
// not get the assertion re-POSTed to the other host.
func TestNeverFollowsRedirects(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			other := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) { okReply(w, "2031-01-01T00:00:00Z") })
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", other.URL+"/?Action=AssumeRoleWithSAML&x=1")
				w.WriteHeader(status)
			})
			c := newTestClient(t, f.URL, nil)
			_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v, want *RedirectError", err, err)
			}
			if got := len(other.requests()); got != 0 {
				t.Errorf("the redirect target received %d requests (the assertion was re-sent)", got)
			}
			if got := len(f.requests()); got != 1 {
				t.Errorf("a redirect was retried: %d requests", got)
			}
			msg := err.Error()
			for _, want := range []string{f.URL, "does not follow redirects", "--sts-endpoint", other.URL} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "Action=") || strings.Contains(msg, "\n") {
				t.Errorf("error %q carries the Location's query or several lines", msg)
			}
		})
	}
}

// TestNotAnSTSResponse: HTML or truncated JSON from the endpoint is named
// as such, never as the SDK's internals.
func TestNotAnSTSResponse(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
	}{
		{"html 200", 200, "<html><body>Welcome to the captive portal</body></html>"},
		{"truncated json 200", 200, `{"RequestId":"R1","Credentials":{"AccessKeyId":"STS.x"`},
		{"html 502", 502, "<html><body>502 Bad Gateway</body></html>"},
		{"html 403", 403, "<html><body>Forbidden</body></html>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newTestClient(t, f.URL, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
			if err == nil {
				t.Fatal("no error")
			}
			want := "STS at " + f.URL + " answered HTTP " + strconv.Itoa(tt.status)
			msg := err.Error()
			if !strings.Contains(msg, want) || !strings.Contains(msg, "something that is not an STS response") {
				t.Errorf("error %q, want %q… something that is not an STS response", msg, want)
			}
			for _, bad := range []string{"SDK.", "GetHttpStatusCode", "unmarshal", "\n"} {
				if strings.Contains(msg, bad) {
					t.Errorf("error %q carries %q", msg, bad)
				}
			}
		})
	}
}

// TestStalledSTSIsBounded: an STS that sends headers and then stalls
// mid-body ends within the call's bound, with an error naming the bound
// and the setting, and the wait is reported once.
func TestStalledSTSIsBounded(t *testing.T) {
	release := make(chan struct{})
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		io.WriteString(w, `{"RequestId":"R`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	var mu sync.Mutex
	var waits []string
	c := newTestClient(t, f.URL, func(cfg *Config) {
		cfg.Timeout = time.Minute
		cfg.CallTimeout = 300 * time.Millisecond
		cfg.SlowAfter = 50 * time.Millisecond
		cfg.OnWait = func(m string) { mu.Lock(); waits = append(waits, m); mu.Unlock() }
	})
	_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error %T %v, want *TimeoutError", err, err)
	}
	for _, want := range []string{f.URL, "300ms", "RAMSSO_STS_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 1 || !strings.Contains(waits[0], "waiting for STS at "+f.URL) {
		t.Errorf("OnWait got %q, want one 'waiting for STS at %s' line", waits, f.URL)
	}
}

// TestReplayRemedy: a refused reuse says so without claiming assertions
// are single use in general.
func TestReplayRemedy(t *testing.T) {
	replay := &APIError{Code: "AuthenticationFail.SAMLAssertion.Invalid", Message: "The SAML Assertion has already been used."}
	if r := replay.Remedy(); !strings.Contains(r, "refuses reuse") || !strings.Contains(r, "ramsso login") {
		t.Errorf("replay remedy %q", r)
	}
	for _, code := range []string{"AuthenticationFail.SAMLAssertion.Invalid", "AuthenticationFail.SAMLAssertion.Other"} {
		other := &APIError{Code: code, Message: "The signature is invalid."}
		if r := other.Remedy(); strings.Contains(r, "single use") || strings.Contains(r, "refuses reuse") {
			t.Errorf("%s remedy %q claims something about reuse", code, r)
		}
	}
}
