package host

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/proc"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
)

// Hooks connect the host to the tray and the aliyun CLI configuration;
// every one is optional.
type Hooks struct {
	// TrayAsker returns the running tray's Asker (internal/localapi);
	// false when no tray answers.
	TrayAsker func(ctx context.Context) (capture.Asker, bool)
	// StartTray starts ramsso-tray detached (localapi.StartTray, the one
	// way to start it); called once when a role must be asked, a display
	// exists and TrayAsker found no tray.
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
	// ConfigureCLI writes the aliyun CLI profile for a new session and
	// says what it did; called only when settings.ConfigureCLI is on.
	ConfigureCLI func(ctx context.Context, s store.Session) (string, error)
	// HasDisplay reports whether a tray could be shown; nil: proc.HasDisplay.
	HasDisplay func() bool
}

// hasDisplay is the HasDisplay hook or the process's own answer.
func (h *Host) hasDisplay() bool {
	if h.HasDisplay != nil {
		return h.HasDisplay()
	}
	return proc.HasDisplay(runtime.GOOS, nil)
}

// effects are the after-store effects the settings ask for, from the
// hooks (capture.Effects writes the rule once for every front-end).
func (h *Host) effects() []capture.Effect {
	return capture.Effects(h.settings(), h.ConfigureCLI, h.NotifyTray)
}

// recovered, deferred, turns a panic into a log line with the stack and
// then runs onPanic (nil: nothing more), so no panic takes the host down.
func recovered(log *slog.Logger, what string, onPanic func()) {
	if p := recover(); p != nil {
		log.Error("panic in "+what, "stack", string(debug.Stack()))
		if onPanic != nil {
			onPanic()
		}
	}
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
	defer recovered(log, "hook report capture", nil)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h.ReportCapture(ctx, end)
}
