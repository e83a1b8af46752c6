// Command ramsso-tray is ramsso's resident desktop tray: the sessions menu
// (fyne.io/systray: D-Bus StatusNotifierItem on Linux, no cgo), the local
// API the host and the CLI call, notifications, expiry warnings and the
// clipboard. The picker and the settings window run in ramsso-tray-ui,
// started on demand. One instance runs per RAMSSO_HOME; a second start
// brings the first one's window forward and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/app/tray/resident"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/version"
)

// EnvUIGrace overrides how long the window process outlives its last
// window (a Go duration; default resident.DefaultGrace): the benchmark
// sets it to measure cold and warm pickers.
const EnvUIGrace = "RAMSSO_TRAY_UI_GRACE"

func main() {
	show := flag.String("show", "", "bring a window forward in the running tray: picker, settings or sessions")
	ver := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *ver {
		fmt.Println("ramsso-tray", version.Version)
		return
	}
	if err := run(*show); err != nil {
		fmt.Fprintln(os.Stderr, "ramsso-tray:", err)
		os.Exit(1)
	}
}

func run(show string) error {
	home, err := config.Home()
	if err != nil {
		return err
	}
	if err := config.EnsureHome(home); err != nil {
		return err
	}
	release, err := localapi.AcquireInstance(home)
	if errors.Is(err, localapi.ErrAlreadyRunning) {
		return showRunning(home, show)
	}
	if err != nil {
		return err
	}
	defer release()

	logf := openLog(home)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	set, err := config.Load(home)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, home, config.Resolve(os.Getenv, set).Store)
	if err != nil {
		return err
	}
	if n := store.Notice(st); n != "" {
		fmt.Fprintln(os.Stderr, n)
	}

	o := resident.Options{Home: home, Store: st, Logf: logf, Notifier: resident.DefaultNotifier(), Clipboard: resident.DefaultClipboard()}
	if exe, err := os.Executable(); err == nil {
		o.TrayExe = exe
	}
	if v := os.Getenv(EnvUIGrace); v != "" {
		if o.Grace, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("%s=%q: %w", EnvUIGrace, v, err)
		}
	}
	if ui, err := localapi.FindTrayUI(); err == nil {
		o.Windows = func() *exec.Cmd { return localapi.TrayUICommand(ui, home) }
	} else {
		logf("%v: role questions go to the extension's popup", err)
	}
	hasBus := hasTrayHost()
	var menu *resident.SystrayMenu
	if hasBus {
		menu = &resident.SystrayMenu{}
		o.Menu = menu
		o.TrayHost = watcherPresent
	} else {
		const msg = "no session bus (DBUS_SESSION_BUS_ADDRESS is unset), so no tray icon; the picker, the settings window and the local API still work"
		fmt.Fprintln(os.Stderr, "ramsso-tray: "+msg)
		logf("%s", msg) // started detached, stderr goes nowhere
	}
	quit := make(chan struct{}, 1)
	o.Quit = func() {
		select {
		case quit <- struct{}{}:
		default:
		}
	}
	r, err := resident.New(o)
	if err != nil {
		return err
	}
	if menu != nil {
		menu.Do = func(a tray.Action) { r.Do(context.Background(), a) }
	}
	ln, err := localapi.Listen(home)
	if err != nil {
		return err
	}
	srv := localapi.NewServer(r)
	srv.Logf = logf
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			logf("%v", err)
		}
	}()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		select {
		case <-sig:
		case <-quit:
		}
		r.Close()
		if hasBus {
			systray.Quit()
		} else {
			cancel()
		}
	}()
	logf("ramsso-tray %s serving %s (tray icon: %t)", version.Version, localapi.Address(home), hasBus)
	start := func() {
		r.Start(ctx)
		if show != "" {
			_ = r.Show(ctx, localapi.Show{What: show})
		}
	}
	if hasBus {
		// systray.Run exports the icon and the menu, then calls start.
		systray.Run(start, nil)
	} else {
		start()
		<-ctx.Done()
	}
	cancel()
	return nil
}

// hasTrayHost says whether a system tray can be used. On Linux the tray
// is a StatusNotifierItem on the session bus, and without a bus
// fyne.io/systray panics when it quits — so the icon is only started when
// DBUS_SESSION_BUS_ADDRESS is set. macOS and Windows always have one.
func hasTrayHost() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// watcherPresent says whether a StatusNotifierWatcher (the desktop's
// tray host: KDE, GNOME's AppIndicator extension, waybar…) is on the
// session bus; without one fyne.io/systray only logs "failed to register".
func watcherPresent() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has); err != nil {
		return false
	}
	return has
}

// showRunning asks the running tray to come forward and returns.
func showRunning(home, what string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := localapi.Dial(home)
	defer c.Close()
	if err := c.Show(ctx, what); err != nil {
		return fmt.Errorf("another ramsso-tray holds %s but does not answer: %w", filepath.Join(home, localapi.LockName), err)
	}
	fmt.Fprintln(os.Stderr, "ramsso-tray is already running; brought it forward")
	return nil
}

// openLog logs to tray.log under home (never secrets), else stderr.
func openLog(home string) func(string, ...any) {
	f, err := os.OpenFile(filepath.Join(home, "tray.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		l := log.New(os.Stderr, "ramsso-tray: ", log.LstdFlags)
		return l.Printf
	}
	l := log.New(f, "", log.LstdFlags)
	return l.Printf
}
