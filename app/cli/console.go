package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/browseropen"
	"github.com/ramsso/ramsso/internal/console"
	"github.com/ramsso/ramsso/internal/relogin"
)

// ConsoleInput is what `ramsso console` takes.
type ConsoleInput struct {
	Profile     string
	Destination string
	Print       bool
	// BrowserProfile opens the console in this browser profile
	// (Chrome-family --profile-directory, Firefox -P).
	BrowserProfile string
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
"signinEndpoints" setting for the session's site ({"international": "..."}),
"signinEndpoint" for every site, or RAMSSO_SIGNIN_ENDPOINT; the default for both
sites is signin.aliyun.com, the only host Alibaba documents (older
international docs use signin-intl.aliyun.com). ramsso doctor shows which one
is in use.`,
		Example: `  ramsso console prod-admin
  ramsso console dev-admin --browser-profile "Profile 2"
  ramsso console prod-admin --destination https://ecs.console.aliyun.com/`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Profile = args[0]
			if cmd.Flags().Changed("browser-profile") && in.BrowserProfile == "" {
				return browseropen.ValidateProfileName("")
			}
			return ConsoleCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().StringVar(&in.Destination, "destination", "", "console URL to land on (default: the console home for the session's site)")
	cmd.Flags().BoolVar(&in.Print, "print", false, "print the sign-in URL instead of opening it")
	cmd.Flags().StringVar(&in.BrowserProfile, "browser-profile", "", "open in this browser profile (Chrome-family \"Profile 1\", Firefox \"work\"), so two roles can have two consoles")
	return cmd
}

// ConsoleCommand signs in and opens (or prints) the console URL.
func ConsoleCommand(ctx context.Context, in ConsoleInput, app *App) error {
	eff, err := app.Effective()
	if err != nil {
		return err
	}
	endpointFor := func(site string) (*console.Client, console.Resolved, error) {
		r := console.ResolveEndpoint(site, eff.SigninEnv, eff.Settings.SigninEndpoint, eff.SigninEndpoints)
		c, err := console.New(r.Endpoint, eff.Proxy)
		if err != nil {
			return nil, r, fmt.Errorf("%w (it comes from %s)", err, r.Source)
		}
		return c, r, nil
	}
	client, _, err := endpointFor("")
	if err != nil {
		return err
	}
	if in.BrowserProfile != "" {
		if err := browseropen.ValidateProfileName(in.BrowserProfile); err != nil {
			return err
		}
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
	client, resolved, err := endpointFor(s.Site)
	if err != nil {
		return err
	}
	m, err := reloginManager(ctx, app)
	if err != nil {
		return err
	}
	u, err := client.SignIn(ctx, s.Credentials, dest, m.LoginURL(s))
	if err != nil {
		return fmt.Errorf("console sign-in as %s: %w (%s)", in.Profile, err, resolved.Remedy(s.Site))
	}
	env := relogin.Env(app.getenv)
	if in.Print || eff.NoBrowser || env.CanOpen() != nil {
		fmt.Fprintf(app.Stderr, "ramsso: sign-in URL for %s (valid 30 s, once; it signs in as %s — do not share it):\n", in.Profile, s.RoleArn)
		_, err := fmt.Fprintln(app.Stdout, u)
		return err
	}
	if in.BrowserProfile != "" {
		if err := browseropen.Env(app.getenv).Open(ctx, u, in.BrowserProfile); err != nil {
			return err
		}
		fmt.Fprintf(app.Stderr, "ramsso: opened the console as %s in browser profile %q\n", s.RoleArn, in.BrowserProfile)
		return nil
	}
	if err := env.Open(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "ramsso: opened the console as %s\n", s.RoleArn)
	return nil
}
