//go:build screenshots

// These tests run the real binaries — the resident ramsso-tray
// (RAMSSO_TRAY_BIN) and the ramsso-tray-ui beside it, which the resident
// starts — on a display, normally Xvfb inside dbus-run-session:
// `make screenshots` and `make bench-tray`.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/godbus/dbus/v5"

	"github.com/ramsso/ramsso/app/tray/dbusmenu"
	"github.com/ramsso/ramsso/app/tray/windows"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/store"
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

func start(t *testing.T, home string, env ...string) *trayProc {
	shots := t.TempDir()
	cmd := exec.Command(bin(t))
	cmd.Env = append(os.Environ(), config.EnvHome+"="+home, config.EnvNoBrowser+"=1", "RAMSSO_TRAY_SCREENSHOTS="+shots)
	cmd.Env = append(cmd.Env, env...)
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
		time.Sleep(5 * time.Millisecond)
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// claimWatcher plays the desktop's StatusNotifierWatcher on the session
// bus and returns the bus name of the first item that registers.
func claimWatcher(t *testing.T) (*dbus.Conn, <-chan string) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("no session bus (run inside dbus-run-session): %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &watcher{got: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claiming the watcher name: %v %v", r, err)
	}
	return conn, w.got
}

type watcher struct{ got chan string }

func (w *watcher) RegisterStatusNotifierItem(_ string, sender dbus.Sender) *dbus.Error {
	w.got <- string(sender)
	return nil
}

// readMenu reads the resident's exported menu until it has n sessions.
func readMenu(t *testing.T, conn *dbus.Conn, dest string, n int) []dbusmenu.Item {
	var items []dbusmenu.Item
	waitFor(t, "the exported menu", 10*time.Second, func() bool {
		var err error
		items, err = dbusmenu.Read(context.Background(), conn, dest)
		subs := 0
		for _, it := range items {
			if len(it.Children) > 0 {
				subs++
			}
		}
		return err == nil && subs == n
	})
	return items
}

// TestScreenshots drives the real binaries: the menu the resident exports
// over D-Bus (read back and rendered as a tray host would draw it), then
// a capture reported by the "host", a role question shown by the window
// process, the settings window; it keeps the screenshots (into
// RAMSSO_SCREENSHOTS_OUT, e.g. docs/img).
func TestScreenshots(t *testing.T) {
	conn, registered := claimWatcher(t)
	home := seed(t, []store.Session{
		session("prod-admin", "1234567890123456", "prod", "admin", 3*time.Hour+25*time.Minute),
		session("staging-dev", "6543210987654321", "staging", "dev", 7*time.Minute),
		session("prod-readonly", "1234567890123456", "prod", "readonly", -20*time.Minute),
	})
	p := start(t, home)
	ctx := context.Background()
	var item string
	select {
	case item = <-registered:
	case <-time.After(10 * time.Second):
		t.Fatal("the tray never registered with the StatusNotifierWatcher")
	}
	if p.uiPID() != 0 {
		t.Errorf("a window process runs before any window was asked for")
	}
	// A second instance brings the first forward and exits 0.
	second := exec.Command(bin(t))
	second.Env = append(os.Environ(), config.EnvHome+"="+home)
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already running") {
		t.Errorf("second instance: %v %s", err, out)
	}
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
	var items []dbusmenu.Item
	waitFor(t, "Pick role… enabled in the exported menu", 10*time.Second, func() bool {
		items = readMenu(t, conn, item, 3)
		for _, it := range items {
			if strings.HasPrefix(it.Label, "Pick role… (login valid") && it.Enabled {
				return true
			}
		}
		return false
	})
	menuPNG := filepath.Join(p.shots, "tray-menu.png")
	test.NewTempApp(t) // the widgets need an app (theme, fonts) to lay out
	m := dbusmenu.Model(items)
	preview := windows.MenuPreview(m, nil)
	w := test.NewWindow(preview)
	w.Resize(preview.MinSize())
	writePNG(t, menuPNG, w.Canvas().Capture())
	w.Close()

	// The host asks; the window process starts and shows the picker.
	actx, cancel := context.WithCancel(ctx)
	asked := make(chan error, 1)
	t0 := time.Now()
	go func() {
		_, err := p.client.AskRole(actx, capture.AskRequest{ID: "f2", Issuer: resp.Issuer, Subject: resp.Subject, Roles: resp.Roles,
			Aliases: map[string]string{"1234567890123456": "prod"}, AssertionExpires: resp.NotOnOrAfter})
		asked <- err
	}()
	waitFor(t, "picker.png", 20*time.Second, func() bool { return exists(filepath.Join(p.shots, "picker.png")) })
	waitFor(t, "the picker focused", 20*time.Second, func() bool {
		st, err := p.client.Ping(ctx)
		return err == nil && !st.PickerShownAt.IsZero()
	})
	st, _ := p.client.Ping(ctx)
	t.Logf("ask → picker focused on screen (cold window process): %s", st.PickerShownAt.Sub(t0).Round(time.Millisecond))
	if p.uiPID() == 0 {
		t.Error("no window process while the picker shows")
	}
	cancel()
	if err := <-asked; !errors.Is(err, context.Canceled) {
		t.Errorf("ask after the caller gave up: %v", err)
	}
	if err := p.client.Show(ctx, "settings"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "settings.png", 20*time.Second, func() bool { return exists(filepath.Join(p.shots, "settings.png")) })
	if dst := os.Getenv("RAMSSO_SCREENSHOTS_OUT"); dst != "" {
		for _, name := range []string{"tray-menu.png", "picker.png", "settings.png"} {
			copyFile(t, filepath.Join(p.shots, name), filepath.Join(dst, name))
		}
	}
}

// uiPID is the window process's pid (a child of the tray named
// ramsso-tray-ui), or 0.
func (p *trayProc) uiPID() int {
	for _, c := range children(p.cmd.Process.Pid) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c)); err == nil && strings.HasPrefix(string(b), "ramsso-tray-ui") {
			return c
		}
	}
	return 0
}

// children lists pid's child processes.
func children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, c)
		}
	}
	return out
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

func writePNG(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestWindowDiesWithResident: the resident is killed (no clean shutdown)
// while the picker shows; the window process goes with it.
func TestWindowDiesWithResident(t *testing.T) {
	home := seed(t, nil)
	p := start(t, home)
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
	go func() {
		_, _ = p.client.AskRole(context.Background(), capture.AskRequest{ID: "x", Issuer: resp.Issuer, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter})
	}()
	var ui int
	waitFor(t, "the window process", 20*time.Second, func() bool { ui = p.uiPID(); return ui != 0 })
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	waitFor(t, "the window process to die with the resident", 10*time.Second, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", ui))
		// Gone, or a zombie waiting for init to reap it.
		return err != nil || strings.Contains(string(b[strings.LastIndexByte(string(b), ')'):]), ") Z")
	})
}
