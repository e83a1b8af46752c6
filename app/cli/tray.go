package cli

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/proc"
)

// TrayInput is what `ramsso tray` takes.
type TrayInput struct {
	// Show is the window to bring forward: "picker", "settings" or "".
	Show string
	// Exe overrides the ramsso-tray binary (tests).
	Exe string
}

func configureTrayCommand(app *App) *cobra.Command {
	var in TrayInput
	cmd := &cobra.Command{
		Use:   "tray",
		Short: "Start the ramsso tray app (or bring it forward if it runs)",
		Long: "Starts ramsso-tray, the desktop app with the sessions menu and the role picker,\n" +
			"detached from this terminal. If it already runs for this RAMSSO_HOME, brings it forward.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return TrayCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().StringVar(&in.Show, "show", "", "window to bring forward: picker, settings or sessions")
	return cmd
}

// TrayCommand starts the tray or brings the running one forward.
func TrayCommand(ctx context.Context, in TrayInput, app *App) error {
	switch in.Show {
	case "", "picker", "settings", "sessions":
	default:
		return fmt.Errorf("--show %q: use picker, settings or sessions", in.Show)
	}
	home, _, err := app.Settings()
	if err != nil {
		return err
	}
	if localapi.Running(home) {
		c := localapi.Dial(home)
		defer c.Close()
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := c.Show(sctx, in.Show); err != nil {
			return fmt.Errorf("the tray runs but did not come forward: %w", err)
		}
		fmt.Fprintln(app.Stderr, "ramsso: the tray is already running; brought it forward")
		return nil
	}
	if !proc.HasDisplay(runtime.GOOS, app.getenv) {
		return fmt.Errorf("%s: the tray needs a desktop session; the CLI and the browser capture work without it", proc.NoDisplayError)
	}
	exe := in.Exe
	if exe == "" {
		if exe, err = localapi.FindTray(); err != nil {
			return err
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pid, err := localapi.StartTray(sctx, home, exe)
	if err != nil {
		return err
	}
	c := localapi.Dial(home)
	defer c.Close()
	if in.Show != "" {
		_ = c.Show(sctx, in.Show)
	} else if st, err := c.Ping(sctx); err == nil && !st.Tray {
		// No tray host shows the icon (stock GNOME, i3bar): the launcher
		// opens the sessions window instead.
		_ = c.Show(sctx, "sessions")
	}
	fmt.Fprintf(app.Stderr, "ramsso: the tray is running (pid %d)\n", pid)
	return nil
}
