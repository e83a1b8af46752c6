package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ramsso/ramsso/internal/creds"
)

// WhoamiInput is what `ramsso whoami` takes.
type WhoamiInput struct {
	Profile string
	JSON    bool
}

func configureWhoamiCommand(app *App) *cobra.Command {
	var in WhoamiInput
	cmd := &cobra.Command{
		Use:   "whoami [PROFILE] [--json]",
		Short: "Ask STS who a profile's credentials belong to (GetCallerIdentity)",
		Long: `Call STS GetCallerIdentity with the profile's credentials and print the
account, the ARN STS sees, the region ramsso gives tools for it and the time
the session has left. A chained profile is assumed first when needed.

PROFILE defaults to $RAMSSO_PROFILE (set inside ramsso exec), else to the only
stored session.`,
		Example: `  ramsso whoami prod-admin
  ramsso whoami spoke-deploy --json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				in.Profile = args[0]
			}
			return WhoamiCommand(cmd.Context(), in, app)
		},
	}
	cmd.Flags().BoolVar(&in.JSON, "json", false, "print a JSON object")
	return cmd
}

type whoamiOutput struct {
	Profile       string `json:"profile"`
	SourceProfile string `json:"sourceProfile"`
	AccountID     string `json:"accountId"`
	AccountAlias  string `json:"accountAlias"`
	Arn           string `json:"arn"`
	UserID        string `json:"userId"`
	IdentityType  string `json:"identityType"`
	PrincipalID   string `json:"principalId"`
	RoleID        string `json:"roleId"`
	Region        string `json:"region"`
	Expiration    string `json:"expiration"`
	SecondsLeft   int64  `json:"secondsLeft"`
}

// WhoamiCommand resolves the profile's session and asks STS about it.
func WhoamiCommand(ctx context.Context, in WhoamiInput, app *App) error {
	profile, err := whoamiProfile(ctx, in.Profile, app)
	if err != nil {
		return err
	}
	s, err := liveSession(ctx, app, profile)
	if err != nil {
		return err
	}
	signer, err := stsSigner(app)
	if err != nil {
		return err
	}
	id, err := signer.GetCallerIdentity(ctx, s.Credentials)
	if err != nil {
		return fmt.Errorf("GetCallerIdentity for %s: %w", profile, err)
	}
	_, set, _ := app.Settings()
	out := whoamiOutput{
		Profile: profile, SourceProfile: s.SourceProfile, AccountID: id.AccountID, AccountAlias: set.AccountAlias(id.AccountID),
		Arn: id.Arn, UserID: id.UserID, IdentityType: id.IdentityType, PrincipalID: id.PrincipalID, RoleID: id.RoleID,
		Region:      firstNonEmpty(s.Region, set.Region),
		Expiration:  s.Credentials.Expiration.UTC().Format(creds.TimeFormat),
		SecondsLeft: int64(s.Credentials.Expiration.Sub(app.now()) / time.Second),
	}
	if in.JSON {
		return writeJSON(app.Stdout, out)
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	prof := out.Profile
	if out.SourceProfile != "" {
		prof += " (chained from " + out.SourceProfile + ")"
	}
	acct := out.AccountID
	if out.AccountAlias != "" {
		acct = out.AccountAlias + " (" + out.AccountID + ")"
	}
	fmt.Fprintf(tw, "profile\t%s\n", prof)
	fmt.Fprintf(tw, "account\t%s\n", acct)
	fmt.Fprintf(tw, "arn\t%s\n", out.Arn)
	if out.Region != "" {
		fmt.Fprintf(tw, "region\t%s\n", out.Region)
	}
	fmt.Fprintf(tw, "expires\t%s (in %s)\n", out.Expiration, humanDuration(s.Credentials.Expiration.Sub(app.now())))
	return tw.Flush()
}

// whoamiProfile picks the profile: given, else $RAMSSO_PROFILE, else the
// only stored session.
func whoamiProfile(ctx context.Context, given string, app *App) (string, error) {
	if given != "" {
		return given, nil
	}
	if p := app.getenv("RAMSSO_PROFILE"); p != "" {
		return p, nil
	}
	st, err := app.Store(ctx)
	if err != nil {
		return "", err
	}
	list, err := st.List(ctx)
	if err != nil {
		return "", fmt.Errorf("list sessions: %w", err)
	}
	switch len(list) {
	case 0:
		return "", errors.New("no sessions yet: log in through your IdP or run ramsso assume first")
	case 1:
		return list[0].Profile, nil
	}
	return "", fmt.Errorf("several sessions: name one (ramsso whoami PROFILE; ramsso list shows them)")
}
