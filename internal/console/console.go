// Package console signs in to the Alibaba Cloud console as a session's
// role through the federation endpoint: GetSigninToken exchanges the STS
// credentials for a short-lived (30 s, single-use) sign-in token, and the
// Login URL built from it opens the console. The GetSigninToken request
// carries the secrets in its query, as Alibaba documents, so neither that
// URL nor anything derived from it is ever logged or put in an error.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/urlcheck"
)

// DefaultEndpoint is the federation sign-in host Alibaba documents (for
// both sites).
const DefaultEndpoint = "https://signin.aliyun.com"

// Console home pages, the default destinations.
const (
	ChinaConsole         = "https://home.console.aliyun.com/"
	InternationalConsole = "https://home.console.alibabacloud.com/"
)

// DefaultTimeout bounds the GetSigninToken call.
const DefaultTimeout = 15 * time.Second

// Client talks to the federation endpoint.
type Client struct {
	base string // scheme://host[:port][/prefix], no trailing slash
	http *http.Client
}

// New returns a Client for endpoint: "" (DefaultEndpoint), a host
// ("signin.aliyun.com", HTTPS) or a URL (http allowed, for the emulator).
// proxy is an HTTPS proxy URL or "".
func New(endpoint, proxy string) (*Client, error) {
	base, err := normalize(endpoint)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	if proxy != "" {
		pu, err := url.Parse(proxy)
		if err != nil || pu.Host == "" {
			return nil, fmt.Errorf("proxy %s is not a URL like http://proxy.example.com:3128", urlcheck.Redact(proxy))
		}
		tr.Proxy = http.ProxyURL(pu)
	}
	return &Client{base: base, http: &http.Client{
		Transport: tr,
		Timeout:   DefaultTimeout,
		// GetSigninToken answers directly; a redirect is unexpected.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

func normalize(endpoint string) (string, error) {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return DefaultEndpoint, nil
	}
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" {
		return "", fmt.Errorf("sign-in endpoint %s: give a host (signin.aliyun.com) or an https URL", urlcheck.Redact(endpoint))
	}
	// GetSigninToken carries AccessKeySecret and SecurityToken in its
	// query: never over plain http except to a local emulator.
	if err := urlcheck.Secure(u, "sign-in endpoint"); err != nil {
		return "", err
	}
	p := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/federation")
	return u.Scheme + "://" + u.Host + p, nil
}

// Endpoint is the federation URL requests go to.
func (c *Client) Endpoint() string { return c.base + "/federation" }

// IsEmulator reports whether the endpoint is a local stand-in (plain http
// on a loopback address).
func (c *Client) IsEmulator() bool {
	u, _ := url.Parse(c.base)
	return u.Scheme == "http" && isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultDestination is the console home for a site ("international" or
// anything else for China).
func DefaultDestination(site string) string {
	if site == "international" {
		return InternationalConsole
	}
	return ChinaConsole
}

// ValidateDestination accepts an https URL on aliyun.com or
// alibabacloud.com (or a subdomain), or, with an emulator endpoint, any
// URL on the emulator's own host.
func (c *Client) ValidateDestination(dest string) error {
	u, err := url.Parse(dest)
	if err != nil || u.Host == "" {
		return fmt.Errorf("destination %q is not an absolute URL", dest)
	}
	if c.IsEmulator() {
		bu, _ := url.Parse(c.base)
		if u.Host == bu.Host {
			return nil
		}
	}
	h := strings.ToLower(u.Hostname())
	okHost := h == "aliyun.com" || strings.HasSuffix(h, ".aliyun.com") || h == "alibabacloud.com" || strings.HasSuffix(h, ".alibabacloud.com")
	if u.Scheme != "https" || !okHost || u.User != nil {
		return fmt.Errorf("destination %q must be an Alibaba Cloud console URL (https://….aliyun.com/ or https://….alibabacloud.com/)", dest)
	}
	return nil
}

// APIError is an error answer from the federation endpoint.
type APIError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("GetSigninToken failed: HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
}

// SigninToken exchanges credentials for a sign-in token (valid 30 s, once).
func (c *Client) SigninToken(ctx context.Context, cr creds.Credentials) (string, error) {
	if cr.AccessKeyID == "" || cr.AccessKeySecret == "" || cr.SecurityToken == "" {
		return "", errors.New("console sign-in needs STS credentials with a security token")
	}
	q := url.Values{
		"Action":          {"GetSigninToken"},
		"AccessKeyId":     {cr.AccessKeyID},
		"AccessKeySecret": {cr.AccessKeySecret},
		"SecurityToken":   {cr.SecurityToken},
		"TicketType":      {"mini"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Endpoint()+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("GetSigninToken: building the request failed")
	}
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("GetSigninToken at %s: %w", c.Endpoint(), scrub(err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("GetSigninToken at %s: reading the answer: %w", c.Endpoint(), scrub(err))
	}
	var out struct {
		RequestID   string `json:"RequestId"`
		SigninToken string `json:"SigninToken"`
		Code        string `json:"Code"`
		Message     string `json:"Message"`
	}
	jerr := json.Unmarshal(body, &out)
	if res.StatusCode != http.StatusOK || out.SigninToken == "" {
		e := &APIError{Status: res.StatusCode, RequestID: out.RequestID}
		if jerr == nil {
			e.Code, e.Message = out.Code, out.Message
		}
		if e.Status == http.StatusOK {
			e.Message = "no SigninToken in the answer"
		}
		return "", e
	}
	return out.SigninToken, nil
}

// LoginURL builds the URL that signs in with token and lands on
// destination; loginURL is where the console sends the user when the
// token is no longer valid.
func (c *Client) LoginURL(token, destination, loginURL string) string {
	q := url.Values{
		"Action":      {"Login"},
		"LoginUrl":    {loginURL},
		"Destination": {destination},
		"SigninToken": {token},
	}
	return c.Endpoint() + "?" + q.Encode()
}

// SignIn validates destination, gets a sign-in token and returns the
// Login URL. The URL holds a bearer token for 30 s: open it, do not log it.
func (c *Client) SignIn(ctx context.Context, cr creds.Credentials, destination, loginURL string) (string, error) {
	if err := c.ValidateDestination(destination); err != nil {
		return "", err
	}
	if loginURL == "" {
		loginURL = destination
	}
	tok, err := c.SigninToken(ctx, cr)
	if err != nil {
		return "", err
	}
	return c.LoginURL(tok, destination, loginURL), nil
}

// scrub drops the request URL (which holds the secrets) from a transport
// error, keeping its cause.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return fmt.Errorf("%s", scrubText(ue.Err.Error()))
	}
	return fmt.Errorf("%s", scrubText(err.Error()))
}

// scrubText cuts anything from "?" on in case a message quotes a URL.
func scrubText(s string) string {
	if i := strings.Index(s, "?"); i >= 0 {
		return s[:i] + "?…"
	}
	return s
}
