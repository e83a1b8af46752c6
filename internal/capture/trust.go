package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/ramsso/ramsso/internal/config"
)

// TrustFile under RAMSSO_HOME lists the IdPs (Issuers) and accounts whose
// sessions the user has confirmed. It holds no secret.
const TrustFile = "trusted.json"

// Trust is the record of Issuers and accounts the user has confirmed a
// session from. Any page can auto-submit a form to Alibaba's SSO endpoint
// with an assertion from the attacker's own IdP and account: a capture
// from an Issuer or an account never seen before is confirmed by a person
// first (Confirmation), so such a sign-in never becomes the user's
// credentials unnoticed. (The Issuer is only a string in an unverified
// assertion, so an attacker can copy a known one; the account, whose
// STS trust decides where the keys lead, is the part they cannot fake.)
type Trust struct {
	Home string
	Now  func() time.Time // nil: time.Now
}

type trustData struct {
	Issuers  map[string]time.Time `json:"issuers"`
	Accounts map[string]time.Time `json:"accounts"`
}

func (t *Trust) read() (trustData, error) {
	var d trustData
	b, err := config.ReadStateFile(filepath.Join(t.Home, TrustFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return d, fmt.Errorf("reading %s: %w", TrustFile, err)
	}
	if err == nil {
		if err := json.Unmarshal(b, &d); err != nil {
			return d, fmt.Errorf("%s is damaged (%v): delete it; ramsso then asks again for each IdP and account", filepath.Join(t.Home, TrustFile), err)
		}
	}
	return d, nil
}

// Known reports whether the Issuer and the account have each been
// confirmed before.
func (t *Trust) Known(issuer, accountID string) (issuerKnown, accountKnown bool, err error) {
	d, err := t.read()
	if err != nil {
		return false, false, err
	}
	_, issuerKnown = d.Issuers[issuer]
	_, accountKnown = d.Accounts[accountID]
	return issuerKnown, accountKnown, nil
}

// Record remembers issuer and accountID as confirmed.
func (t *Trust) Record(ctx context.Context, issuer, accountID string) error {
	if err := config.EnsureHome(t.Home); err != nil {
		return err
	}
	unlock, err := config.LockFile(ctx, filepath.Join(t.Home, stateLock), false, 5*time.Second)
	if err != nil {
		return err
	}
	defer unlock()
	d, err := t.read()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if t.Now != nil {
		now = t.Now().UTC()
	}
	if d.Issuers == nil {
		d.Issuers = map[string]time.Time{}
	}
	if d.Accounts == nil {
		d.Accounts = map[string]time.Time{}
	}
	if issuer != "" {
		if _, ok := d.Issuers[issuer]; !ok {
			d.Issuers[issuer] = now
		}
	}
	if accountID != "" {
		if _, ok := d.Accounts[accountID]; !ok {
			d.Accounts[accountID] = now
		}
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	return config.WriteFileAtomic(filepath.Join(t.Home, TrustFile), append(b, '\n'), 0o600)
}
