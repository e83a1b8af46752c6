package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// got 1 h instead.
	DurationFallback bool
}

// Exchange assumes role with the assertion in resp and stores the session.
func (e *Exchanger) Exchange(ctx context.Context, resp *saml.Response, role saml.Role, opts Options) (*Outcome, error) {
	if resp == nil || resp.Base64 == "" {
		return nil, errors.New("no SAML assertion to exchange")
	}
	if err := ValidateDuration(opts.Duration); err != nil {
		return nil, err
	}
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
	out := &Outcome{Session: sess, DurationFallback: res.DurationFallback}
	if res.DurationFallback {
		out.Notes = append(out.Notes, fmt.Sprintf("the role does not allow a %s session; ramsso asked again for 1h", opts.Duration))
	}
	return out, nil
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
