package cli

import (
	"context"
	"fmt"
	"net"
	"sort"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/credserver"
	"github.com/ramsso/ramsso/internal/store"
)

// ServeInput is what `ramsso serve` takes.
type ServeInput struct {
	Port  int
	Print string
	// ready, when set, is called once the server listens (tests).
	ready func(credserver.State)
}

func configureServeCommand(app *App) *cobra.Command {
	var in ServeInput
	cmd := &cobra.Command{
		Use:   "serve [--port N] [--print PROFILE]",
		Short: "Serve credentials to the SDKs and Terraform (ALIBABA_CLOUD_CREDENTIALS_URI)",
		Long: `Serve each profile's credentials on 127.0.0.1 at a URL holding a secret token,
as credentials-go's ALIBABA_CLOUD_CREDENTIALS_URI (and the aliyun CLI's
CredentialsURI mode) read them. The port and token are kept in RAMSSO_HOME,
so the URL stays the same across restarts. An expired session answers with
an error (never stale keys) and, when its IdP login URL is known, opens the
login page once.

--print PROFILE only prints the URL.`,
		Example: `  ramsso serve &
  export ALIBABA_CLOUD_CREDENTIALS_URI=$(ramsso serve --print prod-admin)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return ServeCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().IntVar(&in.Port, "port", 0, "port to listen on (remembered; default: chosen once at random)")
	cmd.Flags().StringVar(&in.Print, "print", "", "print PROFILE's credentials URI and exit")
	_ = cmd.RegisterFlagCompletionFunc("print", completeProfiles(app))
	return cmd
}

// ServeCommand prints the URIs and serves until ctx ends.
func ServeCommand(ctx context.Context, in ServeInput, app *App) error {
	if in.Port < 0 || in.Port > 65535 {
		return fmt.Errorf("--port %d is not a port", in.Port)
	}
	home, _, err := app.Settings()
	if err != nil {
		return err
	}
	// A port given with --port is remembered only once it could be bound,
	// so a busy port is never saved.
	var ln net.Listener
	if in.Port > 0 && in.Print == "" {
		if ln, err = credserver.Listen(in.Port); err != nil {
			return err
		}
		defer func() {
			if ln != nil {
				ln.Close()
			}
		}()
	}
	state, err := credserver.LoadState(ctx, home, in.Port)
	if err != nil {
		return err
	}
	if in.Print != "" {
		_, err := fmt.Fprintln(app.Stdout, state.URL(in.Print))
		return err
	}
	app.hotPath = true // credentials-URI requests must never wait for a keyring retry
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	m, err := reloginManager(ctx, app)
	if err != nil {
		return err
	}
	if ln == nil {
		if ln, err = credserver.Listen(state.Port); err != nil {
			return err
		}
	}
	list, err := st.List(ctx)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listing sessions: %w", err)
	}
	listed := map[string]bool{}
	for _, s := range list {
		listed[s.Profile] = true
		fmt.Fprintf(app.Stdout, "# %s (%s)\nexport ALIBABA_CLOUD_CREDENTIALS_URI=%s\n", s.Profile, s.RoleArn, state.URL(s.Profile))
	}
	if _, set, err := app.Settings(); err == nil {
		for _, name := range sortedKeys(set.ChainedProfiles) {
			if !listed[name] {
				fmt.Fprintf(app.Stdout, "# %s (%s, chained from %s)\nexport ALIBABA_CLOUD_CREDENTIALS_URI=%s\n",
					name, set.ChainedProfiles[name].RamRoleArn, set.ChainedProfiles[name].SourceProfile, state.URL(name))
			}
		}
	}
	if len(list) == 0 {
		fmt.Fprintf(app.Stdout, "# no sessions yet; each profile will be at\nexport ALIBABA_CLOUD_CREDENTIALS_URI=%s\n", state.URL("PROFILE"))
	}
	fmt.Fprintf(app.Stderr, "ramsso: serving credentials on 127.0.0.1:%d (Ctrl-C to stop)\n", state.Port)
	srv := &credserver.Server{State: state, Store: st, Now: app.Now,
		Refresh: func(ctx context.Context, old *store.Session) (*store.Session, error) {
			if m.LoginURL(old) == "" {
				return nil, nil
			}
			s, err := m.Refresh(ctx, old)
			if err != nil {
				fmt.Fprintf(app.Stderr, "ramsso: %s\n", oneLine(err.Error()))
			}
			return s, err
		}}
	if res, err := sessionResolver(ctx, app); err == nil {
		srv.Resolve = res.Session
		srv.Chained = func(p string) bool { _, ok := res.Chained(p); return ok }
	}
	if in.ready != nil {
		in.ready(state)
	}
	return credserver.Serve(ctx, ln, srv)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
