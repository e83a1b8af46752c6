package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/sts"
)

// ManyResult is what ExchangeMany did for one role.
type ManyResult struct {
	Role    saml.Role
	Outcome *Outcome // nil when this role got no session
	Err     error
}

// ErrAssertionRefused marks the roles left without a session because STS
// refused the assertion once it had been exchanged for an earlier role.
var ErrAssertionRefused = errors.New("STS refused to exchange the same SAML assertion again")

// ExchangeMany exchanges one assertion for several roles, each stored as
// its own profile (opts.Profile must be empty). No Alibaba source says
// whether STS accepts an assertion that was already exchanged (see
// DESIGN.md); when it refuses one after an earlier role succeeded, the
// remaining roles are not tried and each gets ErrAssertionRefused with
// the advice to log in again. Other errors stay with their role and the
// next roles are still tried.
func (e *Exchanger) ExchangeMany(ctx context.Context, resp *saml.Response, roles []saml.Role, opts Options) []ManyResult {
	return many(ctx, roles, e.Aliases, func(role saml.Role) (*Outcome, error) {
		o := opts
		o.Profile = ""
		return e.Exchange(ctx, resp, role, o)
	})
}

// AcquireMany is ExchangeMany through the acquisition path: each role's
// session is stored, then gets the after-store effects (the aliyun CLI
// profile, the tray notice), as a single Acquire would.
func (a *Acquirer) AcquireMany(ctx context.Context, resp *saml.Response, roles []saml.Role, opts Options) []ManyResult {
	return many(ctx, roles, a.Aliases, func(role saml.Role) (*Outcome, error) {
		o := opts
		o.Profile = ""
		return a.Acquire(ctx, Request{Response: resp, Role: role, Options: o})
	})
}

// many runs one exchange per role with ExchangeMany's rules.
func many(ctx context.Context, roles []saml.Role, aliases map[string]string, one func(saml.Role) (*Outcome, error)) []ManyResult {
	out := make([]ManyResult, len(roles))
	done := 0
	for i, role := range roles {
		out[i].Role = role
		if ctx.Err() != nil {
			out[i].Err = ctx.Err()
			continue
		}
		oc, err := one(role)
		if err == nil {
			out[i].Outcome = oc
			done++
			continue
		}
		out[i].Err = err
		if done > 0 && reuseRefused(err) {
			rest := make([]string, 0, len(roles)-i)
			for _, r := range roles[i:] {
				rest = append(rest, RoleLabel(r, aliases))
			}
			refused := fmt.Errorf("%w (%s); log in through your IdP again and assume %s from the fresh login",
				ErrAssertionRefused, strings.TrimPrefix(err.Error(), "assume "+RoleLabel(role, aliases)+": "), strings.Join(rest, ", "))
			for j := i; j < len(roles); j++ {
				out[j].Role = roles[j]
				out[j].Err = refused
			}
			break
		}
	}
	return out
}

// reuseRefused reports whether err is STS refusing the assertion itself,
// which after an earlier success means it would not take it again.
func reuseRefused(err error) bool {
	return sts.IsCode(err, "AuthenticationFail.SAMLAssertion")
}
