package store

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxProfileLen is the longest profile name accepted, in bytes.
const MaxProfileLen = 128

// ValidateProfile checks a profile name: non-empty, at most MaxProfileLen
// bytes of valid UTF-8, no path separators, no control characters, no
// leading or trailing space, not "." or "..", and no '#' (which names the
// parts of a secret split across keyring items).
func ValidateProfile(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("invalid profile name %q: %s", name, why)
	}
	switch {
	case name == "":
		return fmt.Errorf("invalid profile name: it is empty")
	case len(name) > MaxProfileLen:
		return fmt.Errorf("invalid profile name %.20q...: longer than %d bytes", name, MaxProfileLen)
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case name == "." || name == "..":
		return bad("reserved name")
	case strings.ContainsAny(name, `/\`):
		return bad(`contains a path separator ("/" or "\")`)
	case strings.Contains(name, "#"):
		return bad(`contains "#"`)
	case strings.TrimSpace(name) != name:
		return bad("starts or ends with a space")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return bad("contains a control character")
	}
	return nil
}

// The rule for the names ramsso gives profiles, and users may choose: one
// rule, owned here, used by every path that creates a session.

// profileSafe matches what a new profile name may not contain.
var profileSafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._@+=-]+`) })

// BaseProfileName is `<account label>-<role name>` made safe for file
// names, keyring items and shells.
func BaseProfileName(account, roleName string) string {
	return strings.Trim(profileSafe().ReplaceAllString(account+"-"+roleName, "-"), "-")
}

// ValidateNewProfile checks a name for a new profile: letters, digits and
// . _ @ + = -, not starting with - or ., at most MaxProfileLen bytes.
func ValidateNewProfile(name string) error {
	switch {
	case name == "":
		return errors.New("empty profile name")
	case len(name) > MaxProfileLen:
		return fmt.Errorf("profile name %.20q… is too long (at most %d characters)", name, MaxProfileLen)
	case profileSafe().MatchString(name) || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "."):
		return fmt.Errorf("profile name %q: use letters, digits and . _ @ + = - (not starting with - or .)", name)
	}
	return nil
}

// ProfileFor names the profile for roleArn among sessions: the profile a
// session of that role already has (names never change), else base, with
// a numeric suffix when another role holds it.
func ProfileFor(sessions []Session, roleArn, base string) string {
	taken := map[string]bool{}
	for _, s := range sessions {
		if strings.EqualFold(s.RoleArn, roleArn) {
			return s.Profile
		}
		taken[s.Profile] = true
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

// ErrProfileTaken is returned (wrapped, as *ProfileTakenError) when a
// profile name asked for belongs to another role.
var ErrProfileTaken = errors.New("profile name belongs to another role")

// ProfileTakenError says which role holds a profile name.
type ProfileTakenError struct {
	Profile string
	RoleArn string // the role the name holds
}

func (e *ProfileTakenError) Error() string {
	return fmt.Sprintf("profile %s already holds role %s and profile names never change: choose another --profile, or remove it first with `ramsso rm %s`",
		e.Profile, e.RoleArn, e.Profile)
}

// Is makes errors.Is(err, ErrProfileTaken) hold.
func (e *ProfileTakenError) Is(target error) bool { return target == ErrProfileTaken }

// CheckBinding refuses to put roleArn under profile when a session of
// another role already has that name.
func CheckBinding(sessions []Session, profile, roleArn string) error {
	for _, s := range sessions {
		if s.Profile == profile && !strings.EqualFold(s.RoleArn, roleArn) {
			return &ProfileTakenError{Profile: profile, RoleArn: s.RoleArn}
		}
	}
	return nil
}
