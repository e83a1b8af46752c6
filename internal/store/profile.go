package store

import (
	"fmt"
	"strings"
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
