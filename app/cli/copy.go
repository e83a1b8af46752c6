package cli

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/clipboard"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/rolepicker"
)

// CopyInput is what `ramsso copy` takes.
type CopyInput struct {
	Profile    string
	What       string // env, id, secret, token
	Format     string // for env: sh, fish, powershell, dotenv, json
	ClearAfter string // "" → the clipboardTimeout setting
}

var copyWhats = []string{"env", "id", "secret", "token"}

func configureCopyCommand(app *App) *cobra.Command {
	var in CopyInput
	cmd := &cobra.Command{
		Use:   "copy PROFILE [--what env|id|secret|token]",
		Short: "Copy a profile's credentials to the clipboard, cleared again after a while",
		Long: `Copy the profile's credentials to the clipboard: as environment variables
(--what env, the default, in the envFormat setting's shell syntax or
--format), or just the AccessKey ID, secret or security token.

What ramsso copied is taken off the clipboard after the clipboardTimeout
setting (30s; --clear-after) if nothing replaced it. Secrets are marked for
clipboard managers (x-kde-passwordManagerHint) so they stay out of history.

On X11 a small ramsso process keeps the clipboard after this command ends
and exits when the copy is cleared or replaced; on Wayland it runs wl-copy
(wl-clipboard). Over SSH without a display, the copy goes to your own
terminal as an OSC 52 sequence (most terminals accept it; tmux needs
"set -g set-clipboard on"), and nothing can clear it afterwards.`,
		Example: `  ramsso copy prod-admin
  ramsso copy prod-admin --what secret
  ramsso copy prod-admin --format fish --clear-after 10s`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			return CopyCommand(cmd.Context(), in, app)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.What, "what", "env", "what to copy: env, id, secret or token")
	f.StringVar(&in.Format, "format", "", "with --what env: sh, fish, powershell, dotenv or json (default: the envFormat setting, else sh)")
	f.StringVar(&in.ClearAfter, "clear-after", "", "clear the clipboard after this long (default: the clipboardTimeout setting, 30s)")
	_ = cmd.RegisterFlagCompletionFunc("what", cobra.FixedCompletions(copyWhats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(envFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// CopyCommand copies the chosen part of the profile's credentials.
func CopyCommand(ctx context.Context, in CopyInput, app *App) error {
	_, set, err := app.Settings()
	if err != nil {
		return err
	}
	clearAfter, err := set.ClipboardTimeoutDuration()
	if err != nil {
		return err
	}
	if in.ClearAfter != "" {
		if clearAfter, err = config.ParseDuration(in.ClearAfter); err != nil {
			return fmt.Errorf("--clear-after: %w", err)
		}
	}
	format := firstNonEmpty(in.Format, set.EnvFormat, "sh")
	switch in.What {
	case "env":
		if err := writeEnv(discard{}, format, nil); err != nil {
			return err
		}
	case "id", "secret", "token":
	default:
		return fmt.Errorf("--what %q: use env, id, secret or token", in.What)
	}
	s, err := liveSession(ctx, app, in.Profile)
	if err != nil {
		return err
	}
	var text string
	secret := true
	switch in.What {
	case "env":
		var b bytes.Buffer
		if err := writeEnv(&b, format, envVars(s, set.Region)); err != nil {
			return err
		}
		text = b.String()
	case "id":
		text, secret = s.Credentials.AccessKeyID, false
	case "secret":
		text = s.Credentials.AccessKeySecret
	case "token":
		text = s.Credentials.SecurityToken
	}
	res, err := clipboard.CopyWith(ctx, clipboard.Env(app.getenv), text, secret, clearAfter)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	what := map[string]string{"env": "credentials (" + format + ")", "id": "AccessKey ID", "secret": "AccessKey secret", "token": "security token"}[in.What]
	switch {
	case res.Clears:
		fmt.Fprintf(app.Stderr, "ramsso: copied %s's %s; the clipboard is cleared in %s if it still holds them\n",
			in.Profile, what, rolepicker.FormatDuration(clearAfter.Round(time.Second)))
	case res.Backend == clipboard.BackendOSC52:
		fmt.Fprintf(app.Stderr, "ramsso: sent %s's %s to your terminal's clipboard (OSC 52); clear it yourself when done\n", in.Profile, what)
	default:
		fmt.Fprintf(app.Stderr, "ramsso: copied %s's %s (%s cannot be cleared automatically)\n", in.Profile, what, res.Backend)
	}
	return nil
}

// configureClipboardOwnerCommand is the hidden command `ramsso copy`
// starts, detached, to keep the clipboard after it exits.
func configureClipboardOwnerCommand() *cobra.Command {
	return &cobra.Command{
		Use:    clipboard.OwnerCommand,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := clipboard.RunOwnerMain(); code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
}
