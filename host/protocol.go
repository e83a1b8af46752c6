package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/nativemsg"
	"github.com/ramsso/ramsso/internal/saml"
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
	// Warnings: what went wrong after the session was stored (an
	// after-store effect refused); the session is stored all the same.
	Warnings []string `json:"warnings,omitempty"`
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

// flowError replies with err as a flow's error (capture.Classify), and
// returns the classified error for logging and reporting.
func (r *replier) flowError(id string, err error) *capture.FlowError {
	fe := capture.Classify(err)
	r.send(errorReply{Type: "error", ID: id, Error: ErrorBody{Code: fe.Code, Message: fe.Message, Remedy: fe.Remedy, Detail: fe.Detail}})
	return fe
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
