package credserver

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

func setup(t testing.TB) (string, store.Store) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	if err := config.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	return home, st
}

func put(t testing.TB, st store.Store, profile, key string, exp time.Time) {
	t.Helper()
	err := st.Put(context.Background(), store.Session{Profile: profile, RoleArn: "acs:ram::1:role/" + profile, CreatedAt: time.Now(), Expiration: exp,
		Credentials: creds.Credentials{AccessKeyID: key, AccessKeySecret: "secret-" + key, SecurityToken: "token+/=" + key, Expiration: exp}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLoadStatePersists(t *testing.T) {
	home, _ := setup(t)
	ctx := context.Background()
	a, err := LoadState(ctx, home, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Port < portMin || a.Port >= portMax || len(a.Token) < 40 {
		t.Fatalf("state %d %d", a.Port, len(a.Token))
	}
	b, _ := LoadState(ctx, home, 0)
	if a != b {
		t.Fatal("port or token changed across loads")
	}
	c, _ := LoadState(ctx, home, 23456)
	d, _ := LoadState(ctx, home, 0)
	if c.Port != 23456 || d.Port != 23456 || d.Token != a.Token {
		t.Fatalf("--port not remembered: %+v %+v", c, d)
	}
	fi, err := os.Stat(filepath.Join(home, StateFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("serve.json mode: %v %v", fi, err)
	}
}

func TestServe(t *testing.T) {
	_, st := setup(t)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	put(t, st, "live", "AK1", exp)
	put(t, st, "old", "AK2", time.Now().Add(2*time.Minute))
	srv := &Server{State: State{Port: 4321, Token: "tok123"}, Store: st}
	cases := []struct {
		name, method, host, path string
		status                   int
		body                     string
	}{
		{"ok", "GET", "127.0.0.1:4321", "/tok123/live", 200, `"AccessKeyId":"AK1"`},
		{"localhost", "GET", "localhost:4321", "/tok123/live", 200, `"Expiration":"` + exp.Format("2006-01-02T15:04:05Z") + `"`},
		{"wrong token", "GET", "127.0.0.1:4321", "/tok124/live", 404, "404 page not found"},
		{"no token", "GET", "127.0.0.1:4321", "/live", 404, "404 page not found"},
		{"unknown profile", "GET", "127.0.0.1:4321", "/tok123/nobody", 404, "404 page not found"},
		{"rebinding", "GET", "evil.example.com:4321", "/tok123/live", 403, "forbidden"},
		{"other port", "GET", "127.0.0.1:80", "/tok123/live", 403, "forbidden"},
		{"post", "POST", "127.0.0.1:4321", "/tok123/live", 405, ""},
		{"expired", "GET", "127.0.0.1:4321", "/tok123/old", 503, "session old expired: log in again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "http://"+c.host+c.path, nil)
			r.Host = c.host
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != c.status || !strings.Contains(body, c.body) {
				t.Fatalf("%d %s", w.Code, body)
			}
			if w.Code != 200 && strings.Contains(body, "AK2") {
				t.Fatal("stale keys served")
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Fatal("CORS header set")
			}
			if w.Code == 200 {
				var m map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["Code"] != "Success" || m["SecurityToken"] != "token+/=AK1" {
					t.Fatalf("body %s", body)
				}
			}
		})
	}
}

// TestExpiredRefresh: one re-login for many requests; they get the fresh
// keys once it lands.
func TestExpiredRefresh(t *testing.T) {
	_, st := setup(t)
	put(t, st, "p", "OLD", time.Now().Add(-time.Minute))
	var calls atomic.Int32
	srv := &Server{State: State{Port: 1, Token: "t"}, Store: st, RefreshWait: 5 * time.Second,
		Refresh: func(ctx context.Context, old *store.Session) (*store.Session, error) {
			calls.Add(1)
			time.Sleep(200 * time.Millisecond)
			put(t, st, "p", "NEW", time.Now().Add(time.Hour))
			return nil, nil
		}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	srv.State.Port, _ = strconv.Atoi(ts.URL[strings.LastIndex(ts.URL, ":")+1:])
	results := make(chan string, 5)
	for i := 0; i < 5; i++ {
		go func() {
			res, err := http.Get(ts.URL + "/t/p")
			if err != nil {
				results <- err.Error()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			results <- string(b)
		}()
	}
	for i := 0; i < 5; i++ {
		if got := <-results; !strings.Contains(got, `"AccessKeyId":"NEW"`) {
			t.Fatalf("got %s", got)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("refresh ran %d times", calls.Load())
	}
}

func TestRefreshTimesOut(t *testing.T) {
	_, st := setup(t)
	put(t, st, "p", "OLD", time.Now().Add(-time.Minute))
	block := make(chan struct{})
	defer close(block)
	srv := &Server{State: State{Port: 9, Token: "t"}, Store: st, RefreshWait: 100 * time.Millisecond,
		Refresh: func(ctx context.Context, old *store.Session) (*store.Session, error) { <-block; return nil, nil }}
	r := httptest.NewRequest("GET", "http://127.0.0.1:9/t/p", nil)
	w := httptest.NewRecorder()
	start := time.Now()
	srv.ServeHTTP(w, r)
	if w.Code != 503 || strings.Contains(w.Body.String(), "OLD") || time.Since(start) > 2*time.Second {
		t.Fatalf("%d %s after %s", w.Code, w.Body, time.Since(start))
	}
}

// BenchmarkRequest measures one credentials request over loopback TCP
// (file store; the goal is under 2 ms), on a kept-alive connection.
func BenchmarkRequest(b *testing.B) { benchRequest(b, &http.Client{}) }

// BenchmarkRequestNewConnection dials for every request, as a fresh SDK
// process does.
func BenchmarkRequestNewConnection(b *testing.B) {
	benchRequest(b, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}})
}

func benchRequest(b *testing.B, client *http.Client) {
	_, st := setup(b)
	put(b, st, "p", "AK", time.Now().Add(time.Hour))
	ln, err := Listen(0)
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	srv := &Server{State: State{Port: port, Token: "tok"}, Store: st}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = Serve(ctx, ln, srv) }()
	url := srv.State.URL("p")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.Status)
		}
	}
}
