package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/relogin"
	"github.com/ramsso/ramsso/internal/store"
)

// LoginInput is what `ramsso login` takes.
type LoginInput struct {
	Profile string
	Timeout time.Duration
}

func configureLoginCommand(app *App) *cobra.Command {
	var in LoginInput
	cmd := &cobra.Command{
		Use:   "login [PROFILE]",
		Short: "Open your IdP's login page and wait for the fresh session",
		Long: `Open the IdP login URL known for PROFILE (the "idpLoginURLs" setting, by profile
or by the session's IdP) in the default browser and wait for the browser
extension to bring a fresh session. The capture takes the profile's role
without asking.

Without PROFILE: when exactly one login URL is configured, open it and wait
for any new session.

RAMSSO_NO_BROWSER=1 prints the URL instead of opening it; $BROWSER chooses
the browser command.`,
		Example: `  ramsso login prod-admin
  ramsso login --timeout 5m`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				in.Profile = args[0]
			}
			if in.Timeout <= 0 {
				return fmt.Errorf("--timeout %s: give how long to wait for the login, a positive duration like 2m", in.Timeout)
			}
			return LoginCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().DurationVar(&in.Timeout, "timeout", relogin.DefaultWait, "how long to wait for the fresh session")
	return cmd
}

// reloginManager builds the re-login manager for this process.
func reloginManager(ctx context.Context, app *App) (*relogin.Manager, error) {
	p, err := app.Pipeline()
	if err != nil {
		return nil, err
	}
	return p.Relogin(ctx)
}

// LoginCommand opens the login page and waits for the fresh session.
func LoginCommand(ctx context.Context, in LoginInput, app *App) error {
	m, err := reloginManager(ctx, app)
	if err != nil {
		return err
	}
	m.Wait = in.Timeout
	if m.Wait <= 0 {
		m.Wait = relogin.DefaultWait
	}
	env := relogin.Env(app.getenv)
	if in.Profile == "" {
		urls := m.LoginURLs()
		switch len(urls) {
		case 0:
			return errors.New("no IdP login URL is configured: add one to \"idpLoginURLs\" in settings.json (IdP issuer or profile → URL), or log in through your IdP in the browser")
		case 1:
		default:
			return fmt.Errorf("several IdP login URLs are configured (%s): name a profile, ramsso login PROFILE (ramsso list shows them)", strings.Join(urls, ", "))
		}
		since := app.now()
		if err := openOrPrint(ctx, app, env, urls[0], "the IdP login page"); err != nil {
			return err
		}
		fmt.Fprintf(app.Stderr, "ramsso: waiting up to %s for the login to bring a session…\n", m.Wait.Round(time.Second))
		s, err := m.WaitAny(ctx, since)
		if err != nil {
			return err
		}
		fmt.Fprintf(app.Stderr, "ramsso: new session %s (%s), valid until %s\n", s.Profile, s.RoleArn, fmtTime(s.Expiration))
		return nil
	}
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	old, err := st.Get(ctx, in.Profile)
	if errors.Is(err, store.ErrNotFound) {
		return noSessionError(ctx, st, in.Profile)
	}
	if err != nil {
		return fmt.Errorf("read session %s: %w", in.Profile, err)
	}
	url := m.LoginURL(old)
	if url == "" {
		return fmt.Errorf("no IdP login URL is known for %s: %s", in.Profile, relogin.HowToLogIn(in.Profile))
	}
	cs := &capture.State{Home: m.Home, Now: app.Now}
	if err := cs.RecordIntent(ctx, capture.Intent{Profile: old.Profile, RoleArn: old.RoleArn, ProviderArn: old.ProviderArn, Issuer: old.Issuer}); err != nil {
		return fmt.Errorf("recording the re-login for %s: %w", old.Profile, err)
	}
	if err := openOrPrint(ctx, app, env, url, "the IdP login page"); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "ramsso: log in there; waiting up to %s for a fresh %s…\n", m.Wait.Round(time.Second), in.Profile)
	_, err = m.WaitFresh(ctx, in.Profile, old)
	return err
}

// openOrPrint opens url in the browser, or prints it on stdout when no
// browser may or can be opened.
func openOrPrint(ctx context.Context, app *App, env relogin.Env, url, what string) error {
	if err := env.CanOpen(); err != nil {
		fmt.Fprintf(app.Stderr, "ramsso: not opening a browser (%v); open %s yourself:\n", err, what)
		_, werr := fmt.Fprintln(app.Stdout, url)
		return werr
	}
	if err := env.Open(ctx, url); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "ramsso: opened %s in your browser\n", what)
	return nil
}
