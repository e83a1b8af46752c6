// Package store keeps ramsso's sessions: secrets in the OS keyring (or an
// owner-only file when no keyring answers), non-secret metadata beside them
// under RAMSSO_HOME. It is safe for the host, the tray and many CLI
// processes at once.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
)

// Kinds of store.
const (
	KindKeyring = "keyring"
	KindFile    = "file"
)

// ErrNotFound is returned for a profile with no session.
var ErrNotFound = errors.New("no such session")

// Session is one profile's credentials and what ramsso knows about them.
type Session struct {
	Profile      string `json:"profile"`
	RoleArn      string `json:"roleArn"`
	ProviderArn  string `json:"providerArn"`
	AccountID    string `json:"accountId"`
	AccountAlias string `json:"accountAlias,omitempty"`
	RoleName     string `json:"roleName"`
	Site         string `json:"site"`
	Issuer       string `json:"issuer"`
	Subject      string `json:"subject,omitempty"`
	SessionName  string `json:"sessionName,omitempty"`
	Region       string `json:"region,omitempty"`
	// SourceProfile is set on a chained session (STS AssumeRole): the
	// profile whose session signed it.
	SourceProfile string    `json:"sourceProfile,omitempty"`
	Expiration    time.Time `json:"expiration"`
	CreatedAt     time.Time `json:"createdAt"`

	// Credentials are the secrets; List leaves them empty.
	Credentials creds.Credentials `json:"-"`
}

// Expired reports whether s has less than creds.ExpiryMargin left at now,
// from its metadata alone (List leaves the secrets empty).
func (s Session) Expired(now time.Time) bool { return creds.ExpiredAt(s.Expiration, now) }

// Store holds sessions by profile name.
type Store interface {
	// Put writes a whole session (secrets and metadata) under one lock.
	Put(ctx context.Context, s Session) error
	// Get returns the session with its secrets, or ErrNotFound.
	Get(ctx context.Context, profile string) (*Session, error)
	// List returns every session's metadata (no secrets), sorted by profile.
	List(ctx context.Context) ([]Session, error)
	// Delete removes a session; ErrNotFound when there is none.
	Delete(ctx context.Context, profile string) error
	// Kind is KindKeyring or KindFile.
	Kind() string
}
