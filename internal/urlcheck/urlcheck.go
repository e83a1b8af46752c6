// Package urlcheck holds the rules for URLs ramsso opens, sends secrets to
// or prints: only https (plain http only to this machine's loopback, where
// the emulators run), never anything a browser or opener could take as an
// option, and never a proxy password in a message.
package urlcheck

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ramsso/ramsso/internal/textsafe"
)

// IsLoopback reports whether host (a host or host:port, IPv6 in brackets
// or not) names this machine: localhost, *.localhost, or a loopback IP.
func IsLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Secure checks that u may carry a secret: https, or http to loopback.
// what names the URL in the error ("sign-in endpoint").
func Secure(u *url.URL, what string) error {
	if u == nil || u.Host == "" {
		return fmt.Errorf("%s: not an absolute URL", what)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Host) {
			return nil
		}
		return fmt.Errorf("%s %s: plain http would send credentials in clear text; use https:// (http:// only for 127.0.0.1 or localhost)", what, Redact(u.String()))
	}
	return fmt.Errorf("%s %s: scheme %q is not allowed; use https://", what, Redact(u.String()), u.Scheme)
}

// Openable checks a URL before ramsso hands it to a browser or an opener
// ($BROWSER, xdg-open, open, rundll32): an absolute https URL (http only
// for loopback), with no leading '-' or space that a command could read as
// an option, and no control characters. (It is passed as one argument,
// never through a shell, so an inner space is harmless.)
func Openable(raw string) error {
	if raw == "" {
		return errors.New("empty URL")
	}
	if strings.HasPrefix(raw, "-") {
		return fmt.Errorf("URL %q starts with '-', which a browser would read as an option: give an https:// URL", short(raw))
	}
	if strings.TrimSpace(raw) != raw {
		return fmt.Errorf("URL %q starts or ends with a space: give an https:// URL", short(raw))
	}
	for _, r := range raw {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("URL %q has a control character: give an https:// URL", short(raw))
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("URL %q: %w", short(raw), err)
	}
	if u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("URL %q is not an https:// URL", short(raw))
	}
	return Secure(u, "URL")
}

// short caps what of a caller's value an error repeats.
func short(s string) string {
	return textsafe.Cap(s, 200)
}

// Redact returns raw with any user information (user:password@) replaced
// by "xxxxx@", even when raw does not parse as a URL: a malformed proxy
// setting must not be echoed with its password.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		c := *u
		c.User = url.User("xxxxx")
		return c.String()
	}
	// Malformed: find the authority by hand and drop everything up to
	// its last '@'.
	rest, prefix := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return prefix + "xxxxx@" + rest[at+1:]
	}
	return raw
}
