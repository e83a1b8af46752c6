package cli

import (
	"context"
	"fmt"

	"github.com/ramsso/ramsso/internal/credserver"
	"github.com/ramsso/ramsso/internal/store"
)

// execServer is the credentials server ramsso exec --server runs for one
// child: its own port and token, one profile, gone when the child exits
// (aws-vault's --server model), so there is nothing remembered to squat on.
type execServer struct {
	url  string
	stop func()
}

func startExecServer(ctx context.Context, app *App, s *store.Session) (*execServer, error) {
	st, err := app.Store(ctx)
	if err != nil {
		return nil, err
	}
	ln, state, err := credserver.ListenEphemeral()
	if err != nil {
		return nil, err
	}
	srv := &credserver.Server{State: state, Store: st, Now: app.Now, Only: s.Profile}
	if m, err := reloginManager(ctx, app); err == nil {
		srv.Refresh = func(ctx context.Context, old *store.Session) (*store.Session, error) {
			if m.LoginURL(old) == "" {
				return nil, nil
			}
			fresh, err := m.Refresh(ctx, old)
			if err != nil {
				fmt.Fprintf(app.Stderr, "ramsso: %s\n", oneLine(err.Error()))
			}
			return fresh, err
		}
	}
	// A chained profile is resolved through its source, as ramsso serve does.
	if res, err := sessionResolver(ctx, app); err == nil {
		srv.Resolve = res.Session
		srv.Chained = func(p string) bool { _, ok := res.Chained(p); return ok }
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = credserver.Serve(sctx, ln, srv)
	}()
	return &execServer{url: state.URL(s.Profile), stop: func() { cancel(); <-done }}, nil
}

// serverEnvVars are a --server child's variables: the credentials URI
// and the region, no keys. The SDKs' default chain (credentials-go) tries
// config.json's profile and the ECS metadata service before the URI, so
// both are switched off for the child (credentials-go v1.4.14
// providers/default.go, cli_profile.go ALIBABA_CLOUD_CLI_PROFILE_DISABLED,
// ecs_ram_role.go ALIBABA_CLOUD_ECS_METADATA_DISABLED).
func serverEnvVars(uri, region string) []envVar {
	vars := []envVar{
		{"ALIBABA_CLOUD_CREDENTIALS_URI", uri},
		{"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true"},
		{"ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"},
	}
	if region != "" {
		vars = append(vars, envVar{"ALIBABA_CLOUD_REGION_ID", region}, envVar{"ALICLOUD_REGION", region})
	}
	return vars
}
