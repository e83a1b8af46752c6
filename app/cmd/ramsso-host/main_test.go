package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// fakeTray is the tray's side of the local API: it picks a role and
// records what the host tells it.
type fakeTray struct {
	pick    string
	mu      sync.Mutex
	asked   []capture.AskRequest
	reports []localapi.CaptureReport
	changes []localapi.Change
	confirm []capture.ConfirmRequest
}

// ConfirmSession makes the fake a localapi.SessionConfirmer: the person
// confirms the first sign-in from this IdP in the tray.
func (f *fakeTray) ConfirmSession(_ context.Context, req capture.ConfirmRequest) (bool, error) {
	f.mu.Lock()
	f.confirm = append(f.confirm, req)
	f.mu.Unlock()
	return true, nil
}

func (f *fakeTray) Status() localapi.Status {
	return localapi.Status{Version: "test", PID: os.Getpid()}
}
func (f *fakeTray) Ask(_ context.Context, req capture.AskRequest) (capture.Answer, error) {
	f.mu.Lock()
	f.asked = append(f.asked, req)
	f.mu.Unlock()
	return capture.Answer{RoleArn: f.pick}, nil
}
func (f *fakeTray) Sessions(context.Context) ([]store.Session, error) { return nil, nil }
func (f *fakeTray) SessionChanged(_ context.Context, c localapi.Change) error {
	f.mu.Lock()
	f.changes = append(f.changes, c)
	f.mu.Unlock()
	return nil
}
func (f *fakeTray) Capture(_ context.Context, r localapi.CaptureReport) error {
	f.mu.Lock()
	f.reports = append(f.reports, r)
	f.mu.Unlock()
	return nil
}
func (f *fakeTray) LastCapture(context.Context) (*localapi.CaptureSummary, error) { return nil, nil }
func (f *fakeTray) Show(context.Context, localapi.Show) error                     { return nil }

// TestHostAsksTheTrayOverTheLocalAPI runs the real host hooks against a
// tray listening on the real owner-only socket: several roles, no console
// choice, so the tray's picker answers; the tray then hears of the new
// session and gets the capture report with the assertion for Pick role….
func TestHostAsksTheTrayOverTheLocalAPI(t *testing.T) {
	home := filepath.Join(t.TempDir(), "h")
	t.Setenv(config.EnvHome, home)
	if err := config.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	idp, err := testidp.New("https://idp.example.com/tray-test")
	if err != nil {
		t.Fatal(err)
	}
	const acct = "1234567890123456"
	prov := "acs:ram::" + acct + ":saml-provider/okta"
	admin, dev := "acs:ram::"+acct+":role/admin", "acs:ram::"+acct+":role/dev"
	emu, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: prov, Certificate: string(idp.CertPEM())}},
		Roles:     []emulator.Role{{Arn: admin}, {Arn: dev}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	settings := `{"store":"file","consoleChoiceWait":"20ms","sts":{"endpoint":"` + srv.URL + `"}}`
	if err := os.WriteFile(filepath.Join(home, config.SettingsFile), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}

	tray := &fakeTray{pick: dev}
	ln, err := localapi.Listen(home)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = localapi.NewServer(tray).Serve(ctx, ln) }()
	deadline := time.Now().Add(5 * time.Second)
	for !localapi.Running(home) {
		if time.Now().After(deadline) {
			t.Fatal("fake tray never answered")
		}
		time.Sleep(10 * time.Millisecond)
	}

	set, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	hk := hooks()
	hk.StartTray = func() error { t.Error("tray started although one runs"); return nil }
	h := &host.Host{
		Version: "test", Home: home, Settings: set, Hooks: hk,
		NewExchanger: func(ctx context.Context) (*capture.Exchanger, error) {
			return host.NewExchanger(ctx, home, set, nil)
		},
	}
	b64, err := idp.Response(testidp.Options{Style: testidp.StyleOkta, Roles: []string{admin + "," + prov, dev + "," + prov}})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	go func() { _ = h.Serve(ctx, inR, outW); outW.Close() }()
	if err := nativemsg.WriteJSON(inW, map[string]any{"type": "capture", "id": "f1", "tabId": 1,
		"url": "https://signin.aliyun.com/saml-role/sso", "initiator": "https://idp.example.com", "samlResponse": b64}); err != nil {
		t.Fatal(err)
	}
	var done map[string]any
	var states []string
	for done == nil {
		frame, err := nativemsg.ReadFrame(outR)
		if err != nil {
			t.Fatalf("read reply: %v (states %v)", err, states)
		}
		var m map[string]any
		if err := json.Unmarshal(frame, &m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "status":
			states = append(states, m["state"].(string))
		case "done":
			done = m
		default:
			t.Fatalf("unexpected reply %v", m)
		}
	}
	inW.Close()
	if done["roleArn"] != dev || done["decidedBy"] != capture.ByTray {
		t.Fatalf("done = %v", done)
	}
	// the hooks run after the reply; give them a moment
	deadline = time.Now().Add(5 * time.Second)
	for {
		tray.mu.Lock()
		n, c := len(tray.reports), len(tray.changes)
		tray.mu.Unlock()
		if n == 1 && c == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tray got %d reports, %d changes", n, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	tray.mu.Lock()
	defer tray.mu.Unlock()
	if len(tray.asked) != 1 || len(tray.asked[0].Roles) != 2 || tray.asked[0].Issuer != "https://idp.example.com/tray-test" {
		t.Errorf("asked %+v", tray.asked)
	}
	// The first sign-in from this IdP and account was confirmed in the
	// tray, over the local API, showing the page it came from.
	if len(tray.confirm) != 1 || tray.confirm[0].Page != "https://idp.example.com" || tray.confirm[0].AccountID != acct || !tray.confirm[0].NewIssuer {
		t.Errorf("confirm %+v", tray.confirm)
	}
	r := tray.reports[0]
	if r.Outcome != localapi.OutcomeDone || r.RoleArn != dev || r.SAMLResponse != b64 || len(r.Roles) != 2 {
		t.Errorf("report %v", r)
	}
	if tray.changes[0].Profile != done["profile"] {
		t.Errorf("change %+v, want profile %v", tray.changes[0], done["profile"])
	}
}
