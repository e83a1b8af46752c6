package sts

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// noRedirects is the STS client's transport: it never lets Go's
// http.Client follow a redirect. Every AssumeRoleWithSAML request carries
// the SAML assertion (a bearer credential) in its body, and http.Client
// re-sends that body to whatever host a 307/308 names; a 3xx answer is
// turned into a *RedirectError instead.
type noRedirects struct {
	base     http.RoundTripper
	endpoint string
}

// RoundTrip sends r and refuses to pass on any redirect.
func (t *noRedirects) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		_ = resp.Body.Close()
		return nil, &RedirectError{Endpoint: t.endpoint, HTTPStatus: resp.StatusCode, Location: originOf(loc)}
	}
	return resp, nil
}

// originOf keeps only scheme://host of a Location header, never its path
// or query (which might echo request parameters).
func originOf(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// RedirectError means the STS endpoint answered with a redirect, which
// ramsso never follows because the request body holds the assertion.
type RedirectError struct {
	Endpoint   string // scheme://host[:port] that answered
	HTTPStatus int
	Location   string // scheme://host of the redirect target, or ""
}

// Error says what happened and what to set instead.
func (e *RedirectError) Error() string {
	to := ""
	if e.Location != "" {
		to = " to " + e.Location
	}
	return fmt.Sprintf("STS at %s answered HTTP %d redirecting%s; ramsso does not follow redirects because the request carries your SAML assertion: set --sts-endpoint / RAMSSO_STS_ENDPOINT (or \"sts.endpoint\" in settings.json) to the STS host itself",
		e.Endpoint, e.HTTPStatus, to)
}

// TimeoutError means a whole AssumeRoleWithSAML call ran out of its
// bound (Config.CallTimeout) before STS answered.
type TimeoutError struct {
	Endpoint string
	After    time.Duration
	Err      error // the last attempt's error
}

// Error names the endpoint, the bound and how to change it.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("STS at %s did not answer within %s: check the network and the proxy setting, or allow longer with \"sts\": {\"timeout\": \"60s\"} in settings.json or RAMSSO_STS_TIMEOUT=60s",
		e.Endpoint, e.After)
}

// Unwrap returns the last attempt's error.
func (e *TimeoutError) Unwrap() error { return e.Err }

// asRedirect finds a *RedirectError anywhere in err's chain.
func asRedirect(err error) (*RedirectError, bool) {
	var re *RedirectError
	ok := errors.As(err, &re)
	return re, ok
}
