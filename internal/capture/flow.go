package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

// States a capture flow reports while it runs (the native messaging
// `status` reply's `state`).
const (
	StateDeciding       = "deciding"
	StateWaitingConsole = "waiting_console"
	StateAskingTray     = "asking_tray"
	StateNeedsChoice    = "needs_choice"
	StateExchanging     = "exchanging"
)

// How a flow decided the role (Result.DecidedBy).
const (
	ByIntent   = "intent"
	ByOneRole  = "one_role"
	ByMemory   = "remembered"
	ByTarget   = "target_role"
	ByConsole  = "console"
	ByTray     = "tray"
	ByChoice   = "choice"
	ByExplicit = "explicit"
)

// Default bounds of a flow's waits.
const (
	DefaultConsoleWait = 90 * time.Second
	DefaultChoiceWait  = 5 * time.Minute
)

// Status is one progress report of a flow. Roles is set with
// StateNeedsChoice (and StateAskingTray), for a picker.
type Status struct {
	State string
	Roles []saml.Role
	// Confirm is set with StateNeedsConfirm.
	Confirm *ConfirmRequest
}

// Flow is one capture's role decision and exchange, in the design's
// order: a pending re-login intent for the IdP, a single role, a
// remembered choice, the capture's own target role, the console's chooser
// (bounded wait), then asking a person (the tray when available, else the
// caller via StateNeedsChoice and Choose). The host runs one per capture
// message. The exchange itself goes through Acquirer, the path `ramsso
// assume` and the tray's "Pick role…" use too.
//
// Fill the fields, then call Run once. ConsoleChoice, Choose, Cancel and
// CloseInput may be called from other goroutines at any time, before or
// during Run.
type Flow struct {
	// ID is the flow's id (the extension's), passed to the Asker.
	ID string
	// Response is the decoded assertion (saml.Decode); required.
	Response *saml.Response
	// TargetRole is "roleArn,providerArn" when the capture itself was the
	// console chooser's POST; "" otherwise.
	TargetRole string
	// Exchanger exchanges and stores; required. Its Aliases are used for
	// labels and profile names.
	Exchanger *Exchanger
	// State holds intents and remembered choices; nil skips both.
	State *State
	// Effects run after the session is stored (see Acquirer).
	Effects []Effect
	// DefaultDuration is the session duration when the answer names none;
	// 0 is the STS default.
	DefaultDuration time.Duration
	// ConsoleWait bounds the wait for the console's choice (0: 90 s;
	// negative: do not wait).
	ConsoleWait time.Duration
	// ChoiceWait bounds the wait for a person's answer (0: 5 min).
	ChoiceWait time.Duration
	// TrayAsker returns the tray's Asker when a tray can be reached; nil or
	// false falls back to StateNeedsChoice.
	TrayAsker func(ctx context.Context) (Asker, bool)
	// CanAskCaller says the caller can answer StateNeedsChoice with Choose
	// (the host: true). Without it and without a tray the flow ends with
	// CodeNoChoice.
	CanAskCaller bool
	// OnStatus receives progress; it must not block for long. Optional.
	OnStatus func(Status)
	// Confirm, when set, runs after the role is decided and before the
	// exchange (Confirmation.Check): an error ends the flow unexchanged.
	Confirm func(ctx context.Context, role saml.Role) error
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	mu          sync.Mutex
	wake        chan struct{}
	console     string // pending consoleChoice target role
	choice      *Answer
	cancelled   bool
	inputClosed bool
	allowed     []saml.Role
	aliasMap    map[string]string
}

// Result is a finished flow: the stored session and how the role was
// decided.
type Result struct {
	Outcome   *Outcome
	Role      saml.Role
	DecidedBy string
}

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Flow) init() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.wake == nil {
		f.wake = make(chan struct{}, 1)
	}
	if f.allowed == nil && f.Response != nil {
		f.allowed = f.Response.Roles
	}
}

func (f *Flow) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// aliases is the Exchanger's alias map, as Run found it (other goroutines
// may call ConsoleChoice while the caller still sets the Exchanger up).
func (f *Flow) aliases() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aliasMap
}

// ConsoleChoice passes the console chooser's `roleArn,providerArn`. A role
// not in the assertion is refused with an error and the flow keeps
// waiting.
func (f *Flow) ConsoleChoice(targetRole string) error {
	f.init()
	if _, err := f.role(targetRole); err != nil {
		return err
	}
	f.mu.Lock()
	f.console = targetRole
	f.mu.Unlock()
	f.poke()
	return nil
}

// Choose passes a person's answer (the popup's `choose`). A role not in
// the assertion is refused with an error and the flow keeps waiting.
func (f *Flow) Choose(a Answer) error {
	f.init()
	if _, err := f.role(a.RoleArn); err != nil {
		return err
	}
	if err := ValidateDuration(a.Duration); err != nil {
		return &FlowError{Code: CodeBadRole, Message: err.Error(), Remedy: "choose a duration between 15m and 12h", Err: err}
	}
	f.mu.Lock()
	f.choice = &a
	f.mu.Unlock()
	f.poke()
	return nil
}

// Cancel ends the flow with CodeCancelled unless it is already exchanging.
func (f *Flow) Cancel() {
	f.init()
	f.mu.Lock()
	f.cancelled = true
	f.mu.Unlock()
	f.poke()
}

// CloseInput says the caller can no longer send ConsoleChoice or Choose
// (the extension's port closed): the console wait ends at once and a
// pending StateNeedsChoice ends with CodeNoChoice.
func (f *Flow) CloseInput() {
	f.init()
	f.mu.Lock()
	f.inputClosed = true
	f.mu.Unlock()
	f.poke()
}

// InputClosed reports whether CloseInput was called.
func (f *Flow) InputClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inputClosed
}

func (f *Flow) role(spec string) (saml.Role, error) {
	f.mu.Lock()
	roles := f.allowed
	f.mu.Unlock()
	arn := strings.TrimSpace(spec)
	if i := strings.IndexByte(arn, ','); i >= 0 {
		// Either order is accepted: keep the part naming a role.
		a, b := strings.TrimSpace(arn[:i]), strings.TrimSpace(arn[i+1:])
		arn = a
		if strings.Contains(b, ":role/") {
			arn = b
		}
	}
	for _, r := range roles {
		if arn != "" && strings.EqualFold(r.RoleArn, arn) {
			return r, nil
		}
	}
	return saml.Role{}, &FlowError{
		Code:    CodeBadRole,
		Message: fmt.Sprintf("role %q is not in the assertion; it allows: %s", arn, RoleList(roles, f.aliases())),
		Remedy:  "choose one of the roles the assertion allows",
	}
}

func (f *Flow) status(state string, roles []saml.Role) {
	if f.OnStatus != nil {
		f.OnStatus(Status{State: state, Roles: roles})
	}
}

// Run decides the role, exchanges the assertion and stores the session.
// Every wait is bounded; ctx's end ends it. A failure is a *FlowError.
func (f *Flow) Run(ctx context.Context) (res *Result, err error) {
	f.init()
	defer func() {
		if err != nil {
			err = Classify(err)
		}
	}()
	resp := f.Response
	if resp == nil || len(resp.Roles) == 0 {
		return nil, &FlowError{Code: CodeBadSAML, Detail: saml.CodeNoRoles, Message: "the capture carries no roles",
			Remedy: "check the IdP's Role attribute for Alibaba Cloud"}
	}
	if f.Exchanger == nil {
		return nil, errors.New("capture flow without an exchanger")
	}
	f.mu.Lock()
	f.aliasMap = f.Exchanger.Aliases
	f.mu.Unlock()
	f.status(StateDeciding, nil)
	if err := f.checkExpiry(); err != nil {
		return nil, err
	}
	d, err := f.decide(ctx)
	if err != nil {
		return nil, err
	}
	if f.Confirm != nil {
		if err := f.Confirm(ctx, d.role); err != nil {
			return nil, err
		}
	}
	if err := f.checkExpiry(); err != nil {
		return nil, err
	}
	f.status(StateExchanging, nil)
	dur := d.answer.Duration
	if dur == 0 {
		dur = f.DefaultDuration
	}
	acq := Acquirer{Exchanger: *f.Exchanger, State: f.State, Effects: f.Effects}
	acq.Store = taggedStore{acq.Store}
	out, err := acq.Acquire(ctx, Request{Response: resp, Role: d.role, Remember: d.answer.Remember,
		Options: Options{Duration: dur, Profile: d.profile}})
	if err != nil {
		return nil, err
	}
	return &Result{Outcome: out, Role: d.role, DecidedBy: d.by}, nil
}

func (f *Flow) checkExpiry() error {
	if f.Response.Expired(f.now()) {
		return &FlowError{Code: CodeAssertionExpired,
			Message: "the SAML assertion expired at " + saml.FormatTime(f.Response.NotOnOrAfter),
			Remedy:  "log in again through your IdP (assertions are valid for a few minutes)"}
	}
	return nil
}

// decision is how a flow settled on a role: the role, the answer behind
// it (duration, remember), who decided (By*) and, for a re-login intent,
// the profile to refresh.
type decision struct {
	role    saml.Role
	answer  Answer
	by      string
	profile string
}

// decided makes the decision for a role spec named by someone (an ARN or
// "roleArn,providerArn"); a role not in the assertion is an error.
func (f *Flow) decided(spec string, a Answer, by string) (*decision, error) {
	r, err := f.role(spec)
	if err != nil {
		return nil, err
	}
	if a.RoleArn == "" || by != ByChoice && by != ByTray {
		a = Answer{RoleArn: r.RoleArn}
	}
	return &decision{role: r, answer: a, by: by}, nil
}

// decide runs steps 1–5 of the capture flow.
func (f *Flow) decide(ctx context.Context) (*decision, error) {
	resp := f.Response
	if f.State != nil {
		in, err := f.State.TakeIntent(ctx, resp.Issuer, resp.Roles)
		if err != nil {
			return nil, &FlowError{Code: CodeStoreError, Message: "reading re-login intents: " + err.Error(),
				Remedy: "check that RAMSSO_HOME is writable (ramsso doctor)", Err: err}
		}
		if in != nil {
			if d, err := f.decided(in.RoleArn, Answer{}, ByIntent); err == nil {
				d.profile = in.Profile
				return d, nil
			}
		}
	}
	if len(resp.Roles) == 1 {
		return f.decided(resp.Roles[0].RoleArn, Answer{}, ByOneRole)
	}
	if f.State != nil {
		if arn, ok, err := f.State.RememberedChoice(resp.Issuer, resp.Roles); err == nil && ok {
			if d, err := f.decided(arn, Answer{}, ByMemory); err == nil {
				return d, nil
			}
		}
	}
	if f.TargetRole != "" {
		if d, err := f.decided(f.TargetRole, Answer{}, ByTarget); err == nil {
			return d, nil
		}
	}
	// 4. The console's own chooser, in the same tab.
	wait := f.ConsoleWait
	if wait == 0 {
		wait = DefaultConsoleWait
	}
	if wait > 0 {
		if d, err := f.waitConsole(ctx, wait); err != nil || d != nil {
			return d, err
		}
	}
	// 5. Ask a person.
	return f.ask(ctx)
}

// arrived is the one reading of what the caller has sent: a cancel (an
// error saying what was cancelled), a console choice or a person's
// choice — the console's first while waiting for it, the person's first
// once asked. Nil, nil: nothing yet; closed says the input has ended.
func (f *Flow) arrived(consoleFirst bool, what string) (d *decision, closed bool, err error) {
	f.mu.Lock()
	cancelled, a, console, closed := f.cancelled, f.choice, f.console, f.inputClosed
	f.mu.Unlock()
	switch {
	case cancelled:
		return nil, closed, &FlowError{Code: CodeCancelled, Message: what + " was cancelled", Remedy: "log in again to capture credentials"}
	case console != "" && (consoleFirst || a == nil):
		d, err = f.decided(console, Answer{}, ByConsole)
		return d, closed, err
	case a != nil:
		d, err = f.decided(a.RoleArn, *a, ByChoice)
		return d, closed, err
	}
	return nil, closed, nil
}

// inputClosedNow reports whether the caller's input has ended.
func (f *Flow) inputClosedNow() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inputClosed
}

func (f *Flow) deadline(wait time.Duration) time.Duration {
	if exp := f.Response.NotOnOrAfter; !exp.IsZero() {
		if left := exp.Sub(f.now()); left < wait {
			return max(left, 0)
		}
	}
	return wait
}

func (f *Flow) waitConsole(ctx context.Context, wait time.Duration) (*decision, error) {
	timer := time.NewTimer(f.deadline(wait))
	defer timer.Stop()
	reported := false
	for {
		d, closed, err := f.arrived(true, "the capture")
		switch {
		case err != nil || d != nil:
			return d, err
		case closed:
			return nil, nil
		}
		if !reported {
			f.status(StateWaitingConsole, nil)
			reported = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, nil
		case <-f.wake:
		}
	}
}

type askResult struct {
	a   Answer
	err error
}

// errNobodyToAsk ends a flow that has no tray and cannot ask its caller.
var errNobodyToAsk = &FlowError{Code: CodeNoChoice,
	Message: "the assertion allows several roles and nobody could be asked which one",
	Remedy:  "start ramsso-tray, or choose in the ramsso extension's popup, or use `ramsso assume --role`"}

func (f *Flow) ask(ctx context.Context) (*decision, error) {
	resp := f.Response
	wait := f.ChoiceWait
	if wait <= 0 {
		wait = DefaultChoiceWait
	}
	ctx, cancel := context.WithTimeout(ctx, f.deadline(wait))
	defer cancel()
	var trayCh chan askResult
	if f.TrayAsker != nil {
		if asker, ok := f.TrayAsker(ctx); ok && asker != nil {
			f.status(StateAskingTray, resp.Roles)
			trayCh = make(chan askResult, 1)
			req := AskRequest{ID: f.ID, Issuer: resp.Issuer, Subject: resp.Subject, Roles: resp.Roles,
				Aliases: f.aliases(), AssertionExpires: resp.NotOnOrAfter, DefaultDuration: f.DefaultDuration}
			go func() {
				a, err := asker.AskRole(ctx, req)
				trayCh <- askResult{a, err}
			}()
		}
	}
	if trayCh == nil {
		if !f.CanAskCaller || f.inputClosedNow() {
			return nil, errNobodyToAsk
		}
		f.status(StateNeedsChoice, resp.Roles)
	}
	for {
		d, closed, err := f.arrived(false, "the role choice")
		switch {
		case err != nil || d != nil:
			return d, err
		case closed && trayCh == nil:
			return nil, &FlowError{Code: CodeNoChoice,
				Message: "the browser closed the connection before a role was chosen",
				Remedy:  "log in again and choose a role in the ramsso popup, or start ramsso-tray"}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, &FlowError{Code: CodeTimeout, Message: "no role was chosen in time",
					Remedy: "log in again and choose a role within a few minutes", Err: ctx.Err()}
			}
			return nil, ctx.Err()
		case <-f.wake:
		case tr := <-trayCh:
			if tr.err == nil {
				return f.decided(tr.a.RoleArn, tr.a, ByTray)
			}
			if errors.Is(tr.err, ErrCancelled) {
				return nil, &FlowError{Code: CodeCancelled, Message: "the role choice was cancelled in the tray", Remedy: "log in again to capture credentials", Err: tr.err}
			}
			if ctx.Err() != nil {
				continue // reported by the ctx case
			}
			// The tray failed: fall back to asking the caller.
			trayCh = nil
			if !f.CanAskCaller || closed {
				return nil, &FlowError{Code: CodeNoChoice, Message: "the tray could not ask for a role: " + tr.err.Error(),
					Remedy: "restart ramsso-tray, or choose in the ramsso extension's popup", Err: tr.err}
			}
			f.status(StateNeedsChoice, resp.Roles)
		}
	}
}
