// Package policy reads the administrator's policy: a system-wide,
// read-only JSON file (Linux /etc/ramsso/policy.json) with which IT pins
// the IdP issuers and accounts ramsso may take credentials for, forbids the
// plaintext file store, plaintext aliyun CLI profiles and the credentials
// server, and caps session durations. The user's settings cannot loosen it:
// every check here runs after the settings are resolved, at the call sites
// that act (the exchange, the store choice, configure-cli, serve).
//
// Who can set it: the system file must be owned by root (Administrators on
// Windows are trusted by its ACL, which IT sets) and writable by no one
// else, or ramsso refuses to run the guarded actions. RAMSSO_POLICY_FILE
// names one more file, for tests and for users who want to bind
// themselves; it is merged with the system file and a merge only ever
// tightens, so setting it gains a user nothing.
//
// The policy guards against mistakes and enforces a company's rules on
// ramsso itself; it is not a sandbox: a user who can run other programs can
// call STS with the same assertion (docs/security.md says so).
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// EnvFile names an extra policy file merged with the system one.
const EnvFile = "RAMSSO_POLICY_FILE"

// SystemPath is where the system policy lives on goos (programData is
// %ProgramData% on Windows, "" for the default).
func SystemPath(goos, programData string) string {
	switch goos {
	case "windows":
		if programData == "" {
			programData = `C:\ProgramData`
		}
		return programData + `\ramsso\policy.json`
	case "darwin":
		return "/Library/Application Support/ramsso/policy.json"
	default:
		return "/etc/ramsso/policy.json"
	}
}

// Policy is the administrator's policy. The zero value allows everything.
type Policy struct {
	// AllowedIssuers are the SAML Issuers (IdP entity ids) ramsso may
	// exchange assertions from; empty: any.
	AllowedIssuers []string `json:"allowedIssuers,omitempty"`
	// AllowedAccounts are the Alibaba Cloud account ids whose roles may be
	// assumed; empty: any.
	AllowedAccounts []string `json:"allowedAccounts,omitempty"`
	// ForbidFileStore refuses the file store (RAMSSO_STORE=file, "store":
	// "file" and the automatic keyring fallback): keys stay in the keyring.
	ForbidFileStore bool `json:"forbidFileStore,omitempty"`
	// ForbidPlaintextProfiles refuses `ramsso configure-cli --plaintext`.
	ForbidPlaintextProfiles bool `json:"forbidPlaintextProfiles,omitempty"`
	// ForbidCredentialsServer refuses `ramsso serve`.
	ForbidCredentialsServer bool `json:"forbidCredentialsServer,omitempty"`
	// MaxDuration caps session durations ("4h" or seconds); empty: STS's.
	MaxDuration Duration `json:"maxDuration,omitempty"`

	// Sources are the files this policy was read from.
	Sources []string `json:"-"`
	maxDur  time.Duration
}

// Duration is a duration as written in the file: "4h" or whole seconds
// (a JSON number or string).
type Duration string

// UnmarshalJSON accepts a string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*d = Duration(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("maxDuration: use a string like \"4h\" or whole seconds")
	}
	*d = Duration(n.String())
	return nil
}

// Error is a refusal by the policy.
type Error struct {
	What   string // what was refused
	Source string // the policy file(s)
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is forbidden by the administrator's policy (%s): ask your IT team", e.What, e.Source)
}

// ErrForbidden matches every *Error with errors.Is.
var ErrForbidden = errors.New("forbidden by policy")

// Is makes errors.Is(err, ErrForbidden) true for policy refusals.
func (e *Error) Is(target error) bool { return target == ErrForbidden }

// Load reads the system policy at systemPath and the file named by extra
// (RAMSSO_POLICY_FILE; "" for none) and merges them. A missing system file
// is no policy. A system file that others than root may write, or a file
// that does not parse, is an error: ramsso then refuses what it guards.
func Load(systemPath, extra string) (*Policy, error) {
	p := &Policy{}
	sys, err := readFile(systemPath, true)
	if err != nil {
		return nil, err
	}
	if sys != nil {
		p = sys
	}
	if extra != "" {
		x, err := readFile(extra, false)
		if err != nil {
			return nil, err
		}
		if x == nil {
			return nil, fmt.Errorf("%s=%s: no such file", EnvFile, extra)
		}
		p = Merge(p, x)
	}
	return p, nil
}

// LoadEnv is Load with the platform's system path and getenv's
// RAMSSO_POLICY_FILE.
func LoadEnv(goos string, getenv func(string) string) (*Policy, error) {
	return Load(SystemPath(goos, getenv("ProgramData")), getenv(EnvFile))
}

// Current is the policy in force for this process: LoadEnv with the
// running OS and the process environment.
func Current() (*Policy, error) {
	return LoadEnv(runtime.GOOS, os.Getenv)
}

func readFile(path string, system bool) (*Policy, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the admin policy %s: %w", path, err)
	}
	if system {
		if err := checkOwner(path); err != nil {
			return nil, err
		}
	}
	var p Policy
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("admin policy %s is not valid (%v): fix it or ask your IT team", path, err)
	}
	if p.MaxDuration != "" {
		d, err := parseDuration(string(p.MaxDuration))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("admin policy %s: maxDuration %q: use a duration like \"4h\" or whole seconds", path, p.MaxDuration)
		}
		p.maxDur = d
	}
	p.Sources = []string{path}
	return &p, nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// Merge combines two policies so the result is at least as strict as
// each: allow-lists intersect (an empty list allows all), prohibitions
// add up, the smaller cap wins.
func Merge(a, b *Policy) *Policy {
	out := &Policy{
		AllowedIssuers:          intersect(a.AllowedIssuers, b.AllowedIssuers),
		AllowedAccounts:         intersect(a.AllowedAccounts, b.AllowedAccounts),
		ForbidFileStore:         a.ForbidFileStore || b.ForbidFileStore,
		ForbidPlaintextProfiles: a.ForbidPlaintextProfiles || b.ForbidPlaintextProfiles,
		ForbidCredentialsServer: a.ForbidCredentialsServer || b.ForbidCredentialsServer,
		Sources:                 append(append([]string(nil), a.Sources...), b.Sources...),
	}
	out.maxDur, out.MaxDuration = a.maxDur, a.MaxDuration
	if b.maxDur > 0 && (out.maxDur == 0 || b.maxDur < out.maxDur) {
		out.maxDur, out.MaxDuration = b.maxDur, b.MaxDuration
	}
	return out
}

// intersect of two allow-lists where empty means "any". Two non-empty
// lists with nothing in common give a list that allows nothing.
func intersect(a, b []string) []string {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	out := []string{}
	for _, v := range a {
		if slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return []string{"(none: the policy files allow no common value)"}
	}
	return out
}

func (p *Policy) source() string {
	if p == nil || len(p.Sources) == 0 {
		return "no file"
	}
	return strings.Join(p.Sources, ", ")
}

// Active reports whether any file set a rule.
func (p *Policy) Active() bool { return p != nil && len(p.Sources) > 0 }

// CheckAssertion refuses an Issuer or account the policy does not list.
func (p *Policy) CheckAssertion(issuer, accountID string) error {
	if p == nil {
		return nil
	}
	if len(p.AllowedIssuers) > 0 && !slices.Contains(p.AllowedIssuers, issuer) {
		return &Error{What: fmt.Sprintf("a sign-in from IdP %q", issuer), Source: p.source()}
	}
	if len(p.AllowedAccounts) > 0 && !slices.Contains(p.AllowedAccounts, accountID) {
		return &Error{What: fmt.Sprintf("a role in account %s", accountID), Source: p.source()}
	}
	return nil
}

// CheckStore refuses the file store when the policy forbids it.
func (p *Policy) CheckStore(kind string) error {
	if p != nil && p.ForbidFileStore && kind == "file" {
		return &Error{What: "the plaintext file store (RAMSSO_STORE=file or \"store\": \"file\")", Source: p.source()}
	}
	return nil
}

// CheckPlaintextProfiles refuses configure-cli --plaintext.
func (p *Policy) CheckPlaintextProfiles() error {
	if p != nil && p.ForbidPlaintextProfiles {
		return &Error{What: "writing keys into ~/.aliyun/config.json (--plaintext)", Source: p.source()}
	}
	return nil
}

// CheckCredentialsServer refuses ramsso serve.
func (p *Policy) CheckCredentialsServer() error {
	if p != nil && p.ForbidCredentialsServer {
		return &Error{What: "the credentials server (ramsso serve)", Source: p.source()}
	}
	return nil
}

// CapDuration returns d capped to the policy's maximum (0, STS's default
// of 1 h, counts as 1 h) and whether it was lowered.
func (p *Policy) CapDuration(d time.Duration) (time.Duration, bool) {
	if p == nil || p.maxDur == 0 {
		return d, false
	}
	eff := d
	if eff == 0 {
		eff = time.Hour
	}
	if eff > p.maxDur {
		return p.maxDur, true
	}
	return d, false
}

// MaxDurationValue is the parsed cap (0: none).
func (p *Policy) MaxDurationValue() time.Duration {
	if p == nil {
		return 0
	}
	return p.maxDur
}

// Summary lists the policy's rules, one per line, for doctor.
func (p *Policy) Summary() []string {
	if !p.Active() {
		return nil
	}
	var l []string
	if len(p.AllowedIssuers) > 0 {
		l = append(l, "allowed IdP issuers: "+strings.Join(p.AllowedIssuers, ", "))
	}
	if len(p.AllowedAccounts) > 0 {
		l = append(l, "allowed accounts: "+strings.Join(p.AllowedAccounts, ", "))
	}
	if p.ForbidFileStore {
		l = append(l, "file store forbidden (keyring only)")
	}
	if p.ForbidPlaintextProfiles {
		l = append(l, "configure-cli --plaintext forbidden")
	}
	if p.ForbidCredentialsServer {
		l = append(l, "ramsso serve forbidden")
	}
	if p.maxDur > 0 {
		l = append(l, "sessions capped at "+p.maxDur.String())
	}
	if len(l) == 0 {
		l = append(l, "no rules set")
	}
	return l
}
