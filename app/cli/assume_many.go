package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
)

// assumeMany is `ramsso assume --role A --role B` and `--all-roles`: one
// assertion, several roles, each stored as its own profile.
func assumeMany(ctx context.Context, in AssumeInput, app *App, resp *saml.Response, opts capture.Options) error {
	if in.AllRoles && len(in.Roles) > 0 {
		return errors.New("--all-roles and --role: give one or the other")
	}
	if in.Profile != "" {
		return errors.New("--profile names one session: with several roles each gets its own <account>-<role> profile; leave --profile out")
	}
	if in.Output == "env" {
		return errors.New("--output env prints one session's variables: with several roles use --output json, or ramsso env PROFILE for each")
	}
	_, set, err := app.Settings()
	if err != nil {
		return err
	}
	roles := resp.Roles
	if !in.AllRoles {
		roles = nil
		seen := map[string]bool{}
		for _, spec := range in.Roles {
			r, err := capture.SelectRole(resp.Roles, spec, set.AccountAliases)
			if err != nil {
				return err
			}
			if !seen[r.RoleArn] {
				seen[r.RoleArn] = true
				roles = append(roles, r)
			}
		}
	}
	p, err := app.Pipeline()
	if err != nil {
		return err
	}
	acq, err := p.Acquirer(ctx, in.STSEndpoint, in.STSRegion)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "ramsso: assuming %d roles from one sign-in…\n", len(roles))
	results := acq.AcquireMany(ctx, resp, roles, opts)
	type keys struct {
		Profile         string `json:"Profile"`
		RoleArn         string `json:"RoleArn"`
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
		SecurityToken   string `json:"SecurityToken"`
		Expiration      string `json:"Expiration"`
	}
	var printed []keys
	var failed []capture.ManyResult
	for _, r := range results {
		label := capture.RoleLabel(r.Role, set.AccountAliases)
		if r.Err != nil {
			failed = append(failed, r)
			if !errors.Is(r.Err, capture.ErrAssertionRefused) {
				fmt.Fprintf(app.Stderr, "ramsso: %s: %s\n", label, oneLine(r.Err.Error()))
			}
			continue
		}
		s := r.Outcome.Session
		fmt.Fprintf(app.Stderr, "ramsso: stored profile %s (%s), expires %s (in %s)\n",
			s.Profile, label, fmtTime(s.Expiration), humanDuration(s.Expiration.Sub(app.now())))
		reportOutcome(app, r.Outcome)
		printed = append(printed, keys{s.Profile, s.RoleArn, s.Credentials.AccessKeyID, s.Credentials.AccessKeySecret,
			s.Credentials.SecurityToken, s.Credentials.ExpirationString()})
	}
	if in.Output == "json" {
		if printed == nil {
			printed = []keys{}
		}
		if err := writeJSON(app.Stdout, printed); err != nil {
			return err
		}
	}
	if len(failed) == 0 {
		return nil
	}
	for _, f := range failed {
		if errors.Is(f.Err, capture.ErrAssertionRefused) {
			// One clear error for all the roles left over.
			return fmt.Errorf("%d of %d roles assumed; %s", len(printed), len(results), f.Err.Error())
		}
	}
	return fmt.Errorf("%d of %d roles assumed; %s failed (see above)", len(printed), len(results), capture.RoleList(roleOf(failed), set.AccountAliases))
}

func roleOf(rs []capture.ManyResult) []saml.Role {
	out := make([]saml.Role, len(rs))
	for i, r := range rs {
		out[i] = r.Role
	}
	return out
}
