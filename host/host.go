// Package host is ramsso-host, the native messaging host (com.ramsso.host)
// the ramsso browser extension starts. It reads framed JSON messages on
// stdin, runs one internal/capture Flow per captured SAML login (several
// at once), and writes framed replies on stdout: status updates, then done
// or error. Replies and logs never carry secrets.
package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// Protocol is the native messaging protocol version.
const Protocol = 1

// Error codes of the host's own error replies (flow errors use the
// capture.Code* values).
const (
	CodeBadFrame        = "bad_frame"
	CodeTooLarge        = "too_large"
	CodeBadMessage      = "bad_message"
	CodeUnknownType     = "unknown_type"
	CodeMissingID       = "missing_id"
	CodeUnknownFlow     = "unknown_flow"
	CodeDuplicateFlow   = "duplicate_flow"
	CodeForbiddenOrigin = "forbidden_origin"
	CodeConfig          = "config_error"
)

const remedyUpdate = "update the ramsso extension and ramsso to matching versions"

// DefaultDrainTimeout bounds how long in-flight flows may still run after
// the browser closed stdin.
const DefaultDrainTimeout = 30 * time.Second

// ErrorBody is the error object of an error reply.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
	// Detail is the SAML or STS error code behind Code, when there is one.
	Detail string `json:"detail,omitempty"`
}

type errorReply struct {
	OK    bool      `json:"ok"`
	Type  string    `json:"type"`
	ID    string    `json:"id,omitempty"`
	Error ErrorBody `json:"error"`
}

type pongReply struct {
	OK       bool   `json:"ok"`
	Type     string `json:"type"`
	Version  string `json:"version"`
	Protocol int    `json:"protocol"`
}

// RoleInfo is a role as shown to the extension's picker.
type RoleInfo struct {
	saml.Role
	AccountAlias string `json:"accountAlias,omitempty"`
}

type statusReply struct {
	OK     bool       `json:"ok"`
	Type   string     `json:"type"`
	ID     string     `json:"id"`
	State  string     `json:"state"`
	Issuer string     `json:"issuer,omitempty"`
	Roles  []RoleInfo `json:"roles,omitempty"`
}

type doneReply struct {
	OK           bool     `json:"ok"`
	Type         string   `json:"type"`
	ID           string   `json:"id"`
	Profile      string   `json:"profile"`
	RoleArn      string   `json:"roleArn"`
	Expiration   string   `json:"expiration"`
	AccountID    string   `json:"accountId,omitempty"`
	AccountAlias string   `json:"accountAlias,omitempty"`
	RoleName     string   `json:"roleName,omitempty"`
	DecidedBy    string   `json:"decidedBy,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

// message is every field any incoming message may carry.
type message struct {
	Type         string          `json:"type"`
	ID           string          `json:"id"`
	TabID        json.RawMessage `json:"tabId,omitempty"`
	URL          string          `json:"url,omitempty"`
	Initiator    string          `json:"initiator,omitempty"`
	SAMLResponse string          `json:"samlResponse,omitempty"`
	RelayState   string          `json:"relayState,omitempty"`
	TargetRole   string          `json:"targetRole,omitempty"`
	RoleArn      string          `json:"roleArn,omitempty"`
	Remember     bool            `json:"remember,omitempty"`
	// Duration is an optional session duration for choose: seconds or "1h".
	Duration json.RawMessage `json:"duration,omitempty"`
	// Confirmed answers a needs_confirm status (confirm messages).
	Confirmed *bool `json:"confirmed,omitempty"`
}

// Host serves one browser connection. Fill the fields and call Serve.
type Host struct {
	Version  string
	Home     string
	Settings *config.Settings
	Log      *slog.Logger // nil: discard

	// NewExchanger builds the exchanger on the first capture (opening the
	// store probes the keyring, which ping should not pay for).
	NewExchanger func(ctx context.Context) (*capture.Exchanger, error)

	Hooks

	// DrainTimeout bounds in-flight work after end of input (0: 30 s).
	DrainTimeout time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	exOnce sync.Once
	ex     *capture.Exchanger
	exErr  error

	w        *replier
	mu       sync.Mutex
	flows    map[string]*capture.Flow
	confirms sync.Map // flow id → *capture.Confirmation (confirm.go)
	wg       sync.WaitGroup
}

// Hooks connect the host to the tray and the aliyun CLI configuration;
// every one is optional.
type Hooks struct {
	// TrayAsker returns the running tray's Asker (internal/localapi);
	// false when no tray answers.
	TrayAsker func(ctx context.Context) (capture.Asker, bool)
	// StartTray starts ramsso-tray detached (see StartDetached); called
	// once when a role must be asked, a display exists and TrayAsker found
	// no tray.
	StartTray func() error
	// NotifyTray tells the tray about a new session.
	NotifyTray func(ctx context.Context, s store.Session)
	// ReportCapture tells the tray how every capture ended, success or
	// error, so it can notify and offer "Pick role…" for the last
	// assertion while it is valid. CaptureEnd.Response carries the
	// assertion: the hook may hand it only to the owner-only local API.
	ReportCapture func(ctx context.Context, end CaptureEnd)
	// TrayConfirmer returns the running tray's first-seen confirmer;
	// false when no tray answers (the popup is asked either way).
	TrayConfirmer func(ctx context.Context) (capture.TrayConfirmer, bool)
	// ConfigureCLI writes the aliyun CLI profile for a new session; called
	// only when settings.ConfigureCLI is on.
	ConfigureCLI func(ctx context.Context, s store.Session) error
	// AfterStore runs after every stored session, in order.
	AfterStore []func(ctx context.Context, s store.Session)
	// HasDisplay reports whether a tray could be shown; nil: DefaultHasDisplay.
	HasDisplay func() bool
}

// replier serialises replies on stdout and keeps them under the
// browser's 1 MiB limit.
type replier struct {
	mu  sync.Mutex
	out io.Writer
	log *slog.Logger
}

func (r *replier) send(v any) {
	b, err := json.Marshal(v)
	if err == nil && len(b) > nativemsg.MaxOutgoing {
		id := ""
		if s, ok := v.(statusReply); ok {
			id = s.ID
		}
		b, err = json.Marshal(errorReply{Type: "error", ID: id, Error: ErrorBody{Code: CodeTooLarge,
			Message: "the reply would exceed the browser's 1 MiB limit", Remedy: "use `ramsso assume --role` for assertions with this many roles"}})
	}
	if err != nil {
		r.log.Error("encode reply", "err", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := nativemsg.WriteFrame(r.out, b); err != nil {
		r.log.Warn("write reply", "err", err)
	}
}

func (r *replier) fail(id, code, msg, remedy string) {
	r.send(errorReply{Type: "error", ID: id, Error: ErrorBody{Code: code, Message: msg, Remedy: remedy}})
}

func (h *Host) logger() *slog.Logger {
	if h.Log == nil {
		h.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return h.Log
}

func (h *Host) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Serve answers frames from in on out until in ends, then waits (bounded)
// for in-flight flows to reply. It never panics on bad input: a malformed
// frame gets an error reply where one is still possible.
func (h *Host) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	log := h.logger()
	h.w = &replier{out: out, log: log}
	h.flows = map[string]*capture.Flow{}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var readErr error
	for {
		payload, err := nativemsg.ReadFrame(in)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, nativemsg.ErrTooLarge) {
			log.Warn("frame over the cap", "err", err)
			h.w.fail("", CodeTooLarge, err.Error(), remedyUpdate)
			readErr = err
			break // the stream cannot be resynchronised
		}
		if err != nil {
			log.Warn("bad frame", "err", err)
			h.w.fail("", CodeBadFrame, "could not read a native message: "+err.Error(), remedyUpdate)
			readErr = err
			break
		}
		h.handle(ctx, payload)
	}
	log.Info("end of input", "in_flight", h.inFlight())
	h.mu.Lock()
	for _, f := range h.flows {
		f.CloseInput()
	}
	h.mu.Unlock()
	drain := h.DrainTimeout
	if drain <= 0 {
		drain = DefaultDrainTimeout
	}
	if !waitTimeout(&h.wg, drain) {
		log.Warn("in-flight flows did not finish in time; cancelling", "drain", drain)
		cancel()
		waitTimeout(&h.wg, 2*time.Second)
	}
	return readErr
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func (h *Host) inFlight() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.flows)
}

// handle answers one frame; a panic becomes an error reply.
func (h *Host) handle(ctx context.Context, payload []byte) {
	var msg message
	defer func() {
		if p := recover(); p != nil {
			h.logger().Error("panic handling a message", "type", msg.Type, "stack", string(debug.Stack()))
			h.w.fail(msg.ID, capture.CodeInternal, "ramsso-host hit an internal error", "see host.log under RAMSSO_HOME and report it")
		}
	}()
	if err := json.Unmarshal(payload, &msg); err != nil {
		h.logger().Warn("bad message", "bytes", len(payload))
		h.w.fail(msg.ID, CodeBadMessage, "a native message was not a valid JSON object: "+jsonProblem(err), remedyUpdate)
		return
	}
	h.logger().Debug("message", "type", msg.Type, "id", msg.ID)
	switch msg.Type {
	case "ping":
		h.w.send(pingReply(payload, h.Version))
		return
	case "capture", "consoleChoice", "choose", "cancel", "confirm":
	case "":
		h.w.fail(msg.ID, CodeBadMessage, "a native message has no type", remedyUpdate)
		return
	default:
		h.w.fail(msg.ID, CodeUnknownType, "this ramsso-host does not handle "+quote(msg.Type)+" messages", "update ramsso")
		return
	}
	if msg.ID == "" {
		h.w.fail("", CodeMissingID, "a "+msg.Type+" message has no id", remedyUpdate)
		return
	}
	if msg.Type == "capture" {
		h.capture(ctx, msg)
		return
	}
	h.mu.Lock()
	f := h.flows[msg.ID]
	h.mu.Unlock()
	if f == nil {
		h.w.fail(msg.ID, CodeUnknownFlow, "no capture "+quote(msg.ID)+" is in progress (it may have finished)", "nothing to do if the capture already finished; otherwise log in again")
		return
	}
	var err error
	switch msg.Type {
	case "cancel":
		h.logger().Info("cancel", "id", msg.ID)
		f.Cancel()
	case "consoleChoice":
		err = f.ConsoleChoice(msg.TargetRole)
	case "confirm":
		if !h.answerConfirm(msg) {
			h.w.fail(msg.ID, CodeUnknownFlow, "capture "+quote(msg.ID)+" is not waiting for a confirmation", "nothing to do")
		}
	case "choose":
		var d time.Duration
		if d, err = parseDuration(msg.Duration); err == nil {
			err = f.Choose(capture.Answer{RoleArn: msg.RoleArn, Duration: d, Remember: msg.Remember})
		}
	}
	if err != nil {
		fe := capture.Classify(err)
		h.w.send(errorReply{Type: "error", ID: msg.ID, Error: ErrorBody{Code: fe.Code, Message: fe.Message, Remedy: fe.Remedy, Detail: fe.Detail}})
	}
}

func parseDuration(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var secs int64
	if json.Unmarshal(raw, &secs) == nil {
		return time.Duration(secs) * time.Second, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, &capture.FlowError{Code: capture.CodeBadRole, Message: "duration must be seconds or a string like \"1h\"", Remedy: remedyUpdate}
	}
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, &capture.FlowError{Code: capture.CodeBadRole, Message: err.Error(), Remedy: "choose a duration between 15m and 12h"}
	}
	return d, nil
}

func (h *Host) exchanger(ctx context.Context) (*capture.Exchanger, error) {
	h.exOnce.Do(func() {
		if h.NewExchanger == nil {
			h.exErr = errors.New("no exchanger configured")
			return
		}
		h.ex, h.exErr = h.NewExchanger(ctx)
	})
	return h.ex, h.exErr
}

func (h *Host) settings() *config.Settings {
	if h.Settings == nil {
		return &config.Settings{}
	}
	return h.Settings
}

// capture starts a flow for a capture message.
func (h *Host) capture(ctx context.Context, msg message) {
	log := h.logger().With("id", msg.ID)
	if strings.TrimSpace(msg.SAMLResponse) == "" {
		h.w.fail(msg.ID, capture.CodeBadSAML, "the capture carries no samlResponse", remedyUpdate)
		return
	}
	resp, err := saml.Decode([]byte(msg.SAMLResponse))
	if err != nil {
		fe := capture.Classify(err)
		log.Warn("capture refused", "code", fe.Code, "detail", fe.Detail)
		h.w.send(errorReply{Type: "error", ID: msg.ID, Error: ErrorBody{Code: fe.Code, Message: fe.Message, Remedy: fe.Remedy, Detail: fe.Detail}})
		return
	}
	log.Info("capture", "issuer", resp.Issuer, "roles", len(resp.Roles), "site", resp.Site,
		"notOnOrAfter", saml.FormatTime(resp.NotOnOrAfter), "targetRole", msg.TargetRole != "")
	set := h.settings()
	def, err := set.Duration()
	if err != nil {
		h.w.fail(msg.ID, CodeConfig, err.Error(), "fix defaultDuration in settings.json")
		return
	}
	wait, err := set.ConsoleChoiceWaitDuration()
	if err != nil {
		h.w.fail(msg.ID, CodeConfig, err.Error(), "fix consoleChoiceWait in settings.json")
		return
	}
	h.mu.Lock()
	if _, dup := h.flows[msg.ID]; dup {
		h.mu.Unlock()
		h.w.fail(msg.ID, CodeDuplicateFlow, "a capture with this id is already in progress", remedyUpdate)
		return
	}
	f := &capture.Flow{
		ID: msg.ID, Response: resp, TargetRole: msg.TargetRole,
		State:           &capture.State{Home: h.Home, Now: h.Now},
		DefaultDuration: def, ConsoleWait: wait,
		TrayAsker:    h.trayAsker(log),
		CanAskCaller: true,
		Now:          h.Now,
	}
	aliases := set.AccountAliases
	f.OnStatus = func(s capture.Status) {
		log.Info("status", "state", s.State)
		h.w.send(statusReply{OK: true, Type: "status", ID: msg.ID, State: s.State, Issuer: resp.Issuer, Roles: roleInfos(s.Roles, aliases)})
	}
	h.withConfirmation(f, msg, log)
	h.flows[msg.ID] = f
	h.wg.Add(1)
	h.mu.Unlock()
	go h.run(ctx, f, log)
}

func roleInfos(roles []saml.Role, aliases map[string]string) []RoleInfo {
	if len(roles) == 0 {
		return nil
	}
	out := make([]RoleInfo, len(roles))
	for i, r := range roles {
		out[i] = RoleInfo{Role: r, AccountAlias: aliases[r.AccountID]}
	}
	return out
}

// trayAsker wraps the TrayAsker hook: when no tray answers and a display
// exists, start the tray once and give it a moment to come up.
func (h *Host) trayAsker(log *slog.Logger) func(ctx context.Context) (capture.Asker, bool) {
	if h.TrayAsker == nil {
		return nil
	}
	return func(ctx context.Context) (capture.Asker, bool) {
		if a, ok := h.TrayAsker(ctx); ok {
			return a, true
		}
		hasDisplay := h.HasDisplay
		if hasDisplay == nil {
			hasDisplay = DefaultHasDisplay
		}
		if h.StartTray == nil || !hasDisplay() {
			return nil, false
		}
		if err := h.StartTray(); err != nil {
			log.Warn("could not start the tray", "err", err)
			return nil, false
		}
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			if a, ok := h.TrayAsker(ctx); ok {
				return a, true
			}
		}
		return nil, false
	}
}

func (h *Host) run(ctx context.Context, f *capture.Flow, log *slog.Logger) {
	defer h.wg.Done()
	defer func() {
		h.mu.Lock()
		delete(h.flows, f.ID)
		h.mu.Unlock()
	}()
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic in a capture flow", "stack", string(debug.Stack()))
			h.w.fail(f.ID, capture.CodeInternal, "ramsso-host hit an internal error", "see host.log under RAMSSO_HOME and report it")
		}
	}()
	start := h.now()
	ex, err := h.exchanger(ctx)
	if err != nil {
		log.Error("cannot set up the exchange", "err", err)
		h.w.fail(f.ID, CodeConfig, "ramsso-host cannot reach its store or STS settings: "+err.Error(), "run `ramsso doctor`")
		return
	}
	f.Exchanger = ex
	res, err := f.Run(ctx)
	if err != nil {
		fe := capture.Classify(err)
		log.Warn("capture failed", "code", fe.Code, "detail", fe.Detail, "err", fe.Message)
		h.w.send(errorReply{Type: "error", ID: f.ID, Error: ErrorBody{Code: fe.Code, Message: fe.Message, Remedy: fe.Remedy, Detail: fe.Detail}})
		h.report(ctx, CaptureEnd{ID: f.ID, Response: f.Response, Err: fe}, log)
		return
	}
	defer h.report(ctx, CaptureEnd{ID: f.ID, Response: f.Response, Result: res}, log)
	s := res.Outcome.Session
	log.Info("stored", "profile", s.Profile, "roleArn", s.RoleArn, "by", res.DecidedBy,
		"expiration", s.Expiration.UTC().Format(creds.TimeFormat), "took", h.now().Sub(start).String())
	h.w.send(doneReply{OK: true, Type: "done", ID: f.ID, Profile: s.Profile, RoleArn: s.RoleArn,
		Expiration: s.Expiration.UTC().Format(creds.TimeFormat), AccountID: s.AccountID, AccountAlias: s.AccountAlias,
		RoleName: s.RoleName, DecidedBy: res.DecidedBy, Notes: res.Outcome.Notes})
	h.after(ctx, s, log)
}

// CaptureEnd is how one capture ended: Result on success, Err otherwise.
type CaptureEnd struct {
	ID       string
	Response *saml.Response // holds the assertion (secret)
	Result   *capture.Result
	Err      *capture.FlowError
}

// report runs the ReportCapture hook, bounded and panic-safe.
func (h *Host) report(ctx context.Context, end CaptureEnd, log *slog.Logger) {
	if h.ReportCapture == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic in hook", "hook", "report capture")
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h.ReportCapture(ctx, end)
}

// after runs the post-store hooks; their failures are logged only.
func (h *Host) after(ctx context.Context, s store.Session, log *slog.Logger) {
	s.Credentials = creds.Credentials{Expiration: s.Expiration} // hooks get no secrets; they read the store
	hook := func(name string, fn func()) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic in hook", "hook", name)
			}
		}()
		fn()
	}
	if h.NotifyTray != nil {
		hook("notify tray", func() { h.NotifyTray(ctx, s) })
	}
	if h.ConfigureCLI != nil && h.settings().ConfigureCLI {
		hook("configure cli", func() {
			if err := h.ConfigureCLI(ctx, s); err != nil {
				log.Warn("configure aliyun CLI profile", "profile", s.Profile, "err", err)
			}
		})
	}
	for i, fn := range h.AfterStore {
		hook(fmt.Sprintf("after store %d", i), func() { fn(ctx, s) })
	}
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonProblem describes a JSON error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q must be a %s, not a %s", te.Field, te.Type.Kind(), te.Value)
	}
	return "not a JSON object"
}
