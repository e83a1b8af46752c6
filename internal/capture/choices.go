package capture

import (
	"context"
	"encoding/json"
	"sort"
	"time"
)

// RememberedChoice is one remembered answer: for logins from Issuer
// carrying the same set of roles, RoleArn is used without asking.
type RememberedChoice struct {
	Key     string    `json:"key"` // ChoiceKey(issuer, roles)
	Issuer  string    `json:"issuer"`
	RoleArn string    `json:"roleArn"`
	Saved   time.Time `json:"saved"`
}

// Choices lists the remembered choices, by issuer then role. It is what
// `ramsso forget --list` and the tray's settings show.
func (s *State) Choices() ([]RememberedChoice, error) {
	raw, err := s.read(ChoicesFile)
	if err != nil || len(raw) == 0 {
		return nil, err
	}
	m := map[string]choice{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil // a damaged file only loses remembered choices
	}
	out := make([]RememberedChoice, 0, len(m))
	for k, c := range m {
		out = append(out, RememberedChoice{Key: k, Issuer: c.Issuer, RoleArn: c.RoleArn, Saved: c.Saved})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Issuer != out[j].Issuer {
			return out[i].Issuer < out[j].Issuer
		}
		if out[i].RoleArn != out[j].RoleArn {
			return out[i].RoleArn < out[j].RoleArn
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// ForgetIssuer removes the remembered choices for one IdP (its Issuer,
// exactly) and returns how many there were.
func (s *State) ForgetIssuer(ctx context.Context, issuer string) (int, error) {
	n := 0
	err := s.update(ctx, ChoicesFile, func(raw []byte) ([]byte, error) {
		m := map[string]choice{}
		if len(raw) > 0 {
			_ = json.Unmarshal(raw, &m)
		}
		for k, c := range m {
			if c.Issuer == issuer {
				delete(m, k)
				n++
			}
		}
		return json.MarshalIndent(m, "", "  ")
	})
	return n, err
}
