package relogin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/urlcheck"
)

// Opener opens a URL in the user's browser.
type Opener func(ctx context.Context, url string) error

// EnvBrowser names the browser command(s) to use, as xdg-open reads it: a
// list separated by ':' (';' on Windows); "%s" in a command is replaced by
// the URL, otherwise the URL is appended.
const EnvBrowser = "BROWSER"

// openWait bounds how long an opener command may take before ramsso stops
// waiting for it (it keeps running).
const openWait = 5 * time.Second

// Env is the environment the opener and the display check read; nil
// getenv means os.Getenv.
type Env func(string) string

func (e Env) get(k string) string {
	if e == nil {
		return os.Getenv(k)
	}
	return e(k)
}

// NoBrowser reports whether RAMSSO_NO_BROWSER asks never to open a browser.
func (e Env) NoBrowser() bool {
	return config.ParseNoBrowser(e.get(config.EnvNoBrowser))
}

// CanOpen says whether a browser can be opened here: not with
// RAMSSO_NO_BROWSER, and on Linux and the BSDs only with $BROWSER or a
// display (DISPLAY or WAYLAND_DISPLAY).
func (e Env) CanOpen() error {
	if e.NoBrowser() {
		return errors.New(config.EnvNoBrowser + " is set")
	}
	if e.get(EnvBrowser) != "" {
		return nil
	}
	if !proc.HasDisplay(runtime.GOOS, e.get) {
		return errors.New(proc.NoDisplayError)
	}
	return nil
}

// Open opens url in the default browser: the $BROWSER commands if set,
// else xdg-open (Linux, BSD), open (macOS) or rundll32's URL handler
// (Windows). The URL is passed as one argument, never through a shell.
func (e Env) Open(ctx context.Context, url string) error {
	// Only https (http to loopback), never something an opener reads as
	// an option: "--new-instance=file:///etc/shadow" used to reach $BROWSER.
	if err := urlcheck.Openable(url); err != nil {
		return fmt.Errorf("not opening it: %w", err)
	}
	if b := e.get(EnvBrowser); b != "" {
		sep := ":"
		if runtime.GOOS == "windows" {
			sep = ";"
		}
		var errs []error
		for _, c := range strings.Split(b, sep) {
			fields := strings.Fields(c)
			if len(fields) == 0 {
				continue
			}
			args, subst := make([]string, 0, len(fields)), false
			for _, f := range fields[1:] {
				if strings.Contains(f, "%s") {
					f, subst = strings.ReplaceAll(f, "%s", url), true
				}
				args = append(args, f)
			}
			if !subst {
				args = append(args, url)
			}
			if err := run(ctx, fields[0], args...); err != nil {
				errs = append(errs, err)
				continue
			}
			return nil
		}
		return fmt.Errorf("opening the browser ($%s): %w", EnvBrowser, errors.Join(errs...))
	}
	var err error
	switch runtime.GOOS {
	case "darwin":
		err = run(ctx, "open", url)
	case "windows":
		err = run(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	default:
		err = run(ctx, "xdg-open", url)
	}
	if err != nil {
		return fmt.Errorf("opening the browser: %w", err)
	}
	return nil
}

// run starts a command without stdio and waits a little for it: openers
// like xdg-open return at once, a browser started directly keeps running.
func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			// The URL can carry a secret (console sign-in): name only the command.
			return fmt.Errorf("%s failed: %w", name, err)
		}
		return nil
	case <-time.After(openWait):
		return nil
	case <-ctx.Done():
		return nil
	}
}
