package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/saml"
)

// Files under RAMSSO_HOME that hold the capture flow's small shared state.
// Neither holds a secret.
const (
	IntentsFile = "intents.json"
	ChoicesFile = "choices.json"
	stateLock   = "capture.lock"
)

// DefaultIntentTTL is how long a re-login intent waits for its capture.
const DefaultIntentTTL = 10 * time.Minute

// Intent is a pending re-login: the user asked to refresh Profile (tray
// Refresh, `ramsso login`, or an expired session met by process/env/serve),
// so the next capture from Issuer uses RoleArn without asking.
type Intent struct {
	Profile     string    `json:"profile"`
	RoleArn     string    `json:"roleArn"`
	ProviderArn string    `json:"providerArn,omitempty"`
	Issuer      string    `json:"issuer,omitempty"` // "" matches any IdP
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
}

// State reads and writes intents and remembered choices under a home.
type State struct {
	Home string
	Now  func() time.Time // nil: time.Now
}

func (s *State) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// RecordIntent adds or replaces (by profile) a re-login intent. A zero
// Expires gets DefaultIntentTTL.
func (s *State) RecordIntent(ctx context.Context, in Intent) error {
	if in.Profile == "" || in.RoleArn == "" {
		return errors.New("re-login intent needs a profile and a role")
	}
	now := s.now().UTC()
	if in.Created.IsZero() {
		in.Created = now
	}
	if in.Expires.IsZero() {
		in.Expires = now.Add(DefaultIntentTTL)
	}
	return s.update(ctx, IntentsFile, func(raw []byte) ([]byte, error) {
		list := s.liveIntents(raw)
		out := list[:0]
		for _, i := range list {
			if i.Profile != in.Profile {
				out = append(out, i)
			}
		}
		return json.MarshalIndent(append(out, in), "", "  ")
	})
}

// PendingIntent returns the live intent for a profile, if any.
func (s *State) PendingIntent(profile string) (*Intent, error) {
	raw, err := s.read(IntentsFile)
	if err != nil {
		return nil, err
	}
	for _, i := range s.liveIntents(raw) {
		if i.Profile == profile {
			return &i, nil
		}
	}
	return nil, nil
}

// TakeIntent finds the newest live intent whose issuer matches and whose
// role is among roles, removes it and returns it; nil when none applies.
func (s *State) TakeIntent(ctx context.Context, issuer string, roles []saml.Role) (*Intent, error) {
	var taken *Intent
	err := s.update(ctx, IntentsFile, func(raw []byte) ([]byte, error) {
		list := s.liveIntents(raw)
		best := -1
		for n, i := range list {
			if i.Issuer != "" && issuer != "" && i.Issuer != issuer {
				continue
			}
			if !hasRole(roles, i.RoleArn) {
				continue
			}
			if best < 0 || i.Created.After(list[best].Created) {
				best = n
			}
		}
		if best < 0 {
			return nil, nil // nothing taken: leave the file as it is
		}
		t := list[best]
		taken = &t
		list = append(list[:best], list[best+1:]...)
		return json.MarshalIndent(list, "", "  ")
	})
	return taken, err
}

func (s *State) liveIntents(raw []byte) []Intent {
	var list []Intent
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &list) // a damaged file only loses pending intents
	}
	now := s.now()
	out := list[:0]
	for _, i := range list {
		if now.Before(i.Expires) {
			out = append(out, i)
		}
	}
	return out
}

func hasRole(roles []saml.Role, arn string) bool {
	for _, r := range roles {
		if strings.EqualFold(r.RoleArn, arn) {
			return true
		}
	}
	return false
}

// ChoiceKey identifies "this IdP with this set of roles": the remembered
// choice applies only when both are the same.
func ChoiceKey(issuer string, roles []saml.Role) string {
	arns := make([]string, len(roles))
	for i, r := range roles {
		arns[i] = strings.ToLower(r.RoleArn)
	}
	sort.Strings(arns)
	h := sha256.Sum256([]byte(issuer + "\n" + strings.Join(arns, "\n")))
	return hex.EncodeToString(h[:16])
}

type choice struct {
	Issuer  string    `json:"issuer"`
	RoleArn string    `json:"roleArn"`
	Saved   time.Time `json:"saved"`
}

// RememberChoice records roleArn as the answer for issuer and this role set.
func (s *State) RememberChoice(ctx context.Context, issuer string, roles []saml.Role, roleArn string) error {
	if !hasRole(roles, roleArn) {
		return fmt.Errorf("cannot remember %s: it is not among the assertion's roles", roleArn)
	}
	key := ChoiceKey(issuer, roles)
	return s.update(ctx, ChoicesFile, func(raw []byte) ([]byte, error) {
		m := map[string]choice{}
		if len(raw) > 0 {
			_ = json.Unmarshal(raw, &m)
		}
		m[key] = choice{Issuer: issuer, RoleArn: roleArn, Saved: s.now().UTC()}
		return json.MarshalIndent(m, "", "  ")
	})
}

// RememberedChoice returns the remembered role for issuer and roles, if any.
func (s *State) RememberedChoice(issuer string, roles []saml.Role) (string, bool, error) {
	raw, err := s.read(ChoicesFile)
	if err != nil || len(raw) == 0 {
		return "", false, err
	}
	m := map[string]choice{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", false, nil
	}
	c, ok := m[ChoiceKey(issuer, roles)]
	if !ok || !hasRole(roles, c.RoleArn) {
		return "", false, nil
	}
	return c.RoleArn, true, nil
}

// ForgetChoices removes every remembered choice (settings' "forget").
func (s *State) ForgetChoices(ctx context.Context) error {
	return s.update(ctx, ChoicesFile, func([]byte) ([]byte, error) { return []byte("{}"), nil })
}

func (s *State) read(name string) ([]byte, error) {
	b, err := config.ReadStateFile(filepath.Join(s.Home, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// update rewrites a state file under the capture lock, atomically; fn
// returning nil data leaves the file unchanged.
func (s *State) update(ctx context.Context, name string, fn func([]byte) ([]byte, error)) error {
	if err := config.EnsureHome(s.Home); err != nil {
		return err
	}
	unlock, err := config.LockFile(ctx, filepath.Join(s.Home, stateLock), false, 5*time.Second)
	if err != nil {
		return err
	}
	defer unlock()
	raw, err := s.read(name)
	if err != nil {
		return err
	}
	out, err := fn(raw)
	if err != nil || out == nil {
		return err
	}
	return config.WriteFileAtomic(filepath.Join(s.Home, name), out, 0o600)
}
