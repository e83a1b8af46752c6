package capture

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

// StateNeedsConfirm is the status a flow reports while it waits for a
// person to confirm a first session from a new Issuer or account (the
// extension's popup answers with a `confirm` message).
const StateNeedsConfirm = "needs_confirm"

// CodeNotConfirmed ends a flow whose first session from a new Issuer or
// account was declined, or not confirmed in time.
const CodeNotConfirmed = "not_confirmed"

// ConfirmRequest is what a person is shown before the first session from
// an Issuer or account is stored. Every field but the booleans comes from
// the unverified assertion or the browser: show it escaped.
type ConfirmRequest struct {
	ID         string    `json:"id"`
	Issuer     string    `json:"issuer"`
	Subject    string    `json:"subject,omitempty"`
	AccountID  string    `json:"accountId"`
	RoleArn    string    `json:"roleArn"`
	Page       string    `json:"page,omitempty"` // the origin of the page that sent the sign-in
	NewIssuer  bool      `json:"newIssuer"`
	NewAccount bool      `json:"newAccount"`
	Expires    time.Time `json:"assertionExpires"`
}

// TrayConfirmer asks the person in the tray (over the local API). It
// returns the answer, or an error when the tray cannot ask (then the
// caller's popup is asked instead).
type TrayConfirmer interface {
	ConfirmSession(ctx context.Context, req ConfirmRequest) (bool, error)
}

// Confirmation is a capture flow's first-seen check (Flow.Confirm): a
// session from an Issuer or account the user has not confirmed before is
// stored only after a person says yes, in the tray or in the popup; a
// declined or unanswered one is never exchanged, so it can neither become
// new credentials nor re-point an existing profile.
type Confirmation struct {
	Trust *Trust
	// Seen reports an Issuer or account of a session already stored
	// (sessions from before this check existed count as confirmed); nil: none.
	Seen func(ctx context.Context, issuer, accountID string) (issuerSeen, accountSeen bool)
	// Page is where the sign-in came from (the capture's initiator).
	Page string
	// Tray returns the tray's confirmer when one answers; nil or false
	// asks the caller.
	Tray func(ctx context.Context) (TrayConfirmer, bool)
	// AskCaller sends the request to the caller (the host: a
	// needs_confirm status); nil: the caller cannot be asked.
	AskCaller func(ConfirmRequest)
	// InputClosed reports that the caller can no longer answer.
	InputClosed func() bool
	// Wait bounds the wait for an answer (0: DefaultChoiceWait), and so
	// does the assertion's expiry.
	Wait time.Duration

	mu     sync.Mutex
	answer *bool
	wake   chan struct{}
}

func (c *Confirmation) init() {
	c.mu.Lock()
	if c.wake == nil {
		c.wake = make(chan struct{}, 1)
	}
	c.mu.Unlock()
}

// Answer passes the caller's answer (the popup's `confirm`).
func (c *Confirmation) Answer(yes bool) {
	c.init()
	c.mu.Lock()
	c.answer = &yes
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func declined(msg string) error {
	return &FlowError{Code: CodeNotConfirmed, Message: msg,
		Remedy: "if it was you, sign in again and confirm; if not, an untrusted page tried to sign you in to another account: nothing was stored"}
}

// Check returns nil when the session for role may be stored: its Issuer
// and account are known, or a person confirmed them now (then they are
// recorded). Otherwise a *FlowError with CodeNotConfirmed (or
// CodeCancelled/CodeTimeout).
func (c *Confirmation) Check(ctx context.Context, id string, resp *saml.Response, role saml.Role) error {
	c.init()
	ik, ak, err := c.Trust.Known(resp.Issuer, role.AccountID)
	if err != nil {
		return &FlowError{Code: CodeStoreError, Message: err.Error(), Remedy: "check RAMSSO_HOME (ramsso doctor)", Err: err}
	}
	if c.Seen != nil && (!ik || !ak) {
		si, sa := c.Seen(ctx, resp.Issuer, role.AccountID)
		ik, ak = ik || si, ak || sa
	}
	if ik && ak {
		return nil
	}
	req := ConfirmRequest{ID: id, Issuer: resp.Issuer, Subject: resp.Subject, AccountID: role.AccountID, RoleArn: role.RoleArn,
		Page: c.Page, NewIssuer: !ik, NewAccount: !ak, Expires: resp.NotOnOrAfter}
	wait := c.Wait
	if wait <= 0 {
		wait = DefaultChoiceWait
	}
	if exp := resp.NotOnOrAfter; !exp.IsZero() {
		if left := time.Until(exp); left < wait {
			wait = max(left, 0)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	yes, err := c.ask(ctx, req)
	if err != nil {
		return err
	}
	if !yes {
		return declined("the first sign-in from this IdP or account was not confirmed")
	}
	if err := c.Trust.Record(ctx, resp.Issuer, role.AccountID); err != nil {
		return &FlowError{Code: CodeStoreError, Message: "recording the confirmation: " + err.Error(), Remedy: "check RAMSSO_HOME (ramsso doctor)", Err: err}
	}
	return nil
}

func (c *Confirmation) ask(ctx context.Context, req ConfirmRequest) (bool, error) {
	type trayAnswer struct {
		yes bool
		err error
	}
	var trayCh chan trayAnswer
	if c.Tray != nil {
		if t, ok := c.Tray(ctx); ok && t != nil {
			trayCh = make(chan trayAnswer, 1)
			go func() {
				yes, err := t.ConfirmSession(ctx, req)
				trayCh <- trayAnswer{yes, err}
			}()
		}
	}
	// The popup is asked too (whichever answers first wins): the tray may
	// not show the question, the popup always can.
	if c.AskCaller != nil {
		c.AskCaller(req)
	} else if trayCh == nil {
		return false, declined("a first sign-in from a new IdP or account needs confirming and nobody could be asked")
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		c.mu.Lock()
		a := c.answer
		c.mu.Unlock()
		if a != nil {
			return *a, nil
		}
		if trayCh == nil && c.InputClosed != nil && c.InputClosed() {
			return false, declined("the browser closed the connection before the sign-in was confirmed")
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return false, &FlowError{Code: CodeTimeout, Message: "the first sign-in from this IdP or account was not confirmed in time",
					Remedy: "sign in again and confirm it in the ramsso popup or tray", Err: ctx.Err()}
			}
			return false, ctx.Err()
		case <-c.wake:
		case <-tick.C:
		case t := <-trayCh:
			if t.err == nil {
				return t.yes, nil
			}
			trayCh = nil // the tray could not ask: the popup still can
			if c.AskCaller == nil {
				return false, declined("the tray could not ask to confirm the sign-in: " + t.err.Error())
			}
		}
	}
}
