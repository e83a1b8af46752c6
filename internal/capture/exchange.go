package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/policy"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// Exchanger exchanges assertions for sessions and stores them.
type Exchanger struct {
	STS     sts.Assumer
	Store   store.Store
	Aliases map[string]string // account id → alias
	Region  string            // default region recorded on new sessions
	Now     func() time.Time  // nil: time.Now
	// Home, when set, is the RAMSSO_HOME whose settings learn a role's
	// maximum duration when STS refuses a longer one (roleMaxDurations).
	Home string
	// Admin is the administrator's policy (allowed issuers and accounts,
	// a duration cap); nil loads it from the system file and
	// RAMSSO_POLICY_FILE at each exchange, so no path skips it.
	Admin *policy.Policy
}

// Options tune one exchange.
type Options struct {
	Duration time.Duration // 0: STS default (3600 s)
	Policy   string        // optional session policy JSON
	Profile  string        // explicit profile name; "" derives a stable one
}

// Outcome is a stored session and how it came about.
type Outcome struct {
	Session store.Session
	// Notes are things the user should be told (e.g. a duration fallback).
	Notes []string
	// Warnings are things that went wrong after the session was stored (an
	// after-store effect refused, a choice not remembered): the session is
	// there, and every front-end reports these the same way.
	Warnings []string
	// DurationFallback: STS refused the requested duration and the session
	// got Duration instead.
	DurationFallback bool
	// Duration is what the session was asked for (0: STS's default, 1 h).
	Duration time.Duration
}

// Exchange assumes role with the assertion in resp and stores the session.
func (e *Exchanger) Exchange(ctx context.Context, resp *saml.Response, role saml.Role, opts Options) (*Outcome, error) {
	if resp == nil || resp.Base64 == "" {
		return nil, errors.New("no SAML assertion to exchange")
	}
	if err := ValidateDuration(opts.Duration); err != nil {
		return nil, err
	}
	admin := e.Admin
	if admin == nil {
		var err error
		if admin, err = policy.Current(); err != nil {
			return nil, &FlowError{Code: CodeForbidden, Message: err.Error(), Remedy: "ask your IT team to fix the admin policy", Err: err}
		}
	}
	if err := admin.CheckAssertion(resp.Issuer, role.AccountID); err != nil {
		return nil, &FlowError{Code: CodeForbidden, Message: err.Error(), Remedy: "sign in through an IdP and account your administrator allows (ramsso doctor shows the policy)", Err: err}
	}
	var capped bool
	opts.Duration, capped = admin.CapDuration(opts.Duration)
	sessions, err := e.Store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	profile := opts.Profile
	if profile == "" {
		profile = ProfileName(sessions, role, e.Aliases)
	} else if err := ValidateProfileName(profile); err != nil {
		return nil, err
	} else if err := store.CheckBinding(sessions, profile, role.RoleArn); err != nil {
		// Profile names are stable: an explicit name never moves to
		// another role (a "readonly" profile must not end up with admin keys).
		return nil, err
	}
	res, err := e.STS.AssumeRoleWithSAML(ctx, sts.Request{
		RoleArn:         role.RoleArn,
		ProviderArn:     role.ProviderArn,
		SAMLAssertion:   resp.Base64,
		DurationSeconds: int(opts.Duration / time.Second),
		Policy:          opts.Policy,
	})
	if err != nil {
		return nil, fmt.Errorf("assume %s: %w", RoleLabel(role, e.Aliases), err)
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	sess := store.Session{
		Profile:      profile,
		RoleArn:      role.RoleArn,
		ProviderArn:  role.ProviderArn,
		AccountID:    role.AccountID,
		AccountAlias: e.Aliases[role.AccountID],
		RoleName:     role.RoleName,
		Site:         resp.Site,
		Issuer:       resp.Issuer,
		Subject:      resp.Subject,
		SessionName:  resp.SessionName,
		Region:       e.Region,
		Expiration:   res.Credentials.Expiration.UTC(),
		CreatedAt:    now().UTC().Truncate(time.Second),
		Credentials:  res.Credentials,
	}
	if err := e.Store.Put(ctx, sess); err != nil {
		return nil, fmt.Errorf("store session %s: %w", profile, err)
	}
	used := time.Duration(res.DurationSeconds) * time.Second
	if res.DurationFallback && used == 0 {
		used = sts.DefaultDuration // an Assumer that does not say
	}
	out := &Outcome{Session: sess, DurationFallback: res.DurationFallback, Duration: used}
	if capped {
		out.Notes = append(out.Notes, fmt.Sprintf("the administrator's policy caps sessions at %s", opts.Duration))
	}
	if res.DurationFallback {
		out.Notes = append(out.Notes, fmt.Sprintf("the role does not allow a %s session; ramsso asked again for %s and got it", fmtDur(opts.Duration), fmtDur(used)))
		if e.Home != "" {
			if err := config.RememberRoleMaxDuration(ctx, e.Home, role.RoleArn, used); err != nil {
				out.Notes = append(out.Notes, "could not remember the role's maximum duration: "+err.Error())
			} else {
				out.Notes = append(out.Notes, fmt.Sprintf("remembered: %s allows at most %s (settings roleMaxDurations)", RoleLabel(role, e.Aliases), fmtDur(used)))
			}
		}
	}
	return out, nil
}

// fmtDur prints a session duration as users write it ("2h", "1h30m").
func fmtDur(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ValidateDuration checks a requested session duration against STS's bounds.
// Zero means the default and is valid.
func ValidateDuration(d time.Duration) error {
	if d == 0 {
		return nil
	}
	if d%time.Second != 0 {
		return fmt.Errorf("duration %s: use whole seconds", d)
	}
	if d < sts.MinDuration || d > sts.MaxDuration {
		return fmt.Errorf("duration %s is outside what STS allows: use 900s (15m) to 43200s (12h)", d)
	}
	return nil
}

// BaseProfileName is `<alias or account id>-<role name>`, made safe for
// file names, keyring items and shells (store.BaseProfileName's rule).
func BaseProfileName(role saml.Role, aliases map[string]string) string {
	acct := role.AccountID
	if a := strings.TrimSpace(aliases[role.AccountID]); a != "" {
		acct = a
	}
	return store.BaseProfileName(acct, role.RoleName)
}

// ProfileFor returns the profile name for role. A role that already has a
// session keeps its profile name forever, so adding an alias later never
// renames anything; a new role gets BaseProfileName, with a numeric suffix
// if that name is taken by another role.
func (e *Exchanger) ProfileFor(ctx context.Context, role saml.Role) (string, error) {
	sessions, err := e.Store.List(ctx)
	if err != nil {
		return "", fmt.Errorf("list sessions: %w", err)
	}
	return ProfileName(sessions, role, e.Aliases), nil
}

// ProfileName is ProfileFor over a known list of sessions.
func ProfileName(sessions []store.Session, role saml.Role, aliases map[string]string) string {
	return store.ProfileFor(sessions, role.RoleArn, BaseProfileName(role, aliases))
}

// ValidateProfileName checks a user-given profile name (store's rule for
// new names).
func ValidateProfileName(name string) error { return store.ValidateNewProfile(name) }
