package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/console"
	"github.com/ramsso/ramsso/internal/relogin"
)

// ConsoleInput is what `ramsso console` takes.
type ConsoleInput struct {
	Profile     string
	Destination string
	Print       bool
}

func configureConsoleCommand(app *App) *cobra.Command {
	var in ConsoleInput
	cmd := &cobra.Command{
		Use:   "console PROFILE [--destination URL] [--print]",
		Short: "Open the Alibaba Cloud console signed in as the profile's role",
		Long: `Sign in to the Alibaba Cloud console as the profile's role through the
federation endpoint (GetSigninToken, then the Login URL) and open it in the
default browser. The sign-in URL is valid for 30 seconds, once.

--print (or RAMSSO_NO_BROWSER=1) prints the URL instead. The endpoint is the
"signinEndpoint" setting or RAMSSO_SIGNIN_ENDPOINT (default signin.aliyun.com).`,
		Example: `  ramsso console prod-admin
  ramsso console prod-admin --destination https://ecs.console.aliyun.com/`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			return ConsoleCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().StringVar(&in.Destination, "destination", "", "console URL to land on (default: the console home for the session's site)")
	cmd.Flags().BoolVar(&in.Print, "print", false, "print the sign-in URL instead of opening it")
	return cmd
}

// ConsoleCommand signs in and opens (or prints) the console URL.
func ConsoleCommand(ctx context.Context, in ConsoleInput, app *App) error {
	eff, err := app.Effective()
	if err != nil {
		return err
	}
	client, err := console.New(eff.SigninEndpoint, eff.Proxy)
	if err != nil {
		return err
	}
	dest := in.Destination
	if dest != "" {
		// Fail before touching the session.
		if err := client.ValidateDestination(dest); err != nil {
			return err
		}
	}
	s, err := liveSession(ctx, app, in.Profile)
	if err != nil {
		return err
	}
	if dest == "" {
		dest = console.DefaultDestination(s.Site)
	}
	m, err := reloginManager(ctx, app)
	if err != nil {
		return err
	}
	u, err := client.SignIn(ctx, s.Credentials, dest, m.LoginURL(s))
	if err != nil {
		return fmt.Errorf("console sign-in as %s: %w", in.Profile, err)
	}
	env := relogin.Env(app.getenv)
	if in.Print || eff.NoBrowser || env.CanOpen() != nil {
		fmt.Fprintf(app.Stderr, "ramsso: sign-in URL for %s (valid 30 s, once; it signs in as %s — do not share it):\n", in.Profile, s.RoleArn)
		_, err := fmt.Fprintln(app.Stdout, u)
		return err
	}
	if err := env.Open(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "ramsso: opened the console as %s\n", s.RoleArn)
	return nil
}
