// Package shellquote quotes values for the shells ramsso prints
// environment assignments for (`ramsso env`, the tray's "Copy as
// environment"). Each shell gets its own rules: fish's single quotes are
// not POSIX's (a backslash escapes ' and \ inside them), and PowerShell
// treats four Unicode quotation marks as single quotes.
package shellquote

import "strings"

// plain is what no shell treats specially outside quotes.
const plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+=@,"

func isPlain(s string) bool {
	return s != "" && strings.Trim(s, plain) == ""
}

// Sh quotes s for POSIX shells (sh, bash, zsh): single quotes, inside
// which nothing is special, with each ' written as '\”.
func Sh(s string) string {
	if isPlain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Fish quotes s for fish: inside fish's single quotes \' and \\ are
// escapes and nothing else is special (fish documentation, "Quotes": "The
// only backslash escapes are \' (escaped single quote) and \\ (escaped
// backslash)"), so both are escaped.
func Fish(s string) string {
	if isPlain(s) {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// powershellSingleQuotes are the characters PowerShell's grammar accepts
// as a single quote: ' (U+0027), U+2018, U+2019, U+201A and U+201B
// (PowerShell Language Specification 3.0, §2.3.5.2 "String literals",
// single-quote-character; about_Quoting_Rules: "to include a single
// quotation mark in a single-quoted string, use a second consecutive
// single quote"). U+201C–U+201E are its double quotes, which are not
// special inside a single-quoted string.
var powershellSingleQuotes = strings.NewReplacer(
	"'", "''",
	"\u2018", "\u2018\u2018",
	"\u2019", "\u2019\u2019",
	"\u201a", "\u201a\u201a",
	"\u201b", "\u201b\u201b",
)

// PowerShell quotes s as a PowerShell verbatim (single-quoted) string, in
// which nothing expands and each single-quote character is doubled.
func PowerShell(s string) string {
	return "'" + powershellSingleQuotes.Replace(s) + "'"
}

// Assignment is one "NAME=value" line exporting name in format's syntax:
// "sh" (also bash, zsh, ""), "fish" or "powershell" (pwsh). ok is false for
// another format. name must be a valid variable name (ramsso's are fixed).
func Assignment(format, name, value string) (line string, ok bool) {
	switch strings.ToLower(format) {
	case "sh", "bash", "zsh", "":
		return "export " + name + "=" + Sh(value), true
	case "fish":
		return "set -gx " + name + " " + Fish(value) + ";", true
	case "powershell", "pwsh":
		return "$Env:" + name + " = " + PowerShell(value), true
	}
	return "", false
}
