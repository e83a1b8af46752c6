//go:build cgo || ci

// Command ramsso-tray-ui is the tray's window process: the role picker,
// the settings window and the sessions window, in Fyne. ramsso-tray (the
// resident tray) starts it on demand with the window protocol on its stdin
// and stdout and closes its stdin once no window has been open for a
// moment; it exits then, so the GL stack is only in memory while a person
// looks at a window. It is not meant to be started by hand.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/app/tray/windows"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/version"
)

// EnvScreenshots names a directory that receives software-rendered PNGs of
// the windows (CI's screenshots).
const EnvScreenshots = "RAMSSO_TRAY_SCREENSHOTS"

func main() {
	ver := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *ver {
		fmt.Println("ramsso-tray-ui", version.Version)
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ramsso-tray-ui:", err)
		os.Exit(1)
	}
}

func run() error {
	home, err := config.Home()
	if err != nil {
		return err
	}
	// The protocol owns stdout: nothing else may write there.
	out := os.Stdout
	os.Stdout = os.Stderr
	conn := tray.NewConn(os.Stdin, out)

	a := app.NewWithID("com.ramsso.tray")
	a.SetIcon(windows.IconResource(tray.IconActive))
	ui := windows.New(windows.Options{App: a, Conn: conn, Home: home, ScreenshotDir: os.Getenv(EnvScreenshots)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The resident closed the pipe (no window for a while) or died.
		if err := ui.Serve(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "ramsso-tray-ui:", err)
		}
		fyne.Do(a.Quit)
	}()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fyne.Do(a.Quit)
	}()
	a.Run()
	return nil
}
