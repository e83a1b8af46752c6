package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/standin/demo"
	"github.com/ramsso/ramsso/internal/store"
)

// DemoInput is what the hidden `ramsso demo` takes.
type DemoInput struct {
	Headless  bool
	Keep      bool
	Dir       string
	Host      string
	Extension string
	Chromium  string
	Timeout   time.Duration
}

func configureDemoCommand(app *App) *cobra.Command {
	var in DemoInput
	cmd := &cobra.Command{
		Use:    "demo [--headless] [--keep]",
		Short:  "Try the browser capture end to end without an Alibaba Cloud account",
		Hidden: true,
		Long: `Run the whole capture path on this machine: a local STS emulator, a test
IdP login page for alice@example.com with three roles, a stand-in for
Alibaba's sign-in pages (with the console's role chooser), and Chromium with
the ramsso extension and ramsso-host registered in a fresh profile. It ends
when the credentials are in the store and shows ramsso list.

Nothing touches your own ramsso home or browser profile: the demo works in a
temporary directory (removed at the end unless --keep). Without a display,
or with --headless, Chromium runs headless and the sign-in clicks itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return DemoCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&in.Headless, "headless", false, "run Chromium headless and sign in unattended")
	f.BoolVar(&in.Keep, "keep", false, "keep the demo directory (ramsso home and Chromium profile)")
	f.StringVar(&in.Dir, "dir", "", "demo directory (default: a new temporary one)")
	f.StringVar(&in.Host, "host", "", "ramsso-host binary (default: next to ramsso, or on PATH)")
	f.StringVar(&in.Extension, "extension", "", "unpacked extension (default: extension/build/chrome)")
	f.StringVar(&in.Chromium, "chromium", "", "Chromium binary (default: $CHROMIUM or /usr/bin/chromium)")
	f.DurationVar(&in.Timeout, "timeout", 0, "give up after this long (default 60s headless, 5m with a window)")
	return cmd
}

// DemoCommand runs the demo and prints where the credentials went.
func DemoCommand(ctx context.Context, in DemoInput, app *App) (err error) {
	headless := in.Headless
	if !headless && !proc.HasDisplay(runtime.GOOS, app.getenv) {
		fmt.Fprintln(app.Stderr, "ramsso demo: no display, running Chromium headless")
		headless = true
	}
	dir, temp := in.Dir, in.Dir == ""
	if temp {
		if dir, err = os.MkdirTemp("", "ramsso-demo-"); err != nil {
			return fmt.Errorf("creating the demo directory: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the demo directory: %w", err)
	}
	defer func() {
		if temp && !in.Keep {
			if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
				err = fmt.Errorf("removing the demo directory: %w", rerr)
			}
		}
	}()
	res, err := demo.Run(ctx, demo.Options{
		Dir: dir, Headless: headless, HostBinary: in.Host, ExtensionDir: in.Extension,
		Chromium: in.Chromium, Timeout: in.Timeout, Log: app.Stderr,
	})
	if err != nil {
		if temp && !in.Keep {
			return fmt.Errorf("%w (run with --keep to keep the logs)", err)
		}
		return err
	}
	// ramsso list, against the demo home.
	sub := &App{
		Stdout: app.Stdout, Stderr: app.Stderr, Now: app.Now,
		Getenv: func(k string) string {
			switch k {
			case config.EnvHome:
				return res.Home
			case config.EnvStore:
				return store.KindFile
			}
			return app.getenv(k)
		},
	}
	fmt.Fprintf(app.Stderr, "\n$ RAMSSO_HOME=%s ramsso list\n", res.Home)
	if err := ListCommand(ctx, ListInput{}, sub); err != nil {
		return err
	}
	profile := res.Sessions[0].Profile
	if in.Keep || !temp {
		fmt.Fprintf(app.Stderr, `
Try the credentials (the emulator is gone, but the keys are in the demo store):
  export RAMSSO_HOME=%s
  ramsso env %s
  ramsso list --json
Open the demo browser profile again (the extension popup shows the sign-in):
  %s
`, res.Home, profile, res.Relaunch)
	} else {
		fmt.Fprintf(app.Stderr, "\nThe demo directory %s was removed; run with --keep to keep it and try ramsso env %s against it.\n", dir, profile)
	}
	fmt.Fprintln(app.Stderr, "For real: make build, ramsso install, load the extension, and sign in to the console through your IdP.")
	return nil
}
