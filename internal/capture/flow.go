package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/policy"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
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
// message; the tray can run one for "Pick role…" on the last assertion.
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

// Error codes of a failed flow (FlowError.Code), stable for the extension.
const (
	CodeAssertionExpired = "assertion_expired"
	CodeBadSAML          = "bad_saml"
	CodeSTSError         = "sts_error"
	CodeStoreError       = "store_error"
	CodeTimeout          = "timeout"
	CodeCancelled        = "cancelled"
	CodeNoChoice         = "no_choice"
	CodeBadRole          = "bad_role"
	CodeInternal         = "internal_error"
	CodeForbidden        = "forbidden_by_policy"
)

// FlowError is a flow's ending in a form the extension and the tray can
// show: a stable Code, a one-line Message, a Remedy, and Detail (the SAML
// or STS error code) when there is one. It never holds a secret.
type FlowError struct {
	Code    string
	Detail  string
	Message string
	Remedy  string
	Err     error
}

func (e *FlowError) Error() string { return e.Message }
func (e *FlowError) Unwrap() error { return e.Err }

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
	role, answer, by, profile, err := f.decide(ctx)
	if err != nil {
		return nil, err
	}
	if f.Confirm != nil {
		if err := f.Confirm(ctx, role); err != nil {
			return nil, err
		}
	}
	if err := f.checkExpiry(); err != nil {
		return nil, err
	}
	f.status(StateExchanging, nil)
	dur := answer.Duration
	if dur == 0 {
		dur = f.DefaultDuration
	}
	ex := *f.Exchanger
	ex.Store = taggedStore{ex.Store}
	out, err := ex.Exchange(ctx, resp, role, Options{Duration: dur, Profile: profile})
	if err != nil {
		return nil, err
	}
	if answer.Remember && f.State != nil {
		if err := f.State.RememberChoice(ctx, resp.Issuer, resp.Roles, role.RoleArn); err != nil {
			out.Notes = append(out.Notes, "could not remember the choice: "+err.Error())
		}
	}
	return &Result{Outcome: out, Role: role, DecidedBy: by}, nil
}

func (f *Flow) checkExpiry() error {
	if f.Response.Expired(f.now()) {
		return &FlowError{Code: CodeAssertionExpired,
			Message: "the SAML assertion expired at " + saml.FormatTime(f.Response.NotOnOrAfter),
			Remedy:  "log in again through your IdP (assertions are valid for a few minutes)"}
	}
	return nil
}

// decide runs steps 1–5 of the capture flow.
func (f *Flow) decide(ctx context.Context) (saml.Role, Answer, string, string, error) {
	resp := f.Response
	if f.State != nil {
		in, err := f.State.TakeIntent(ctx, resp.Issuer, resp.Roles)
		if err != nil {
			return saml.Role{}, Answer{}, "", "", &FlowError{Code: CodeStoreError, Message: "reading re-login intents: " + err.Error(),
				Remedy: "check that RAMSSO_HOME is writable (ramsso doctor)", Err: err}
		}
		if in != nil {
			r, err := f.role(in.RoleArn)
			if err == nil {
				return r, Answer{RoleArn: r.RoleArn}, ByIntent, in.Profile, nil
			}
		}
	}
	if len(resp.Roles) == 1 {
		return resp.Roles[0], Answer{RoleArn: resp.Roles[0].RoleArn}, ByOneRole, "", nil
	}
	if f.State != nil {
		if arn, ok, err := f.State.RememberedChoice(resp.Issuer, resp.Roles); err == nil && ok {
			if r, err := f.role(arn); err == nil {
				return r, Answer{RoleArn: arn}, ByMemory, "", nil
			}
		}
	}
	if f.TargetRole != "" {
		if r, err := f.role(f.TargetRole); err == nil {
			return r, Answer{RoleArn: r.RoleArn}, ByTarget, "", nil
		}
	}
	// 4. The console's own chooser, in the same tab.
	wait := f.ConsoleWait
	if wait == 0 {
		wait = DefaultConsoleWait
	}
	if wait > 0 {
		if r, a, by, done, err := f.waitConsole(ctx, wait); err != nil || done {
			return r, a, by, "", err
		}
	}
	// 5. Ask a person.
	r, a, by, err := f.ask(ctx)
	return r, a, by, "", err
}

// pending returns what has arrived: a cancel, a choice or a console choice.
func (f *Flow) pending() (cancelled bool, a *Answer, console string, closed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cancelled, f.choice, f.console, f.inputClosed
}

func (f *Flow) deadline(wait time.Duration) time.Duration {
	if exp := f.Response.NotOnOrAfter; !exp.IsZero() {
		if left := exp.Sub(f.now()); left < wait {
			return max(left, 0)
		}
	}
	return wait
}

func (f *Flow) waitConsole(ctx context.Context, wait time.Duration) (saml.Role, Answer, string, bool, error) {
	timer := time.NewTimer(f.deadline(wait))
	defer timer.Stop()
	reported := false
	for {
		cancelled, a, console, closed := f.pending()
		switch {
		case cancelled:
			return saml.Role{}, Answer{}, "", true, &FlowError{Code: CodeCancelled, Message: "the capture was cancelled", Remedy: "log in again to capture credentials"}
		case console != "":
			r, err := f.role(console)
			return r, Answer{RoleArn: r.RoleArn}, ByConsole, true, err
		case a != nil:
			r, err := f.role(a.RoleArn)
			return r, *a, ByChoice, true, err
		case closed:
			return saml.Role{}, Answer{}, "", false, nil
		}
		if !reported {
			f.status(StateWaitingConsole, nil)
			reported = true
		}
		select {
		case <-ctx.Done():
			return saml.Role{}, Answer{}, "", true, ctx.Err()
		case <-timer.C:
			return saml.Role{}, Answer{}, "", false, nil
		case <-f.wake:
		}
	}
}

type askResult struct {
	a   Answer
	err error
}

func (f *Flow) ask(ctx context.Context) (saml.Role, Answer, string, error) {
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
		_, _, _, closed := f.pending()
		if !f.CanAskCaller || closed {
			return saml.Role{}, Answer{}, "", &FlowError{Code: CodeNoChoice,
				Message: "the assertion allows several roles and nobody could be asked which one",
				Remedy:  "start ramsso-tray, or choose in the ramsso extension's popup, or use `ramsso assume --role`"}
		}
		f.status(StateNeedsChoice, resp.Roles)
	}
	for {
		cancelled, a, console, closed := f.pending()
		switch {
		case cancelled:
			return saml.Role{}, Answer{}, "", &FlowError{Code: CodeCancelled, Message: "the role choice was cancelled", Remedy: "log in again to capture credentials"}
		case a != nil:
			r, err := f.role(a.RoleArn)
			return r, *a, ByChoice, err
		case console != "":
			r, err := f.role(console)
			return r, Answer{RoleArn: r.RoleArn}, ByConsole, err
		case closed && trayCh == nil:
			return saml.Role{}, Answer{}, "", &FlowError{Code: CodeNoChoice,
				Message: "the browser closed the connection before a role was chosen",
				Remedy:  "log in again and choose a role in the ramsso popup, or start ramsso-tray"}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return saml.Role{}, Answer{}, "", &FlowError{Code: CodeTimeout, Message: "no role was chosen in time",
					Remedy: "log in again and choose a role within a few minutes", Err: ctx.Err()}
			}
			return saml.Role{}, Answer{}, "", ctx.Err()
		case <-f.wake:
		case tr := <-trayCh:
			if tr.err == nil {
				r, err := f.role(tr.a.RoleArn)
				return r, tr.a, ByTray, err
			}
			if errors.Is(tr.err, ErrCancelled) {
				return saml.Role{}, Answer{}, "", &FlowError{Code: CodeCancelled, Message: "the role choice was cancelled in the tray", Remedy: "log in again to capture credentials", Err: tr.err}
			}
			if ctx.Err() != nil {
				continue // reported by the ctx case
			}
			// The tray failed: fall back to asking the caller.
			trayCh = nil
			if !f.CanAskCaller || closed {
				return saml.Role{}, Answer{}, "", &FlowError{Code: CodeNoChoice, Message: "the tray could not ask for a role: " + tr.err.Error(),
					Remedy: "restart ramsso-tray, or choose in the ramsso extension's popup", Err: tr.err}
			}
			f.status(StateNeedsChoice, resp.Roles)
		}
	}
}

// storeError marks an error from the session store.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// taggedStore marks the store's errors so Classify can tell them apart.
type taggedStore struct{ store.Store }

func (t taggedStore) Put(ctx context.Context, s store.Session) error {
	if err := t.Store.Put(ctx, s); err != nil {
		return &storeError{err}
	}
	return nil
}

func (t taggedStore) List(ctx context.Context) ([]store.Session, error) {
	l, err := t.Store.List(ctx)
	if err != nil {
		return nil, &storeError{err}
	}
	return l, nil
}

// Classify maps any error from a capture flow (or around it) to a
// *FlowError with a stable code and a remedy.
func Classify(err error) *FlowError {
	if err == nil {
		return nil
	}
	var fe *FlowError
	if errors.As(err, &fe) {
		return fe
	}
	var se *saml.Error
	if errors.As(err, &se) {
		return &FlowError{Code: CodeBadSAML, Detail: se.Code, Message: se.Message,
			Remedy: "check the IdP's Alibaba Cloud application (ramsso decode shows what it sends)", Err: err}
	}
	var ae *sts.APIError
	if errors.As(err, &ae) {
		code := CodeSTSError
		remedy := ae.Remedy()
		if strings.HasPrefix(ae.Code, "AuthenticationFail.SAMLAssertion.Expired") {
			code = CodeAssertionExpired
			if remedy == "" {
				remedy = "log in again through your IdP"
			}
		}
		if remedy == "" {
			remedy = "see the STS error code in Alibaba Cloud's documentation"
		}
		return &FlowError{Code: code, Detail: ae.Code, Message: err.Error(), Remedy: remedy, Err: err}
	}
	var ne *sts.NetworkError
	if errors.As(err, &ne) {
		return &FlowError{Code: CodeSTSError, Detail: "network", Message: err.Error(),
			Remedy: "check the network; set \"sts.endpoint\" or \"proxy\" in settings.json (the host does not see your shell's environment)", Err: err}
	}
	if errors.Is(err, policy.ErrForbidden) {
		return &FlowError{Code: CodeForbidden, Message: err.Error(),
			Remedy: "ask your IT team (ramsso doctor shows the admin policy)", Err: err}
	}
	var ste *storeError
	if errors.As(err, &ste) {
		return &FlowError{Code: CodeStoreError, Message: err.Error(),
			Remedy: "run `ramsso doctor` to check the keyring and RAMSSO_HOME", Err: err}
	}
	switch {
	case errors.Is(err, ErrCancelled), errors.Is(err, context.Canceled):
		return &FlowError{Code: CodeCancelled, Message: "the capture was cancelled", Remedy: "log in again to capture credentials", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &FlowError{Code: CodeTimeout, Message: "the capture took too long: " + err.Error(), Remedy: "log in again; run `ramsso doctor` if it keeps happening", Err: err}
	}
	return &FlowError{Code: CodeInternal, Message: err.Error(), Remedy: "run `ramsso doctor`; see host.log under RAMSSO_HOME", Err: err}
}
