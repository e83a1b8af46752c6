package capture

import (
	"context"
	"fmt"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// Effect is one thing done after a session is stored (the aliyun CLI
// profile, telling the tray). Run gets the session's metadata only, never
// its secrets; an error is reported as a warning and leaves the session
// stored. A non-empty note is told to the user.
type Effect struct {
	Name string
	Run  func(ctx context.Context, s store.Session) (note string, err error)
}

// Effects builds the after-store effects the settings ask for, in order:
// the aliyun CLI profile when "configureCli" is on (configureCLI writes
// it), then notify (tell the tray). Either function may be nil. Every
// front-end gets its effects here, so the rule is written once.
func Effects(set *config.Settings, configureCLI func(ctx context.Context, s store.Session) (string, error), notify func(ctx context.Context, s store.Session)) []Effect {
	var out []Effect
	if configureCLI != nil && set != nil && set.ConfigureCLI {
		out = append(out, Effect{Name: "aliyun CLI profile", Run: configureCLI})
	}
	if notify != nil {
		out = append(out, Effect{Name: "tray notice", Run: func(ctx context.Context, s store.Session) (string, error) {
			notify(ctx, s)
			return "", nil
		}})
	}
	return out
}

// Acquirer is the one acquisition path: exchange → store → remember →
// after-store effects. `ramsso assume`, the host's capture flow and the
// tray's "Pick role…" all go through Acquire, so they leave the same
// state behind.
type Acquirer struct {
	Exchanger
	// State keeps remembered choices; nil cannot remember.
	State *State
	// Effects run after the session is stored, in order.
	Effects []Effect
}

// Request is one acquisition.
type Request struct {
	Response *saml.Response
	Role     saml.Role
	Options
	// Remember records Role as the choice for this IdP and role set.
	Remember bool
}

// Acquire exchanges, stores, remembers and runs the effects. A failure
// after the session is stored (remembering, an effect) never undoes it:
// it is added to the Outcome's Warnings.
func (a *Acquirer) Acquire(ctx context.Context, req Request) (*Outcome, error) {
	out, err := a.Exchange(ctx, req.Response, req.Role, req.Options)
	if err != nil {
		return nil, err
	}
	if req.Remember {
		if a.State == nil {
			out.Warnings = append(out.Warnings, "could not remember the choice: no state directory")
		} else if err := a.State.RememberChoice(ctx, req.Response.Issuer, req.Response.Roles, req.Role.RoleArn); err != nil {
			out.Warnings = append(out.Warnings, "could not remember the choice: "+err.Error())
		}
	}
	meta := out.Session
	meta.Credentials = creds.Credentials{Expiration: meta.Expiration} // effects get no secrets
	for _, e := range a.Effects {
		note, err := runEffect(ctx, e, meta)
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s for %s failed: %s (the session is stored)", e.Name, meta.Profile, err))
			continue
		}
		if note != "" {
			out.Notes = append(out.Notes, note)
		}
	}
	return out, nil
}

// runEffect runs one effect; a panic becomes its error.
func runEffect(ctx context.Context, e Effect, s store.Session) (note string, err error) {
	defer func() {
		if p := recover(); p != nil {
			note, err = "", fmt.Errorf("internal error")
		}
	}()
	return e.Run(ctx, s)
}
