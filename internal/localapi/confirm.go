package localapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/ramsso/ramsso/internal/capture"
)

// PathConfirm asks the tray to confirm the first session from a new IdP
// (Issuer) or account (capture.ConfirmRequest → ConfirmAnswer).
const PathConfirm = "/v1/confirm"

// ConfirmAnswer is the tray's answer to PathConfirm.
type ConfirmAnswer struct {
	Confirmed bool `json:"confirmed"`
}

// SessionConfirmer is the optional part of a Handler that can put a
// first-seen question to the person. A tray whose Handler does not
// implement it answers PathConfirm with 404 not_found, and the host asks
// in the extension's popup instead.
type SessionConfirmer interface {
	ConfirmSession(ctx context.Context, req capture.ConfirmRequest) (bool, error)
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.Handler.(SessionConfirmer)
	if !ok {
		s.fail(w, r, http.StatusNotFound, CodeNotFound, errors.New("this tray cannot confirm sign-ins"))
		return
	}
	var req capture.ConfirmRequest
	if !s.decode(w, r, &req) {
		return
	}
	if req.Issuer == "" || req.AccountID == "" {
		s.fail(w, r, http.StatusBadRequest, CodeBadRequest, errors.New("a confirmation names an issuer and an account"))
		return
	}
	yes, err := c.ConfirmSession(r.Context(), req)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, ConfirmAnswer{Confirmed: yes})
	case errors.Is(err, capture.ErrCancelled):
		writeJSON(w, http.StatusOK, ConfirmAnswer{Confirmed: false})
	case r.Context().Err() != nil:
	default:
		s.fail(w, r, http.StatusInternalServerError, CodeInternal, err)
	}
}

// ConfirmSession asks the tray to confirm a first session (see
// capture.TrayConfirmer). A tray that cannot ask gives an error.
func (c *Client) ConfirmSession(ctx context.Context, req capture.ConfirmRequest) (bool, error) {
	var a ConfirmAnswer
	if err := c.do(ctx, http.MethodPost, PathConfirm, req, &a); err != nil {
		return false, err
	}
	return a.Confirmed, nil
}

var _ capture.TrayConfirmer = (*Client)(nil)
