package cli

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/chain"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
)

// ListInput is what `ramsso list` takes.
type ListInput struct {
	JSON bool
}

func configureListCommand(app *App) *cobra.Command {
	var in ListInput
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List stored sessions and how long each has left",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return ListCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().BoolVar(&in.JSON, "json", false, "print a JSON array")
	return cmd
}

type listEntry struct {
	Profile      string `json:"profile"`
	RoleArn      string `json:"roleArn"`
	AccountID    string `json:"accountId"`
	AccountAlias string `json:"accountAlias"`
	RoleName     string `json:"roleName"`
	Site         string `json:"site"`
	Issuer       string `json:"issuer"`
	Expiration   string `json:"expiration"`
	Expired      bool   `json:"expired"`
	// SourceProfile names the profile a chained profile is assumed from
	// ("" for a SAML session).
	SourceProfile string `json:"sourceProfile"`
}

// ListCommand prints every session's metadata; it never reads secrets.
func ListCommand(ctx context.Context, in ListInput, app *App) error {
	st, err := app.Store(ctx)
	if err != nil {
		return err
	}
	sessions, err := st.List(ctx)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	_, set, _ := app.Settings()
	now := app.now()
	entries := make([]listEntry, 0, len(sessions))
	for _, s := range sessions {
		alias := s.AccountAlias
		if a := set.AccountAliases[s.AccountID]; a != "" {
			alias = a
		}
		entries = append(entries, listEntry{
			Profile: s.Profile, RoleArn: s.RoleArn, AccountID: s.AccountID, AccountAlias: alias,
			RoleName: s.RoleName, Site: s.Site, Issuer: s.Issuer,
			Expiration:    s.Expiration.UTC().Format(creds.TimeFormat),
			Expired:       s.Expired(now),
			SourceProfile: s.SourceProfile,
		})
	}
	entries, sessions = withChained(entries, sessions, set)
	if in.JSON {
		return writeJSON(app.Stdout, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(app.Stderr, "No sessions yet: log in to Alibaba Cloud through your IdP, or run ramsso assume.")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tACCOUNT\tROLE\tEXPIRES")
	for i, e := range entries {
		acct := e.AccountID
		if e.AccountAlias != "" {
			acct = e.AccountAlias + " (" + e.AccountID + ")"
		}
		left := "in " + humanDuration(sessions[i].Expiration.Sub(now))
		switch {
		case e.Expiration == "":
			left = "not assumed yet"
		case e.Expired:
			left = "expired"
		}
		role := e.RoleName
		if e.SourceProfile != "" {
			role += " (chained from " + e.SourceProfile + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Profile, acct, role, left)
	}
	return tw.Flush()
}

// withChained adds the chained profiles defined in the settings that have
// no session yet (expiration "", expired), keeping the list sorted.
func withChained(entries []listEntry, sessions []store.Session, set *config.Settings) ([]listEntry, []store.Session) {
	if set == nil || len(set.ChainedProfiles) == 0 {
		return entries, sessions
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Profile] = true
	}
	for name, def := range set.ChainedProfiles {
		if have[name] {
			continue
		}
		e := listEntry{Profile: name, RoleArn: def.RamRoleArn, Expired: true, SourceProfile: def.SourceProfile}
		if acct, role, ok := chain.ParseRoleArn(def.RamRoleArn); ok {
			e.AccountID, e.RoleName, e.AccountAlias = acct, role, set.AccountAliases[acct]
		}
		entries = append(entries, e)
		sessions = append(sessions, store.Session{Profile: name})
	}
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return entries[idx[a]].Profile < entries[idx[b]].Profile })
	e2, s2 := make([]listEntry, len(idx)), make([]store.Session, len(idx))
	for i, j := range idx {
		e2[i], s2[i] = entries[j], sessions[j]
	}
	return e2, s2
}
