package resident

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/app/cli"
	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
)

// frontEndState is what an acquisition leaves behind, in comparable form.
type frontEndState struct {
	Sessions   []store.Session // metadata, CreatedAt cleared
	Choices    string          // choices.json ("" when absent)
	Intents    string          // intents.json ("" when absent)
	ConfigJSON string          // the aliyun CLI's config.json
	Notified   []string        // profiles the tray was told about
	Warnings   []string        // what the front-end reported after storing
}

// frontEnd runs one front-end's acquisition of role from b64 in a home
// with settings, and reports what it left behind.
type frontEnd func(t *testing.T, home, b64, role string) (notified, warnings []string)

// TestFrontEndsLeaveTheSameState: `ramsso assume`, the host's capture flow
// and the tray's "Pick role…" acquire the same role from the same
// assertion with the same settings; each leaves the same sessions,
// remembered choices, intents, aliyun CLI config.json and tray notice
// behind. With a config.json ramsso cannot edit, each still stores the
// session and reports the refused profile with the same warning.
func TestFrontEndsLeaveTheSameState(t *testing.T) {
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: provA, Certificate: string(idp.CertPEM())}, {Arn: provB, Certificate: string(idp.CertPEM())}},
		Roles:     []emulator.Role{{Arn: roleA1, MaxSessionDuration: 43200}, {Arn: roleA2, MaxSessionDuration: 3600}, {Arn: roleB1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now().UTC().Truncate(time.Second)
	emu.SetClock(func() time.Time { return clock })
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	b64, err := idp.Response(testidp.Options{Now: clock, Lifetime: 5 * time.Minute,
		Roles: []string{roleA1 + "," + provA, roleA2 + "," + provA, roleB1 + "," + provB}})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.EnvNoBrowser, "1")
	for _, v := range []string{config.EnvStore, config.EnvSTSEndpoint, config.EnvProxy, "HTTPS_PROXY", "https_proxy",
		"ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"} {
		t.Setenv(v, "")
	}

	fronts := []struct {
		name string
		run  frontEnd
	}{
		{"assume", assumeFrontEnd},
		{"host", hostFrontEnd},
		{"tray", trayFrontEnd},
	}
	for _, scenario := range []struct {
		name     string
		configIn string // config.json before ("" none)
		wantWarn string // in every front-end's warnings
		wantCLI  bool   // config.json gets the External profile
	}{
		{name: "configureCli", wantCLI: true},
		{name: "config.json refused", configIn: "{ not json", wantWarn: "aliyun CLI profile for prod-readonly failed: "},
	} {
		t.Run(scenario.name, func(t *testing.T) {
			var states []frontEndState
			for _, fe := range fronts {
				dir := t.TempDir()
				home := filepath.Join(dir, "home")
				// The aliyun CLI reads $HOME/.aliyun/config.json only
				// (aliyuncfg.Path), and so does ramsso.
				cfgPath := filepath.Join(dir, ".aliyun", "config.json")
				t.Setenv(config.EnvHome, home)
				t.Setenv("HOME", dir)
				t.Setenv("ALIBABA_CLOUD_CONFIG_FILE", "")
				if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
					t.Fatal(err)
				}
				if scenario.configIn != "" {
					if err := os.WriteFile(cfgPath, []byte(scenario.configIn), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if err := config.Update(context.Background(), home, func(s *config.Settings) error {
					s.AccountAliases = map[string]string{"1234567890123456": "prod"}
					s.Store = "file"
					s.STS.Endpoint = srv.URL
					s.Region = "cn-shanghai"
					s.ConfigureCLI = true
					s.ConsoleChoiceWait = "5s"
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				notified, warnings := fe.run(t, home, b64, roleA2)
				st := readState(t, home, cfgPath)
				st.Notified, st.Warnings = notified, warnings
				for i := range st.Warnings {
					st.Warnings[i] = strings.ReplaceAll(st.Warnings[i], dir, "$DIR")
				}
				st.ConfigJSON = strings.ReplaceAll(st.ConfigJSON, dir, "$DIR")
				states = append(states, st)

				if len(st.Sessions) != 1 || st.Sessions[0].Profile != "prod-readonly" || st.Sessions[0].RoleArn != roleA2 {
					t.Fatalf("%s: sessions %+v", fe.name, st.Sessions)
				}
				if scenario.wantCLI && !strings.Contains(st.ConfigJSON, `"process_command"`) {
					t.Errorf("%s: no aliyun CLI profile written: %s", fe.name, st.ConfigJSON)
				}
				if scenario.wantCLI && !strings.Contains(st.ConfigJSON, `"cn-shanghai"`) {
					t.Errorf("%s: the profile does not carry the settings' region: %s", fe.name, st.ConfigJSON)
				}
				if scenario.configIn != "" && st.ConfigJSON != scenario.configIn {
					t.Errorf("%s: a config.json ramsso could not edit was changed: %q", fe.name, st.ConfigJSON)
				}
				if scenario.wantWarn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], scenario.wantWarn)) {
					t.Errorf("%s: warnings %q, want one with %q", fe.name, warnings, scenario.wantWarn)
				}
				if scenario.wantWarn == "" && len(warnings) != 0 {
					t.Errorf("%s: unexpected warnings %q", fe.name, warnings)
				}
				if len(notified) != 1 || notified[0] != "prod-readonly" {
					t.Errorf("%s: the tray was told about %q, want prod-readonly once", fe.name, notified)
				}
			}
			for i := 1; i < len(states); i++ {
				a, b := states[0], states[i]
				aj, _ := json.MarshalIndent(a, "", " ")
				bj, _ := json.MarshalIndent(b, "", " ")
				if !bytes.Equal(aj, bj) {
					t.Errorf("%s left a different state than %s: %s", fronts[i].name, fronts[0].name, firstDiff(string(bj), string(aj)))
				}
			}
		})
	}
}

func readState(t *testing.T, home, cfgPath string) frontEndState {
	t.Helper()
	st, err := store.Open(context.Background(), home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range ss {
		ss[i].CreatedAt = time.Time{}
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	return frontEndState{Sessions: ss, Choices: read(filepath.Join(home, capture.ChoicesFile)),
		Intents: read(filepath.Join(home, capture.IntentsFile)), ConfigJSON: read(cfgPath)}
}

// recorder collects the profiles a tray notice names.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) notify(_ context.Context, s store.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s.Profile)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func assumeFrontEnd(t *testing.T, home, b64, role string) ([]string, []string) {
	file := filepath.Join(t.TempDir(), "response.b64")
	if err := os.WriteFile(file, []byte(b64), 0o600); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	var stderr bytes.Buffer
	app := &cli.App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: os.Getenv, Now: time.Now,
		NotifyTray: rec.notify}
	if code := cli.Main(context.Background(), app, []string{"assume", "--saml", file, "--role", role}); code != 0 {
		t.Fatalf("assume: exit %d: %s", code, stderr.String())
	}
	var warnings []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if w, ok := strings.CutPrefix(l, "ramsso: warning: "); ok {
			warnings = append(warnings, w)
		}
	}
	return rec.list(), warnings
}

func hostFrontEnd(t *testing.T, home, b64, role string) ([]string, []string) {
	set, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	h := host.New("test", home, set, nil, nil, host.Hooks{NotifyTray: rec.notify, HasDisplay: func() bool { return false }})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- h.Serve(context.Background(), inR, outW); outW.Close() }()
	send := func(m map[string]any) {
		if err := nativemsg.WriteJSON(inW, m); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"type": "capture", "id": "f", "tabId": 1, "url": "https://signin.aliyun.com/saml-role/sso", "samlResponse": b64})
	var done map[string]any
	for done == nil {
		b, err := nativemsg.ReadFrame(outR)
		if err != nil {
			t.Fatalf("host reply: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		switch {
		case m["type"] == "status" && m["state"] == capture.StateNeedsConfirm:
			// A first sign-in from this IdP and account: the person says yes
			// in the popup.
			send(map[string]any{"type": "confirm", "id": "f", "confirmed": true})
		case m["type"] == "status" && m["state"] == capture.StateWaitingConsole:
			send(map[string]any{"type": "consoleChoice", "id": "f", "targetRole": role + "," + provA})
		case m["type"] == "done":
			done = m
		case m["type"] == "error":
			t.Fatalf("host: %v", m)
		}
	}
	inW.Close()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	var warnings []string
	if ws, ok := done["warnings"].([]any); ok {
		for _, w := range ws {
			warnings = append(warnings, w.(string))
		}
	}
	return rec.list(), warnings
}

func trayFrontEnd(t *testing.T, home, b64, role string) ([]string, []string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []string
	// The picker is the window helper (helper_test.go), a real process on
	// the window protocol's pipes, told to pick role.
	// The picker's filter matches account id and role name, not the ARN.
	acct, name, _ := strings.Cut(strings.TrimPrefix(role, "acs:ram::"), ":role/")
	win := t.TempDir()
	answer(t, win, 1, "filter="+acct+" "+name)
	res, err := New(Options{Home: home, Store: st, Windows: helperWindows(t, win),
		Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			if w, ok := strings.CutPrefix(fmt.Sprintf(format, args...), "pick role: "); ok {
				logs = append(logs, w)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	if err := res.Capture(ctx, localapi.CaptureReport{SAMLResponse: b64}); err != nil {
		t.Fatal(err)
	}
	// Capture asked for a menu reload itself; drain it so only the
	// acquisition's tray notice can fill the channel again.
	select {
	case <-res.reload:
	default:
	}
	picked := make(chan error, 1)
	go func() { picked <- res.PickFromLast(ctx) }()
	select {
	case err := <-picked:
		if err != nil {
			t.Fatalf("pick role: %v", err)
		}
	case <-time.After(waitTime):
		t.Fatalf("the picker never answered (questions seen: %q)", seen(win))
	}
	if got := seen(win); !strings.HasPrefix(got, "tray-") || strings.Contains(got, ",") {
		t.Errorf("the window process saw questions %q, want one", got)
	}
	// The tray's notice to itself is a reload request (Start is not
	// running, so it waits in the channel).
	var notified []string
	if len(res.reload) == 1 {
		res.loadSessions(ctx)
		for _, s := range res.state(time.Now()).Sessions {
			notified = append(notified, s.Profile)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return notified, logs
}

// firstDiff names the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: %q, want %q", i+1, strings.TrimSpace(gl), strings.TrimSpace(wl))
		}
	}
	return "no difference"
}
