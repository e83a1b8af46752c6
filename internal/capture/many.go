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
	out := make([]ManyResult, len(roles))
	done := 0
	for i, role := range roles {
		out[i].Role = role
		if ctx.Err() != nil {
			out[i].Err = ctx.Err()
			continue
		}
		o := opts
		o.Profile = ""
		oc, err := e.Exchange(ctx, resp, role, o)
		if err == nil {
			out[i].Outcome = oc
			done++
			continue
		}
		out[i].Err = err
		if done > 0 && reuseRefused(err) {
			rest := make([]string, 0, len(roles)-i)
			for _, r := range roles[i:] {
				rest = append(rest, RoleLabel(r, e.Aliases))
			}
			refused := fmt.Errorf("%w (%s); log in through your IdP again and assume %s from the fresh login",
				ErrAssertionRefused, strings.TrimPrefix(err.Error(), "assume "+RoleLabel(role, e.Aliases)+": "), strings.Join(rest, ", "))
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
