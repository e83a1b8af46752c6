// Package host is ramsso-host, the native messaging host (com.ramsso.host)
// the ramsso browser extension starts. It reads framed JSON messages on
// stdin, runs one internal/capture Flow per captured SAML login (several
// at once), and writes framed replies on stdout: status updates, then done
// or error. Replies and logs never carry secrets.
// Its files: protocol.go (the message and reply types, the replier),
// serve.go (the serve loop and one flow per capture), hooks.go (how the
// host reaches the tray and the after-store effects), main.go (the
// process: caller check, log, settings, the composition root).
package host

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/saml"
)

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
	defer recovered(h.logger(), "handling a message", func() { h.internalError(msg.ID) })
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
		h.w.flowError(msg.ID, err)
	}
}

// internalError replies to a flow (or "") that ramsso-host failed itself.
func (h *Host) internalError(id string) {
	h.w.fail(id, capture.CodeInternal, "ramsso-host hit an internal error", "see host.log under RAMSSO_HOME and report it")
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
		fe := h.w.flowError(msg.ID, err)
		log.Warn("capture refused", "code", fe.Code, "detail", fe.Detail)
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
		if h.StartTray == nil || !h.hasDisplay() {
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
	defer recovered(log, "a capture flow", func() { h.internalError(f.ID) })
	start := h.now()
	ex, err := h.exchanger(ctx)
	if err != nil {
		log.Error("cannot set up the exchange", "err", err)
		h.w.fail(f.ID, CodeConfig, "ramsso-host cannot reach its store or STS settings: "+err.Error(), "run `ramsso doctor`")
		return
	}
	f.Exchanger, f.Effects = ex, h.effects()
	res, err := f.Run(ctx)
	if err != nil {
		fe := h.w.flowError(f.ID, err)
		log.Warn("capture failed", "code", fe.Code, "detail", fe.Detail, "err", fe.Message)
		h.report(ctx, CaptureEnd{ID: f.ID, Response: f.Response, Err: fe}, log)
		return
	}
	defer h.report(ctx, CaptureEnd{ID: f.ID, Response: f.Response, Result: res}, log)
	s := res.Outcome.Session
	log.Info("stored", "profile", s.Profile, "roleArn", s.RoleArn, "by", res.DecidedBy,
		"expiration", s.Expiration.UTC().Format(creds.TimeFormat), "took", h.now().Sub(start).String())
	for _, w := range res.Outcome.Warnings {
		log.Warn("after store", "profile", s.Profile, "warning", w)
	}
	h.w.send(doneReply{OK: true, Type: "done", ID: f.ID, Profile: s.Profile, RoleArn: s.RoleArn,
		Expiration: s.Expiration.UTC().Format(creds.TimeFormat), AccountID: s.AccountID, AccountAlias: s.AccountAlias,
		RoleName: s.RoleName, DecidedBy: res.DecidedBy, Notes: res.Outcome.Notes, Warnings: res.Outcome.Warnings})
}
