// Package localapi is the tray's local API: JSON over HTTP on a unix
// socket under RAMSSO_HOME (an owner-only named pipe on Windows). The tray
// serves it; the native messaging host and the CLI call it to ask for a
// role choice, to say that a session changed or that a capture ended, and
// to bring the tray's windows forward. Only the owner can connect: the
// socket is 0600 in a 0700 directory and, on Linux and macOS, the peer's
// uid is checked on every connection; clients check the socket and the
// server's uid before they send anything. The package is cgo-free.
package localapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// API paths.
const (
	PathPing           = "/v1/ping"
	PathAsk            = "/v1/ask"
	PathSessions       = "/v1/sessions"
	PathSessionChanged = "/v1/session-changed"
	PathCapture        = "/v1/capture"
	PathLastCapture    = "/v1/last-capture"
	PathShow           = "/v1/show"
)

// Files under RAMSSO_HOME.
const (
	// SocketName is the socket's name under RAMSSO_HOME.
	SocketName = "tray.sock"
	// SocketPathFile records the socket's path when RAMSSO_HOME is too
	// long for a unix socket path and the socket lives under /tmp instead.
	SocketPathFile = "tray.sock.path"
	// LockName is the tray's single-instance lock.
	LockName = "tray.lock"
)

// Error codes the API returns.
const (
	CodeCancelled  = "cancelled"
	CodeTimeout    = "timeout"
	CodeBadRequest = "bad_request"
	CodeForbidden  = "forbidden"
	CodeInternal   = "internal"
	CodeNotFound   = "not_found"
)

// ErrNotRunning is returned when no tray answers on the local API.
var ErrNotRunning = errors.New("the ramsso tray is not running")

// ErrAlreadyRunning is returned by AcquireInstance when another tray holds
// the lock for the same RAMSSO_HOME.
var ErrAlreadyRunning = errors.New("another ramsso tray is running for this RAMSSO_HOME")

// ErrTimeout is returned by AskRole when nobody answered in time.
var ErrTimeout = errors.New("nobody chose a role in time")

// Status is the tray's answer to a ping.
type Status struct {
	Version string `json:"version"`
	PID     int    `json:"pid"`
	// Tray says whether a system tray icon is shown (false without a
	// session bus or tray host; the windows and the API still work).
	Tray bool `json:"tray"`
	// PickerShownAt is when the picker last came up (zero: never); the
	// benchmark measures ask-to-picker latency with it.
	PickerShownAt time.Time `json:"pickerShownAt,omitzero"`
}

// Change says that a session was added, refreshed or removed.
type Change struct {
	Profile string `json:"profile,omitempty"`
	// Reason is "added", "refreshed", "removed" or "" (something changed).
	Reason string `json:"reason,omitempty"`
}

// Capture outcomes.
const (
	OutcomeDone      = "done"
	OutcomeError     = "error"
	OutcomeCancelled = "cancelled"
)

// ErrorInfo is a non-secret description of a failure.
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy,omitempty"`
}

// CaptureSummary is what the tray knows about the last capture. It holds
// no secret.
type CaptureSummary struct {
	ID               string      `json:"id,omitempty"`
	Outcome          string      `json:"outcome"`
	Profile          string      `json:"profile,omitempty"`
	RoleArn          string      `json:"roleArn,omitempty"`
	Expiration       time.Time   `json:"expiration,omitempty"`
	Error            *ErrorInfo  `json:"error,omitempty"`
	Issuer           string      `json:"issuer,omitempty"`
	Subject          string      `json:"subject,omitempty"`
	Site             string      `json:"site,omitempty"`
	Roles            []saml.Role `json:"roles,omitempty"`
	AssertionExpires time.Time   `json:"assertionExpires,omitempty"`
	Notes            []string    `json:"notes,omitempty"`
	// Warnings: what failed after the session was stored (an after-store
	// effect refused); the session is stored all the same.
	Warnings []string `json:"warnings,omitempty"`
	// DurationFallback says STS refused the requested duration for RoleArn
	// and the session got 1 h (sts.Result.DurationFallback): the picker
	// then offers at most 1 h for that role.
	DurationFallback bool `json:"durationFallback,omitempty"`
	// Pickable says the tray holds the assertion and it is still valid, so
	// "Pick role…" can assume further roles from it.
	Pickable bool      `json:"pickable,omitempty"`
	At       time.Time `json:"at,omitempty"`
}

// CaptureReport is what the host tells the tray after a capture: the
// summary, plus the assertion itself while it is valid so the tray can
// offer "Pick role…". The assertion is a bearer secret: the tray keeps it
// only in memory and never logs it; String leaves it out.
type CaptureReport struct {
	CaptureSummary
	// SAMLResponse is the base64 SAMLResponse (secret).
	SAMLResponse string `json:"samlResponse,omitempty"`
}

// String describes the report without the assertion.
func (r CaptureReport) String() string {
	return fmt.Sprintf("capture %s %s profile=%s role=%s assertion=%t", r.ID, r.Outcome, r.Profile, r.RoleArn, r.SAMLResponse != "")
}

// GoString is String, so %#v cannot print the assertion either.
func (r CaptureReport) GoString() string { return r.String() }

// Show names what POST /v1/show brings forward.
type Show struct {
	// What is "picker", "settings" or "" (whatever is most useful).
	What string `json:"what,omitempty"`
}

// Handler is what the tray implements behind the API. Ask may be called
// concurrently: the server serialises nothing, the handler queues.
type Handler interface {
	// Status answers a ping.
	Status() Status
	// Ask blocks until the person picks a role, cancels (return
	// capture.ErrCancelled) or ctx ends (the caller went away or timed out).
	Ask(ctx context.Context, req capture.AskRequest) (capture.Answer, error)
	// Sessions lists the sessions' metadata (no secrets).
	Sessions(ctx context.Context) ([]store.Session, error)
	// SessionChanged is a notice from the host or the CLI.
	SessionChanged(ctx context.Context, c Change) error
	// Capture is the host's report on a capture.
	Capture(ctx context.Context, r CaptureReport) error
	// LastCapture is the last capture's summary, or nil.
	LastCapture(ctx context.Context) (*CaptureSummary, error)
	// Show brings a window forward.
	Show(ctx context.Context, s Show) error
}

// apiError is the JSON error body.
type apiError struct {
	Error ErrorInfo `json:"error"`
}
