package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/creds"
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
			Expiration: s.Expiration.UTC().Format(creds.TimeFormat),
			Expired:    creds.Credentials{Expiration: s.Expiration}.Expired(now),
		})
	}
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
		if e.Expired {
			left = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Profile, acct, e.RoleName, left)
	}
	return tw.Flush()
}
