package capture

import (
	"context"
	"errors"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

// ErrCancelled is returned by an Asker when the person cancelled.
var ErrCancelled = errors.New("role choice cancelled")

// AskRequest is a role question put to a person: the tray's picker or the
// extension popup's. It carries no secret.
type AskRequest struct {
	ID               string            `json:"id"` // the capture flow's id
	Issuer           string            `json:"issuer"`
	Subject          string            `json:"subject"`
	Roles            []saml.Role       `json:"roles"`
	Aliases          map[string]string `json:"aliases,omitempty"`
	AssertionExpires time.Time         `json:"assertionExpires"`
	DefaultDuration  time.Duration     `json:"defaultDuration"`
}

// Answer is the person's choice.
type Answer struct {
	RoleArn  string        `json:"roleArn"`
	Duration time.Duration `json:"duration,omitempty"` // 0: the default
	Remember bool          `json:"remember,omitempty"` // remember for this IdP and role set
}

// Asker asks a person to choose a role. It blocks until an answer,
// ErrCancelled, or ctx's end.
type Asker interface {
	AskRole(ctx context.Context, req AskRequest) (Answer, error)
}
