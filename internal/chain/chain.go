// Package chain resolves a profile name to live credentials: a SAML
// session from the store (re-logged in once through the caller's refresh
// when it has expired), or a chained profile from the settings, assumed
// with STS AssumeRole from its source profile's session and cached in the
// store until it expires. Every command that hands out credentials
// (process, env, exec, serve, console, whoami) goes through Resolver.Session.
package chain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// MaxDepth bounds how many chained profiles may stand between a profile
// and its SAML session.
const MaxDepth = 5

// Resolver finds live sessions for profiles.
type Resolver struct {
	Store store.Store
	// Settings holds the chained profiles and per-profile regions; nil
	// means none.
	Settings *config.Settings
	// STS makes the client that signs AssumeRole; called only when a
	// chained session must be (re)made.
	STS func() (sts.Signer, error)
	// Refresh brings a fresh SAML session for an expired one (the
	// re-login: open the IdP login page once, wait for the capture). It
	// returns (nil, nil) when it cannot (no login URL is known); nil
	// Refresh means never.
	Refresh func(ctx context.Context, old *store.Session) (*store.Session, error)
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// Home, when set, is RAMSSO_HOME: making a chained session then holds
	// a lock there, so processes asking at once make it once.
	Home string
}

// lockWait bounds the wait for another process making the same chained
// session (which may include its source's re-login).
const lockWait = 3 * time.Minute

// ExpiredError says a SAML session has expired and could not be refreshed.
type ExpiredError struct {
	Profile    string
	Expiration time.Time
	Now        time.Time
}

func (e *ExpiredError) Error() string {
	when := "expired at " + e.Expiration.UTC().Format(time.RFC3339)
	if e.Now.Before(e.Expiration) {
		when = "expires at " + e.Expiration.UTC().Format(time.RFC3339) + ", too soon to use"
	}
	return fmt.Sprintf("session %s %s: log in to Alibaba Cloud through your IdP again (or run ramsso assume) to refresh it", e.Profile, when)
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Resolver) logf(format string, a ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "ramsso: "+format+"\n", a...)
	}
}

// Chained returns the definition of profile when it is a chained profile.
func (r *Resolver) Chained(profile string) (config.ChainedProfile, bool) {
	if r.Settings == nil {
		return config.ChainedProfile{}, false
	}
	p, ok := r.Settings.ChainedProfiles[profile]
	return p, ok
}

// Session returns a live session with its secrets for profile. A missing
// SAML session is store.ErrNotFound (wrapped); an expired one that could
// not be refreshed is *ExpiredError.
func (r *Resolver) Session(ctx context.Context, profile string) (*store.Session, error) {
	if _, err := r.Path(profile); err != nil {
		return nil, err
	}
	s, err := r.session(ctx, profile)
	if err != nil {
		return nil, err
	}
	if reg := r.Settings.RegionFor(profile, s.AccountID); reg != "" {
		s.Region = reg
	}
	return s, nil
}

// Path is the chain from profile down to its SAML session's profile
// ([profile] for a SAML profile). It refuses cycles, chains deeper than
// MaxDepth and definitions that cannot work, before anything is sent.
func (r *Resolver) Path(profile string) ([]string, error) {
	path := []string{profile}
	seen := map[string]bool{profile: true}
	for name := profile; ; {
		def, ok := r.Chained(name)
		if !ok {
			return path, nil
		}
		if err := Validate(name, def); err != nil {
			return nil, err
		}
		next := def.SourceProfile
		if seen[next] {
			return nil, fmt.Errorf("chained profiles form a cycle: %s → %s: change source_profile in \"chainedProfiles\" in settings.json so the chain ends at a SAML profile",
				strings.Join(path, " → "), next)
		}
		path = append(path, next)
		seen[next] = true
		if len(path) > MaxDepth+1 {
			return nil, fmt.Errorf("chained profile %s is more than %d steps from a SAML profile (%s …): shorten the chain in \"chainedProfiles\" in settings.json",
				profile, MaxDepth, strings.Join(path, " → "))
		}
		name = next
	}
}

var roleArnRe = regexp.MustCompile(`^acs:ram::(\d+):role/([\w.@+=,-]+)$`)

// ParseRoleArn splits acs:ram::<account>:role/<name>.
func ParseRoleArn(arn string) (account, name string, ok bool) {
	m := roleArnRe.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Validate checks one chained profile definition.
func Validate(name string, def config.ChainedProfile) error {
	where := fmt.Sprintf("chained profile %q in settings.json", name)
	switch {
	case strings.TrimSpace(def.SourceProfile) == "":
		return fmt.Errorf("%s has no source_profile: name the profile whose session assumes the role", where)
	case def.SourceProfile == name:
		return fmt.Errorf("chained profiles form a cycle: %s → %s: source_profile must name another profile", name, name)
	case !roleArnRe.MatchString(def.RamRoleArn):
		return fmt.Errorf("%s: ram_role_arn %q is not a role ARN like acs:ram::<account id>:role/<role name>", where, def.RamRoleArn)
	case def.RamSessionName != "" && !sts.RoleSessionNameRule.MatchString(def.RamSessionName):
		return fmt.Errorf("%s: ram_session_name %q must be 2 to 64 letters, digits, '.', '@', '-' or '_'", where, def.RamSessionName)
	case def.DurationSeconds != 0 && def.ExpiredSeconds != 0 && def.DurationSeconds != def.ExpiredSeconds:
		return fmt.Errorf("%s sets both duration_seconds and expired_seconds, differently: keep one", where)
	}
	if d := def.Duration(); d != 0 && (d < 900 || d > 43200) {
		return fmt.Errorf("%s: duration_seconds %d: STS accepts 900 up to the role's maximum session duration (at most 43200)", where, d)
	}
	if n := len(def.ExternalID); n != 0 && (n < 2 || n > 1224) {
		return fmt.Errorf("%s: external_id must be 2 to 1224 characters", where)
	}
	return nil
}

// session resolves profile (already checked by Path).
func (r *Resolver) session(ctx context.Context, profile string) (*store.Session, error) {
	def, chained := r.Chained(profile)
	if !chained {
		return r.samlSession(ctx, profile)
	}
	if r.Home != "" {
		if err := config.EnsureHome(r.Home); err != nil {
			return nil, err
		}
		h := sha256.Sum256([]byte(profile))
		unlock, err := config.LockFile(ctx, filepath.Join(r.Home, "chain-"+hex.EncodeToString(h[:8])+".lock"), false, lockWait)
		if err != nil {
			return nil, fmt.Errorf("chained profile %s: waiting for another ramsso making the same session: %w", profile, err)
		}
		defer unlock()
	}
	now := r.now()
	cached, err := r.Store.Get(ctx, profile)
	switch {
	case err == nil && cached.SourceProfile == def.SourceProfile && cached.RoleArn == def.RamRoleArn && !cached.Credentials.Expired(now):
		return cached, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("read session %s: %w", profile, err)
	}
	src, err := r.session(ctx, def.SourceProfile)
	if err != nil {
		return nil, fmt.Errorf("chained profile %s needs its source profile %s: %w", profile, def.SourceProfile, err)
	}
	return r.assume(ctx, profile, def, src)
}

// samlSession reads a SAML session, refreshing it once when it expired.
func (r *Resolver) samlSession(ctx context.Context, profile string) (*store.Session, error) {
	s, err := r.Store.Get(ctx, profile)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("no session for profile %q: %w", profile, err)
		}
		return nil, fmt.Errorf("read session %s: %w", profile, err)
	}
	if !s.Credentials.Expired(r.now()) {
		return s, nil
	}
	if r.Refresh != nil {
		fresh, err := r.Refresh(ctx, s)
		if err != nil {
			return nil, err
		}
		if fresh != nil {
			return fresh, nil
		}
	}
	return nil, &ExpiredError{Profile: profile, Expiration: s.Credentials.Expiration, Now: r.now()}
}

// SessionName is the RoleSessionName a chained session is assumed with:
// ram_session_name when set, else the SAML RoleSessionName carried down
// the chain (so ActionTrail names the person), made to fit STS's rule
// (2 to 64 of letters, digits, '.', '@', '-', '_'; anything else becomes
// '-').
func SessionName(def config.ChainedProfile, src *store.Session) string {
	if def.RamSessionName != "" {
		return def.RamSessionName
	}
	name := strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '@', c == '-', c == '_':
			return c
		}
		return '-'
	}, src.SessionName)
	if len(name) > 64 {
		name = name[:64]
	}
	if len(strings.Trim(name, "-")) < 2 {
		return "ramsso-chained"
	}
	return name
}

// assume makes the chained session from src and stores it.
func (r *Resolver) assume(ctx context.Context, profile string, def config.ChainedProfile, src *store.Session) (*store.Session, error) {
	if r.STS == nil {
		return nil, fmt.Errorf("chained profile %s: no STS client configured", profile)
	}
	client, err := r.STS()
	if err != nil {
		return nil, err
	}
	name := SessionName(def, src)
	res, err := client.AssumeRole(ctx, sts.AssumeRoleRequest{
		Source: src.Credentials, RoleArn: def.RamRoleArn, RoleSessionName: name,
		ExternalID: def.ExternalID, Policy: def.Policy, DurationSeconds: def.Duration(),
	})
	if err != nil {
		return nil, explain(profile, def, src, err)
	}
	m := roleArnRe.FindStringSubmatch(def.RamRoleArn)
	now := r.now().UTC().Truncate(time.Second)
	s := store.Session{
		Profile: profile, RoleArn: def.RamRoleArn, AccountID: m[1], RoleName: m[2],
		Site: src.Site, Issuer: src.Issuer, Subject: src.Subject, SessionName: name,
		Region: def.RegionID, SourceProfile: def.SourceProfile,
		Expiration: res.Credentials.Expiration, CreatedAt: now, Credentials: res.Credentials,
	}
	if r.Settings != nil {
		s.AccountAlias = r.Settings.AccountAlias(s.AccountID)
	}
	if err := r.Store.Put(ctx, s); err != nil {
		return nil, fmt.Errorf("store chained session %s: %w", profile, err)
	}
	left := res.Credentials.Expiration.Sub(r.now()).Round(time.Minute)
	r.logf("assumed %s from %s as %s (session %s), valid until %s (%s; as STS granted)",
		def.RamRoleArn, def.SourceProfile, profile, name, res.Credentials.Expiration.UTC().Format(creds.TimeFormat), left)
	return &s, nil
}

// explain adds what to do about an AssumeRole refusal in a chain.
func explain(profile string, def config.ChainedProfile, src *store.Session, err error) error {
	var ae *sts.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("chained profile %s: AssumeRole %s from %s: %w", profile, def.RamRoleArn, def.SourceProfile, err)
	}
	var hint string
	switch {
	case ae.Code == "NoPermission" || strings.HasPrefix(ae.Code, "Forbidden"):
		hint = fmt.Sprintf("the role's trust policy must allow %s (the source profile's role) and that role needs permission for sts:AssumeRole (AliyunSTSAssumeRoleAccess)", src.RoleArn)
		if def.ExternalID != "" {
			hint += ", and external_id must match the trust policy's sts:ExternalId condition"
		}
	case strings.HasPrefix(ae.Code, "EntityNotExist"):
		hint = "check ram_role_arn in settings.json: the role does not exist (names are case-sensitive)"
	case ae.Code == "InvalidParameter.DurationSeconds":
		hint = fmt.Sprintf("duration_seconds %d is more than the role allows: lower it, or raise the role's MaxSessionDuration", def.Duration())
	case ae.Code == "InvalidParameter.RoleSessionName":
		hint = "set ram_session_name in settings.json to 2 to 64 letters, digits, '.', '@', '-' or '_'"
	case strings.HasPrefix(ae.Code, "InvalidParameter.Policy"):
		hint = "fix the chained profile's policy (valid JSON RAM policy, at most 2048 characters)"
	case strings.HasPrefix(ae.Code, "InvalidSecurityToken"), strings.HasPrefix(ae.Code, "InvalidAccessKeyId"):
		hint = fmt.Sprintf("the source session %s was refused: log in again (ramsso login %s)", def.SourceProfile, def.SourceProfile)
	case strings.HasPrefix(ae.Code, "InvalidTimeStamp"):
		hint = "set this machine's clock right (NTP) and try again"
	default:
		hint = ae.Remedy()
	}
	return fmt.Errorf("chained profile %s: AssumeRole %s from %s: %w: %s", profile, def.RamRoleArn, def.SourceProfile, err, hint)
}
