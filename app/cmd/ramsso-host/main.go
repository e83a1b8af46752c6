// Command ramsso-host is the native messaging host (com.ramsso.host) the
// ramsso browser extension starts.
package main

import (
	"context"
	"os"
	"time"

	"github.com/ramsso/ramsso/host"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
	"github.com/ramsso/ramsso/internal/pipeline"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/version"
)

func main() {
	os.Exit(host.Main(os.Args[1:], version.Version, hooks()))
}

// hooks connect the host to the tray over its owner-only local API; the
// after-store effects (tray notice, aliyun CLI profile) come from
// internal/pipeline, as for the CLI and the tray.
func hooks() host.Hooks {
	home, err := config.Home()
	return host.Hooks{
		StartTray: func() error {
			if err != nil {
				return err
			}
			exe, err := localapi.FindTray()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err = localapi.StartTray(ctx, home, exe)
			return err
		},
		TrayAsker: func(ctx context.Context) (capture.Asker, bool) {
			if err != nil || !localapi.Running(home) {
				return nil, false
			}
			return localapi.Dial(home), true
		},
		TrayConfirmer: func(ctx context.Context) (capture.TrayConfirmer, bool) {
			if err != nil || !localapi.Running(home) {
				return nil, false
			}
			return localapi.Dial(home), true
		},
		// Notices need no liveness probe first: with no tray the call
		// fails at once (ErrNotRunning) and a notice is best effort.
		NotifyTray: func(ctx context.Context, s store.Session) {
			if err == nil {
				pipeline.NotifyTray(home)(ctx, s)
			}
		},
		ReportCapture: func(ctx context.Context, end host.CaptureEnd) {
			if err == nil {
				c := localapi.Dial(home)
				defer c.Close()
				_ = c.ReportCapture(ctx, captureReport(end))
			}
		},
	}
}

// captureReport turns how a capture ended into what the tray keeps: the
// summary, plus the assertion itself while it can still be exchanged for
// "Pick role…".
func captureReport(end host.CaptureEnd) localapi.CaptureReport {
	r := localapi.CaptureReport{CaptureSummary: localapi.CaptureSummary{ID: end.ID}}
	if resp := end.Response; resp != nil {
		r.Issuer, r.Subject, r.Site, r.Roles = resp.Issuer, resp.Subject, resp.Site, resp.Roles
		r.AssertionExpires = resp.NotOnOrAfter
		r.SAMLResponse = resp.Base64
	}
	switch {
	case end.Err != nil:
		r.Outcome = localapi.OutcomeError
		if end.Err.Code == capture.CodeCancelled {
			r.Outcome = localapi.OutcomeCancelled
		}
		r.Error = &localapi.ErrorInfo{Code: end.Err.Code, Message: end.Err.Message, Remedy: end.Err.Remedy}
		if end.Err.Code == capture.CodeNotConfirmed {
			// A sign-in the person did not confirm is not offered for
			// "Pick role…" either.
			r.SAMLResponse = ""
		}
	case end.Result != nil && end.Result.Outcome != nil:
		s := end.Result.Outcome.Session
		r.Outcome = localapi.OutcomeDone
		r.Profile, r.RoleArn, r.Expiration = s.Profile, s.RoleArn, s.Expiration
		r.Notes = end.Result.Outcome.Notes
		r.Warnings = end.Result.Outcome.Warnings
		r.DurationFallback = end.Result.Outcome.DurationFallback
	}
	return r
}
