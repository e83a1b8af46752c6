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
CredentialsURI mode) read them. An expired session answers with an error
(never stale keys) and, when its IdP login URL is known, opens the login page
once.

The port is remembered in RAMSSO_HOME. One long-lived owner should hold it
from login on, so no other local user can bind it while serve is down and
collect the token: "ramsso install --serve" writes a systemd user socket
(Linux; serve then takes the socket systemd hands it) or a LaunchAgent
(macOS). The token is new every time the owner starts (a plain "ramsso
serve", or a new systemd socket), so URLs exported earlier stop working; and
when the port is taken by someone else, serve treats it as squatting: it
rotates the token, says so and exits. For one program, prefer
"ramsso exec --server PROFILE -- CMD": a port and token of its own.

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
	pol, err := app.AdminPolicy()
	if err == nil {
		err = pol.CheckCredentialsServer()
	}
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
	ln, state, err = ownPort(ctx, app, home, state, ln)
	if err != nil {
		return err
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

// ownPort takes the port as its owner: the socket systemd handed over
// (keeping the token while that same socket lives), or the remembered port
// bound here. Either start of an owner rotates the token; a port someone
// else holds is treated as squatting: the token rotates (whatever they
// collected is worthless) and serve says so and fails.
//
// pre, when not nil, is the port --port asked for, already bound (so a busy
// port is never remembered).
func ownPort(ctx context.Context, app *App, home string, state credserver.State, pre net.Listener) (net.Listener, credserver.State, error) {
	ln, socketID, err := credserver.Activated()
	if err != nil {
		return nil, state, err
	}
	if ln != nil {
		if pre != nil {
			pre.Close()
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if state.Socket != socketID || state.Port != port {
			state, err = credserver.UpdateState(ctx, home, func(s *credserver.State) error {
				tok, err := credserver.NewToken()
				s.Port, s.Token, s.Socket = port, tok, socketID
				return err
			})
			if err != nil {
				ln.Close()
				return nil, state, err
			}
			fmt.Fprintf(app.Stderr, "ramsso: serving the socket systemd holds (127.0.0.1:%d) with a new token\n", port)
		}
		return ln, state, nil
	}
	ln, lerr := pre, error(nil)
	if ln == nil {
		ln, lerr = credserver.Listen(state.Port)
	}
	if lerr != nil {
		if _, rerr := credserver.RotateToken(ctx, home, ""); rerr != nil {
			return nil, state, fmt.Errorf("%v; rotating the token also failed: %w", lerr, rerr)
		}
		fmt.Fprintf(app.Stderr, "ramsso: WARNING: 127.0.0.1:%d, the port ramsso serve remembers, is held by another process.\n"+
			"ramsso: WARNING: if it is not yours, another local user may be squatting it to collect ramsso's token and feed your SDKs their keys.\n"+
			"ramsso: WARNING: the token has been rotated, so URLs exported before no longer work anywhere. Find the holder (ss -ltnp 'sport = :%d'),\n"+
			"ramsso: WARNING: and keep the port owned from login on with \"ramsso install --serve\" (or choose another once with --port N).\n",
			state.Port, state.Port)
		return nil, state, lerr
	}
	state, err = credserver.RotateToken(ctx, home, "")
	if err != nil {
		ln.Close()
		return nil, state, err
	}
	return ln, state, nil
}
