package host

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

type trayStub struct{ arn string }

func (s trayStub) AskRole(_ context.Context, req capture.AskRequest) (capture.Answer, error) {
	return capture.Answer{RoleArn: s.arn}, nil
}

// TestTrayHooks: no tray answers at first, a display exists, so the host
// starts the tray once and then asks it; the stored session is announced.
func TestTrayHooks(t *testing.T) {
	w := newWorld(t, map[string]any{"consoleChoiceWait": "20ms", "configureCli": true})
	h := w.host()
	var mu sync.Mutex
	started, notified, configured := 0, "", ""
	var reported []CaptureEnd
	h.ReportCapture = func(_ context.Context, end CaptureEnd) {
		mu.Lock()
		reported = append(reported, end)
		mu.Unlock()
	}
	h.HasDisplay = func() bool { return true }
	h.StartTray = func() error { mu.Lock(); started++; mu.Unlock(); return nil }
	h.TrayAsker = func(context.Context) (capture.Asker, bool) {
		mu.Lock()
		defer mu.Unlock()
		return trayStub{dev}, started > 0
	}
	h.NotifyTray = func(_ context.Context, s store.Session) {
		mu.Lock()
		notified = s.Profile
		mu.Unlock()
		if s.Credentials.AccessKeySecret != "" {
			t.Error("hook got secrets")
		}
	}
	h.ConfigureCLI = func(_ context.Context, s store.Session) (string, error) {
		mu.Lock()
		configured = s.Profile
		mu.Unlock()
		return "", nil
	}
	c := w.serve(h)
	c.send(capMsg("t", w.assertion(testidp.Options{}, admin, dev)))
	m, states := c.until("t", "done")
	if m["type"] != "done" || m["roleArn"] != dev || m["decidedBy"] != capture.ByTray {
		t.Fatalf("%v", m)
	}
	if strings.Join(states, ",") != "deciding,waiting_console,asking_tray,exchanging" {
		t.Errorf("states %v", states)
	}
	c.in.Close()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		ok := notified != "" && configured != "" && len(reported) == 1
		mu.Unlock()
		if ok {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if started != 1 || notified != m["profile"] || configured != m["profile"] {
		t.Fatalf("started %d, notified %q, configured %q", started, notified, configured)
	}
	// the tray hears how the capture ended, with the assertion for "Pick role…"
	if len(reported) != 1 || reported[0].ID != "t" || reported[0].Err != nil || reported[0].Result == nil ||
		reported[0].Result.Outcome.Session.RoleArn != dev || reported[0].Response == nil || reported[0].Response.Base64 == "" {
		t.Fatalf("reported %+v", reported)
	}
}

// TestReportCaptureOnError: a failed capture is reported to the tray too.
func TestReportCaptureOnError(t *testing.T) {
	w := newWorld(t, nil)
	h := w.host()
	got := make(chan CaptureEnd, 1)
	h.ReportCapture = func(_ context.Context, end CaptureEnd) { got <- end }
	c := w.serve(h)
	c.send(capMsg("e", w.assertion(testidp.Options{Now: time.Now().Add(-time.Hour)}, admin)))
	if m, _ := c.until("e", "error"); m["type"] != "error" {
		t.Fatalf("%v", m)
	}
	select {
	case end := <-got:
		if end.Err == nil || end.Err.Code != capture.CodeAssertionExpired || end.Result != nil {
			t.Fatalf("reported %+v", end)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("failed capture not reported")
	}
}
