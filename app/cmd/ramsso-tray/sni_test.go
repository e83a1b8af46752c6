package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ramsso/ramsso/app/tray/dbusmenu"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/store"
)

// These tests run the real resident tray (built here with CGO_ENABLED=0,
// or RAMSSO_TRAY_BIN) on a private D-Bus session bus, as a desktop's tray
// host sees it.

func trayBin(t *testing.T) string {
	if b := os.Getenv("RAMSSO_TRAY_BIN"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "ramsso-tray")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building ramsso-tray: %v\n%s", err, b)
	}
	return out
}

// sessionBus starts a private dbus-daemon and returns its address.
func sessionBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon (apt-get install dbus): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// watcher is a minimal org.kde.StatusNotifierWatcher: it records who
// registered.
type watcher struct{ got chan string }

func (w *watcher) RegisterStatusNotifierItem(service string, sender dbus.Sender) *dbus.Error {
	w.got <- string(sender) + " " + service
	return nil
}

func seedHome(t *testing.T) (string, store.Store) {
	home := filepath.Join(t.TempDir(), "home")
	ctx := context.Background()
	if err := config.Update(ctx, home, func(s *config.Settings) error { s.Store = store.KindFile; return nil }); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"prod-admin", "dev-ops"} {
		exp := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
		if err := st.Put(ctx, store.Session{Profile: p, RoleArn: "acs:ram::1:role/" + p, Expiration: exp,
			Credentials: creds.Credentials{AccessKeyID: "STS.x", AccessKeySecret: "s", SecurityToken: "t", Expiration: exp}}); err != nil {
			t.Fatal(err)
		}
	}
	return home, st
}

func startTray(t *testing.T, bin, home, bus string) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), config.EnvHome+"="+home, "DBUS_SESSION_BUS_ADDRESS="+bus, "DISPLAY=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for !localapi.Running(home) {
		if time.Now().After(deadline) {
			t.Fatal("the tray's local API did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegistersWithWatcherAndExportsMenu: the resident registers with the
// StatusNotifierWatcher, exports the sessions menu over dbusmenu, and a
// click from the tray host runs the item's action.
func TestRegistersWithWatcherAndExportsMenu(t *testing.T) {
	bin := trayBin(t)
	bus := sessionBus(t)
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := &watcher{got: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claiming the watcher name: %v %v", r, err)
	}
	home, st := seedHome(t)
	startTray(t, bin, home, bus)
	var sender string
	select {
	case reg := <-w.got:
		sender, _, _ = strings.Cut(reg, " ")
		if !strings.HasSuffix(reg, " /StatusNotifierItem") {
			t.Errorf("registered %q", reg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tray never called RegisterStatusNotifierItem")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var items []dbusmenu.Item
	for {
		items, err = dbusmenu.Read(ctx, conn, sender)
		if err == nil && len(items) > 4 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("reading the menu: %v %+v", err, items)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var labels []string
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	got := strings.Join(labels, "|")
	if !strings.Contains(got, "dev-ops — 1h59m left") && !strings.Contains(got, "dev-ops — 2h00m left") || !strings.HasSuffix(got, "Quit") {
		t.Fatalf("exported menu: %s", got)
	}
	if len(items[0].Children) != 9 {
		t.Errorf("session submenu: %+v", items[0].Children)
	}
	rm, ok := dbusmenu.Find(items[0].Children, "Remove")
	if !ok {
		t.Fatal("no Remove item")
	}
	first := items[0].Label[:strings.Index(items[0].Label, " ")]
	if err := dbusmenu.Click(ctx, conn, sender, rm.ID); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := st.Get(ctx, first); err != nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("clicking Remove did not remove %s", first)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServesWithoutWatcher: no tray host (stock GNOME without the
// AppIndicator extension, i3bar): the resident still serves the host and
// the CLI.
func TestServesWithoutWatcher(t *testing.T) {
	bin := trayBin(t)
	bus := sessionBus(t)
	home, _ := seedHome(t)
	startTray(t, bin, home, bus)
	c := localapi.Dial(home)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ss, err := c.Sessions(ctx)
	if err != nil || len(ss) != 2 {
		t.Fatalf("sessions without a watcher: %+v %v", ss, err)
	}
}
