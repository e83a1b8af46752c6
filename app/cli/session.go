package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/store"
)

// liveSession returns the profile's session with its secrets, or a clear
// error when there is none or it has less than the expiry margin left.
func liveSession(ctx context.Context, app *App, profile string) (*store.Session, error) {
	st, err := app.Store(ctx)
	if err != nil {
		return nil, err
	}
	s, err := st.Get(ctx, profile)
	if errors.Is(err, store.ErrNotFound) {
		return nil, noSessionError(ctx, st, profile)
	}
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", profile, err)
	}
	if s.Credentials.Expired(app.now()) {
		// A known IdP login URL: open it (once across processes) and wait
		// for the capture to bring a fresh session.
		if m, merr := reloginManager(ctx, app); merr == nil && m.LoginURL(s) != "" {
			return m.Refresh(ctx, s)
		}
		when := "expired at " + fmtTime(s.Credentials.Expiration)
		if app.now().Before(s.Credentials.Expiration) {
			when = "expires at " + fmtTime(s.Credentials.Expiration) + ", too soon to use"
		}
		return nil, fmt.Errorf("session %s %s: log in to Alibaba Cloud through your IdP again (or run ramsso assume) to refresh it", profile, when)
	}
	return s, nil
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
		for _, s := range list {
			if strings.HasPrefix(s.Profile, toComplete) {
				out = append(out, s.Profile+"\t"+s.RoleArn)
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
