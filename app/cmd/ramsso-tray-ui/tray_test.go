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
	"sort"
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

// treeKB is the resident memory of pid and every process it keeps running.
func treeKB(t *testing.T, pid int) int {
	kb := statusKB(t, pid, "VmRSS:")
	for _, c := range children(pid) {
		kb += treeKB(t, c)
	}
	return kb
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

// TestIdleMemory is the benchmark (`make bench-tray`): the resident
// memory of the tray and every process it keeps running, with 10
// sessions, after RAMSSO_TRAY_IDLE (default 60 s) idle — goal 25 MB;
// then ask → picker focused on screen over RAMSSO_TRAY_ASKS asks each
// cold (a new window process) and warm (within the grace period) — goal:
// median under 400 ms, logged; then memory while the picker is open and 10 s
// after it closed.
func TestIdleMemory(t *testing.T) {
	var ss []store.Session
	for i := 0; i < 10; i++ {
		ss = append(ss, session(fmt.Sprintf("acct%d-role%d", i/3, i), "12345678901234"+strconv.Itoa(10+i), "", "role"+strconv.Itoa(i), time.Duration(i+1)*40*time.Minute))
	}
	const grace = 2 * time.Second
	p := start(t, seed(t, ss), "RAMSSO_TRAY_UI_GRACE="+grace.String(), "RAMSSO_TRAY_SCREENSHOTS=")
	ctx := context.Background()
	idle := 60 * time.Second
	if v := os.Getenv("RAMSSO_TRAY_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		idle = d
	}
	time.Sleep(idle)
	m := memory(t, p.cmd.Process.Pid)
	total := treeKB(t, p.cmd.Process.Pid)
	t.Logf("idle %s with 10 sessions: %.1f MB total for the tray and its children (resident tray %.1f MB: %.1f MB anonymous, %.1f MB file-backed; %d child processes)",
		idle, mb(total), mb(m.total), mb(m.anon), mb(m.file), len(children(p.cmd.Process.Pid)))
	if total > 25*1024 {
		t.Errorf("idle memory %.1f MB is over the 25 MB goal", mb(total))
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
	asks := 5
	if v := os.Getenv("RAMSSO_TRAY_ASKS"); v != "" {
		if asks, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	// ask shows the picker and returns the latency; keep leaves it open.
	ask := func(keep bool) (time.Duration, context.CancelFunc) {
		before, _ := p.client.Ping(ctx)
		actx, cancel := context.WithCancel(ctx)
		t0 := time.Now()
		go func() {
			_, _ = p.client.AskRole(actx, capture.AskRequest{ID: "b", Issuer: resp.Issuer, Roles: resp.Roles, AssertionExpires: resp.NotOnOrAfter})
		}()
		var shown time.Time
		waitFor(t, "the picker focused", 20*time.Second, func() bool {
			st, err := p.client.Ping(ctx)
			if err == nil && st.PickerShownAt.After(before.PickerShownAt) {
				shown = st.PickerShownAt
				return true
			}
			return false
		})
		if !keep {
			cancel()
		}
		return shown.Sub(t0), cancel
	}
	var cold, warm []time.Duration
	for i := 0; i < asks; i++ {
		waitFor(t, "the window process to exit", 20*time.Second, func() bool { return p.uiPID() == 0 })
		d, _ := ask(false)
		cold = append(cold, d)
		time.Sleep(300 * time.Millisecond) // within the grace period
		d, _ = ask(false)
		warm = append(warm, d)
	}
	if asks > 0 {
		t.Logf("ask → picker focused, cold (window process started): first %s, median %s over %d", cold[0].Round(time.Millisecond), median(cold).Round(time.Millisecond), asks)
		t.Logf("ask → picker focused, warm (window process within its grace): median %s over %d", median(warm).Round(time.Millisecond), asks)
		// Logged against the goal, not asserted: a loaded machine must not
		// fail a test on speed.
		t.Logf("cold median against the 400 ms goal: %s", map[bool]string{true: "met", false: "NOT met"}[median(cold) < 400*time.Millisecond])
	}

	waitFor(t, "the window process to exit", 20*time.Second, func() bool { return p.uiPID() == 0 })
	_, cancel := ask(true)
	time.Sleep(time.Second)
	open := treeKB(t, p.cmd.Process.Pid)
	cancel()
	time.Sleep(10 * time.Second)
	after := treeKB(t, p.cmd.Process.Pid)
	t.Logf("picker open: %.1f MB total; 10 s after it closed: %.1f MB (window process running: %v)", mb(open), mb(after), p.uiPID() != 0)
	if after > 25*1024 {
		t.Errorf("10 s after the picker closed the tray holds %.1f MB, over the 25 MB goal", mb(after))
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
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
