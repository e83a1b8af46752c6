// Package textsafe makes untrusted text safe to show a person: the fields
// of a SAML assertion ramsso has not verified (Issuer, Subject, role and
// provider names, URLs) reach a terminal, a picker and desktop
// notifications, where a newline spoofs another line, an escape sequence
// drives the terminal and a bidi override (U+202E) reverses what is read.
// Every such field goes through Escape before people see it.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every character that could change how the rest of
// the line reads replaced by a visible escape: C0 and C1 controls and DEL
// (\n, \t, \r as such, others as \xNN or \u{NNNN}), Unicode bidi controls
// (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), line and paragraph
// separators, zero-width and other invisible format characters, and bytes
// that are not UTF-8. Printable text, including non-Latin scripts, is kept.
func Escape(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += n
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII without a backslash (the
// common case, returned as is).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// unsafeRune reports a non-ASCII rune that is a control, a bidi control, a
// separator other than space, or an invisible format character.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI is U+009B)
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi controls
	case r == 0x2028, r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) ||
		(unicode.IsSpace(r) && r != ' ')
}
