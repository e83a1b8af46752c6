package capture

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

type fakeSTS struct {
	mu    sync.Mutex
	calls []sts.Request
	err   error
}

func (f *fakeSTS) AssumeRoleWithSAML(_ context.Context, req sts.Request) (*sts.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, req)
	if f.err != nil {
		return nil, f.err
	}
	return &sts.Result{Credentials: creds.Credentials{AccessKeyID: "STS.fake", AccessKeySecret: "sec", SecurityToken: "tok",
		Expiration: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}, nil
}

type fakeAsker struct {
	answer Answer
	err    error
	asked  chan AskRequest
}

func (a *fakeAsker) AskRole(ctx context.Context, req AskRequest) (Answer, error) {
	if a.asked != nil {
		a.asked <- req
	}
	if a.err != nil {
		return Answer{}, a.err
	}
	return a.answer, nil
}

type flowEnv struct {
	flow     *Flow
	sts      *fakeSTS
	st       store.Store
	statesMu sync.Mutex
	states   []string
	roles    []saml.Role
}

func (e *flowEnv) seen() []string {
	e.statesMu.Lock()
	defer e.statesMu.Unlock()
	return append([]string(nil), e.states...)
}

func newFlowEnv(t *testing.T, roles ...saml.Role) *flowEnv {
	t.Helper()
	home := t.TempDir()
	st, err := store.Open(context.Background(), home, store.KindFile)
	if err != nil {
		t.Fatal(err)
	}
	e := &flowEnv{sts: &fakeSTS{}, st: st, roles: roles}
	e.flow = &Flow{
		ID: "f1",
		Response: &saml.Response{Issuer: "https://idp", Roles: roles, Base64: "QUJD",
			NotOnOrAfter: time.Now().Add(5 * time.Minute)},
		Exchanger:    &Exchanger{STS: e.sts, Store: st},
		State:        &State{Home: home},
		ConsoleWait:  2 * time.Second,
		ChoiceWait:   2 * time.Second,
		CanAskCaller: true,
		OnStatus: func(s Status) {
			e.statesMu.Lock()
			e.states = append(e.states, s.State)
			e.statesMu.Unlock()
		},
	}
	return e
}

// waitState waits until the flow reported state.
func (e *flowEnv) waitState(t *testing.T, state string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range e.seen() {
			if s == state {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("state %s never reported; saw %v", state, e.seen())
}

func runAsync(f *Flow, ctx context.Context) chan struct {
	r   *Result
	err error
} {
	ch := make(chan struct {
		r   *Result
		err error
	}, 1)
	go func() {
		r, err := f.Run(ctx)
		ch <- struct {
			r   *Result
			err error
		}{r, err}
	}()
	return ch
}

func TestFlowDecisionOrder(t *testing.T) {
	a, b, c := role("111", "admin"), role("111", "ro"), role("222", "dev")
	ctx := context.Background()
	tests := []struct {
		name    string
		roles   []saml.Role
		setup   func(t *testing.T, e *flowEnv)
		during  func(t *testing.T, e *flowEnv)
		wantArn string
		wantBy  string
		wantErr string
		states  []string
	}{
		{name: "one role", roles: []saml.Role{a}, wantArn: a.RoleArn, wantBy: ByOneRole,
			states: []string{StateDeciding, StateExchanging}},
		{name: "intent beats one role and memory", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) {
				must(t, e.flow.State.RememberChoice(ctx, "https://idp", e.roles, a.RoleArn))
				must(t, e.flow.State.RecordIntent(ctx, Intent{Profile: "mine", RoleArn: b.RoleArn, Issuer: "https://idp"}))
			}, wantArn: b.RoleArn, wantBy: ByIntent},
		{name: "remembered", roles: []saml.Role{a, b, c},
			setup: func(t *testing.T, e *flowEnv) {
				must(t, e.flow.State.RememberChoice(ctx, "https://idp", e.roles, c.RoleArn))
				e.flow.TargetRole = a.TargetRole()
			}, wantArn: c.RoleArn, wantBy: ByMemory},
		{name: "memory is per role set", roles: []saml.Role{a, b, c},
			setup: func(t *testing.T, e *flowEnv) {
				must(t, e.flow.State.RememberChoice(ctx, "https://idp", []saml.Role{a, c}, c.RoleArn))
				e.flow.TargetRole = a.TargetRole()
			}, wantArn: a.RoleArn, wantBy: ByTarget},
		{name: "target role from capture", roles: []saml.Role{a, b},
			setup:   func(t *testing.T, e *flowEnv) { e.flow.TargetRole = b.ProviderArn + "," + b.RoleArn },
			wantArn: b.RoleArn, wantBy: ByTarget},
		{name: "console choice", roles: []saml.Role{a, b},
			during: func(t *testing.T, e *flowEnv) {
				e.waitState(t, StateWaitingConsole)
				if err := e.flow.ConsoleChoice("acs:ram::999:role/nope,x"); err == nil {
					t.Error("foreign console role accepted")
				}
				must(t, e.flow.ConsoleChoice(b.TargetRole()))
			}, wantArn: b.RoleArn, wantBy: ByConsole,
			states: []string{StateDeciding, StateWaitingConsole, StateExchanging}},
		{name: "console choice before the wait", roles: []saml.Role{a, b},
			setup:   func(t *testing.T, e *flowEnv) { must(t, e.flow.ConsoleChoice(a.TargetRole())) },
			wantArn: a.RoleArn, wantBy: ByConsole, states: []string{StateDeciding, StateExchanging}},
		{name: "needs choice then choose and remember", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) { e.flow.ConsoleWait = 20 * time.Millisecond },
			during: func(t *testing.T, e *flowEnv) {
				e.waitState(t, StateNeedsChoice)
				if err := e.flow.Choose(Answer{RoleArn: "acs:ram::999:role/x"}); err == nil {
					t.Error("foreign choice accepted")
				}
				must(t, e.flow.Choose(Answer{RoleArn: a.RoleArn, Remember: true, Duration: time.Hour}))
			}, wantArn: a.RoleArn, wantBy: ByChoice,
			states: []string{StateDeciding, StateWaitingConsole, StateNeedsChoice, StateExchanging}},
		{name: "tray asked", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) {
				e.flow.ConsoleWait = -1
				e.flow.TrayAsker = func(context.Context) (Asker, bool) { return &fakeAsker{answer: Answer{RoleArn: b.RoleArn}}, true }
			}, wantArn: b.RoleArn, wantBy: ByTray, states: []string{StateDeciding, StateAskingTray, StateExchanging}},
		{name: "tray cancel", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) {
				e.flow.ConsoleWait = -1
				e.flow.TrayAsker = func(context.Context) (Asker, bool) { return &fakeAsker{err: ErrCancelled}, true }
			}, wantErr: CodeCancelled},
		{name: "tray fails, popup answers", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) {
				e.flow.ConsoleWait = -1
				e.flow.TrayAsker = func(context.Context) (Asker, bool) { return &fakeAsker{err: errors.New("socket gone")}, true }
			},
			during: func(t *testing.T, e *flowEnv) {
				e.waitState(t, StateNeedsChoice)
				must(t, e.flow.Choose(Answer{RoleArn: b.RoleArn}))
			}, wantArn: b.RoleArn, wantBy: ByChoice},
		{name: "no tray, no caller", roles: []saml.Role{a, b},
			setup:   func(t *testing.T, e *flowEnv) { e.flow.ConsoleWait = -1; e.flow.CanAskCaller = false },
			wantErr: CodeNoChoice},
		{name: "choice times out", roles: []saml.Role{a, b},
			setup: func(t *testing.T, e *flowEnv) {
				e.flow.ConsoleWait = 10 * time.Millisecond
				e.flow.ChoiceWait = 30 * time.Millisecond
			}, wantErr: CodeTimeout},
		{name: "cancel while waiting", roles: []saml.Role{a, b},
			during:  func(t *testing.T, e *flowEnv) { e.waitState(t, StateWaitingConsole); e.flow.Cancel() },
			wantErr: CodeCancelled},
		{name: "input closed while waiting for choice", roles: []saml.Role{a, b},
			setup:   func(t *testing.T, e *flowEnv) { e.flow.ConsoleWait = 10 * time.Millisecond },
			during:  func(t *testing.T, e *flowEnv) { e.waitState(t, StateNeedsChoice); e.flow.CloseInput() },
			wantErr: CodeNoChoice},
		{name: "expired assertion", roles: []saml.Role{a},
			setup: func(t *testing.T, e *flowEnv) {
				e.flow.Response.NotOnOrAfter = time.Now().Add(-time.Second)
			}, wantErr: CodeAssertionExpired},
		{name: "sts error", roles: []saml.Role{a},
			setup: func(t *testing.T, e *flowEnv) {
				e.sts.err = &sts.APIError{Code: "EntityNotExist.RoleArn", Message: "no role"}
			}, wantErr: CodeSTSError},
		{name: "sts says expired", roles: []saml.Role{a},
			setup: func(t *testing.T, e *flowEnv) {
				e.sts.err = &sts.APIError{Code: "AuthenticationFail.SAMLAssertion.Expired"}
			}, wantErr: CodeAssertionExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newFlowEnv(t, tc.roles...)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			ch := runAsync(e.flow, ctx)
			if tc.during != nil {
				tc.during(t, e)
			}
			var got struct {
				r   *Result
				err error
			}
			select {
			case got = <-ch:
			case <-time.After(5 * time.Second):
				t.Fatal("flow did not end")
			}
			if tc.wantErr != "" {
				var fe *FlowError
				if !errors.As(got.err, &fe) || fe.Code != tc.wantErr {
					t.Fatalf("err = %#v, want code %s", got.err, tc.wantErr)
				}
				if fe.Remedy == "" {
					t.Errorf("error %s has no remedy", fe.Code)
				}
				return
			}
			if got.err != nil {
				t.Fatalf("Run: %v", got.err)
			}
			if got.r.Role.RoleArn != tc.wantArn || got.r.DecidedBy != tc.wantBy {
				t.Fatalf("role %s by %s, want %s by %s", got.r.Role.RoleArn, got.r.DecidedBy, tc.wantArn, tc.wantBy)
			}
			s, err := e.st.Get(ctx, got.r.Outcome.Session.Profile)
			if err != nil || s.RoleArn != tc.wantArn || s.Credentials.AccessKeyID != "STS.fake" {
				t.Fatalf("stored %+v, %v", s, err)
			}
			if tc.wantBy == ByIntent && s.Profile != "mine" {
				t.Errorf("intent profile not used: %s", s.Profile)
			}
			if tc.states != nil && !equal(e.seen(), tc.states) {
				t.Errorf("states %v, want %v", e.seen(), tc.states)
			}
			if tc.name == "needs choice then choose and remember" {
				if arn, ok, _ := e.flow.State.RememberedChoice("https://idp", tc.roles); !ok || arn != a.RoleArn {
					t.Errorf("choice not remembered: %q %v", arn, ok)
				}
				if d := e.sts.calls[0].DurationSeconds; d != 3600 {
					t.Errorf("duration %d", d)
				}
			}
		})
	}
}

func TestFlowContextCancel(t *testing.T) {
	e := newFlowEnv(t, role("1", "a"), role("1", "b"))
	ctx, cancel := context.WithCancel(context.Background())
	ch := runAsync(e.flow, ctx)
	e.waitState(t, StateWaitingConsole)
	cancel()
	got := <-ch
	var fe *FlowError
	if !errors.As(got.err, &fe) || fe.Code != CodeCancelled {
		t.Fatalf("err = %v", got.err)
	}
}

func TestClassifyStoreError(t *testing.T) {
	fe := Classify(&storeError{errors.New("keyring locked")})
	if fe.Code != CodeStoreError || fe.Remedy == "" {
		t.Fatalf("%+v", fe)
	}
	fe = Classify(&saml.Error{Code: saml.CodeInvalidXML, Message: "bad"})
	if fe.Code != CodeBadSAML || fe.Detail != saml.CodeInvalidXML {
		t.Fatalf("%+v", fe)
	}
	if Classify(&sts.NetworkError{Endpoint: "https://x", Err: errors.New("refused")}).Code != CodeSTSError {
		t.Fatal("network error not sts_error")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
