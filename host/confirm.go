package host

import (
	"context"
	"log/slog"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/saml"
)

// confirmReply is the needs_confirm status: the first session from a new
// IdP or account waits for the person (protocol: docs/host.md).
type confirmReply struct {
	OK      bool                    `json:"ok"`
	Type    string                  `json:"type"`
	ID      string                  `json:"id"`
	State   string                  `json:"state"`
	Issuer  string                  `json:"issuer,omitempty"`
	Confirm *capture.ConfirmRequest `json:"confirm"`
}

// withConfirmation gives flow f its first-seen check: a capture from an
// Issuer or account the user never confirmed is shown to them (tray, or
// the popup via needs_confirm) with the page it came from, and exchanged
// only if they say yes. The answer arrives as a `confirm` message
// (answerConfirm).
func (h *Host) withConfirmation(f *capture.Flow, msg message, log *slog.Logger) {
	c := &capture.Confirmation{
		Trust: &capture.Trust{Home: h.Home, Now: h.Now},
		Page:  msg.Initiator,
		Wait:  capture.DefaultChoiceWait,
		Seen: func(ctx context.Context, issuer, accountID string) (bool, bool) {
			// Sessions stored before this check existed count as confirmed.
			if f.Exchanger == nil || f.Exchanger.Store == nil {
				return false, false
			}
			list, err := f.Exchanger.Store.List(ctx)
			if err != nil {
				return false, false
			}
			var is, as bool
			for _, s := range list {
				is = is || (issuer != "" && s.Issuer == issuer)
				as = as || (accountID != "" && s.AccountID == accountID)
			}
			return is, as
		},
		AskCaller: func(req capture.ConfirmRequest) {
			log.Info("status", "state", capture.StateNeedsConfirm, "newIssuer", req.NewIssuer, "newAccount", req.NewAccount, "page", req.Page)
			h.w.send(confirmReply{OK: true, Type: "status", ID: msg.ID, State: capture.StateNeedsConfirm, Issuer: req.Issuer, Confirm: &req})
		},
		InputClosed: f.InputClosed,
	}
	if h.TrayConfirmer != nil {
		c.Tray = h.TrayConfirmer
	}
	h.confirms.Store(msg.ID, c)
	f.Confirm = func(ctx context.Context, role saml.Role) error {
		defer h.confirms.Delete(msg.ID)
		return c.Check(ctx, msg.ID, f.Response, role)
	}
}

// answerConfirm passes the extension's `confirm` message to the flow
// waiting for it; false when none is.
func (h *Host) answerConfirm(msg message) bool {
	v, ok := h.confirms.Load(msg.ID)
	if !ok {
		return false
	}
	v.(*capture.Confirmation).Answer(msg.Confirmed != nil && *msg.Confirmed)
	return true
}
