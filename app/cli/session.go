package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/chain"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// liveSession returns the profile's session with its secrets, or a clear
// error when there is none or it has less than the expiry margin left. A
// chained profile is assumed from its source (which re-logs in once when
// it must); an expired SAML session with a known IdP login URL opens it
// (once across processes) and waits for the capture.
func liveSession(ctx context.Context, app *App, profile string) (*store.Session, error) {
	r, err := sessionResolver(ctx, app)
	if err != nil {
		return nil, err
	}
	s, err := r.Session(ctx, profile)
	if _, chained := r.Chained(profile); !chained && errors.Is(err, store.ErrNotFound) {
		return nil, noSessionError(ctx, r.Store, profile)
	}
	return s, err
}

// sessionResolver is the one way commands find credentials for a profile.
func sessionResolver(ctx context.Context, app *App) (*chain.Resolver, error) {
	home, set, err := app.Settings()
	if err != nil {
		return nil, err
	}
	st, err := app.Store(ctx)
	if err != nil {
		return nil, err
	}
	m, merr := reloginManager(ctx, app)
	return &chain.Resolver{
		Store: st, Settings: set, Log: app.Stderr, Now: app.Now, Home: home,
		STS: func() (sts.Signer, error) { return stsSigner(app) },
		Refresh: func(ctx context.Context, old *store.Session) (*store.Session, error) {
			if merr != nil || m.LoginURL(old) == "" {
				return nil, nil
			}
			return m.Refresh(ctx, old)
		},
	}, nil
}

// stsSigner is the STS client for the signed APIs (AssumeRole,
// GetCallerIdentity), from the same settings as AssumeRoleWithSAML.
func stsSigner(app *App) (sts.Signer, error) {
	c, _, err := app.STSClient("", "")
	if err != nil {
		return nil, err
	}
	sg, ok := c.(sts.Signer)
	if !ok {
		return nil, errors.New("this STS client cannot sign AssumeRole or GetCallerIdentity requests")
	}
	return sg, nil
}

func noSessionError(ctx context.Context, st store.Store, profile string) error {
	list, err := st.List(ctx)
	if err != nil || len(list) == 0 {
		return fmt.Errorf("no session for profile %q: log in through your IdP or run ramsso assume first", profile)
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.Profile
	}
	if close := closest(profile, names); close != "" {
		return fmt.Errorf("no session for profile %q: did you mean %q? (ramsso list shows all)", profile, close)
	}
	return fmt.Errorf("no session for profile %q: known profiles are %s", profile, strings.Join(names, ", "))
}

// closest returns the name that contains or is contained in want, if one.
func closest(want string, names []string) string {
	w := strings.ToLower(want)
	for _, n := range names {
		l := strings.ToLower(n)
		if strings.Contains(l, w) || strings.Contains(w, l) {
			return n
		}
	}
	return ""
}

// completeProfiles is the shell completion for a PROFILE argument.
func completeProfiles(app *App) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		st, err := app.Store(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := st.List(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		seen := map[string]bool{}
		for _, s := range list {
			seen[s.Profile] = true
			if strings.HasPrefix(s.Profile, toComplete) {
				out = append(out, s.Profile+"\t"+s.RoleArn)
			}
		}
		if _, set, err := app.Settings(); err == nil {
			for name, def := range set.ChainedProfiles {
				if !seen[name] && strings.HasPrefix(name, toComplete) {
					out = append(out, name+"\t"+def.RamRoleArn+" (chained)")
				}
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
