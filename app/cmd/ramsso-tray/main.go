//go:build cgo || ci

// Command ramsso-tray is ramsso's desktop tray app: the sessions menu, the
// role picker and the settings window, and the local API the host and the
// CLI call. One instance runs per RAMSSO_HOME; a second start brings the
// first one's window forward and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	// Fyne drives fyne.io/systray itself (desktop.App.SetSystemTrayMenu;
	// never systray.Run beside it); it is required directly so its version
	// is pinned to the 1.12 line Fyne 2.7 is built against.
	_ "fyne.io/systray"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/version"
)

// EnvScreenshots names a directory that receives software-rendered PNGs of
// the menu, the picker and the settings window (CI's screenshots).
const EnvScreenshots = "RAMSSO_TRAY_SCREENSHOTS"

func main() {
	show := flag.String("show", "", "bring a window forward in the running tray: picker or settings")
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
	st, err := store.Open(ctx, home, set.StoreKind())
	if err != nil {
		return err
	}
	if n := store.Notice(st); n != "" {
		fmt.Fprintln(os.Stderr, n)
	}

	a := app.NewWithID("com.ramsso.tray")
	a.SetIcon(tray.IconResource(tray.IconActive))
	systemTray := hasTrayHost()
	if !systemTray {
		const msg = "no session bus (DBUS_SESSION_BUS_ADDRESS is unset), so no tray icon; the picker, the settings window and the local API still work"
		fmt.Fprintln(os.Stderr, "ramsso-tray: "+msg)
		logf("%s", msg) // started detached, stderr goes nowhere
	}
	t, err := tray.New(tray.Options{
		Home: home, App: a, Store: st, SystemTray: systemTray,
		ScreenshotDir: os.Getenv(EnvScreenshots), Logf: logf,
	})
	if err != nil {
		return err
	}
	ln, err := localapi.Listen(home)
	if err != nil {
		return err
	}
	srv := localapi.NewServer(t)
	srv.Logf = logf
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			logf("%v", err)
		}
	}()
	t.Start(ctx)
	if show != "" {
		_ = t.Show(ctx, localapi.Show{What: show})
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fyne.Do(a.Quit)
	}()
	logf("ramsso-tray %s serving %s (tray icon: %t)", version.Version, localapi.Address(home), systemTray)
	a.Run()
	cancel()
	return nil
}

// hasTrayHost says whether a system tray can be used. On Linux the tray
// is a StatusNotifierItem on the session bus, and without a bus
// fyne.io/systray panics when the app quits — so the tray menu is only set
// when DBUS_SESSION_BUS_ADDRESS is set. macOS and Windows always have one.
func hasTrayHost() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
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
