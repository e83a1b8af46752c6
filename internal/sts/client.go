package sts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	stssdk "github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/ramsso/ramsso/internal/creds"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout = 15 * time.Second
	// DefaultCallTimeout bounds one whole call, retries included.
	DefaultCallTimeout = 30 * time.Second
	// DefaultSlowAfter is when a waiting caller is told STS is slow.
	DefaultSlowAfter  = 2 * time.Second
	DefaultMaxRetries = 3
	DefaultBackoff    = 200 * time.Millisecond
	// MaxAssertionLen is the longest SAMLAssertion STS accepts.
	MaxAssertionLen = 100000
	// maxBackoff caps one wait between retries.
	maxBackoff = 5 * time.Second
	// fallbackDuration is what a refused duration is retried at.
	fallbackDuration = 3600
)

// placeholderKey is the static AccessKey the V1 SDK signs with.
// AssumeRoleWithSAML is anonymous: STS authenticates the assertion, not
// the key, but the SDK refuses to send unsigned requests.
const placeholderKey = "ramsso-anonymous-saml"

// Client calls AssumeRoleWithSAML through alibaba-cloud-sdk-go. It is safe
// for concurrent use; calls are serialised because the V1 SDK client
// mutates shared state (timeouts, transport) on every request.
type Client struct {
	scheme      string // "https" or "http"
	host        string // host[:port]
	maxRetries  int
	backoff     time.Duration
	timeout     time.Duration
	callTimeout time.Duration
	slowAfter   time.Duration
	onWait      func(string)
	sdk         *stssdk.Client
	// newSigned builds an SDK client signing with given credentials, set
	// up as sdk is (timeouts, transport, no SDK retries).
	newSigned func(cred *credentials.StsTokenCredential) (*stssdk.Client, error)
	// sem serialises DoAction; an abandoned attempt (ctx done) keeps it
	// until the SDK's own timeouts end it.
	sem chan struct{}
}

var _ Assumer = (*Client)(nil)

// New validates cfg and builds a client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	// The SDK reads DEBUG once at start-up and, with "sdk" in it, prints
	// every response (credentials included) to stdout; nothing outside the
	// SDK can turn that off, so refuse rather than leak.
	if SDKDebugEnabled() {
		return nil, errors.New("the DEBUG environment variable contains \"sdk\", which makes the Alibaba Cloud SDK print credentials: unset it (or remove sdk from it) and try again")
	}
	scheme, host, err := ResolveEndpoint(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		scheme:      scheme,
		host:        host,
		maxRetries:  cfg.MaxRetries,
		backoff:     cfg.Backoff,
		timeout:     cfg.Timeout,
		callTimeout: cfg.CallTimeout,
		slowAfter:   cfg.SlowAfter,
		onWait:      cfg.OnWait,
		sem:         make(chan struct{}, 1),
	}
	if c.callTimeout <= 0 {
		c.callTimeout = DefaultCallTimeout
	}
	if c.slowAfter <= 0 {
		c.slowAfter = DefaultSlowAfter
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.backoff <= 0 {
		c.backoff = DefaultBackoff
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	proxy := strings.TrimSpace(cfg.Proxy)
	if proxy != "" {
		if err := checkProxy(proxy); err != nil {
			return nil, err
		}
	}

	sc := sdk.NewConfig()
	sc.AutoRetry = false
	sc.MaxRetryTime = 0
	sc.Scheme = strings.ToUpper(scheme)
	// The transport is wholly ours, wrapped so that no redirect is ever
	// followed: Go's http.Client re-sends the POST body on a 307/308, and
	// that body is the SAML assertion, a bearer credential. Because the
	// SDK only adjusts an *http.Transport (dial timeout, proxy), the
	// wrapper also means the SDK leaves it alone: connect timeout and proxy
	// are set here.
	base := &http.Transport{
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		DialContext:           (&net.Dialer{Timeout: c.connectTimeout()}).DialContext,
		TLSHandshakeTimeout:   c.connectTimeout(),
		ResponseHeaderTimeout: c.timeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
		// Like Go's ProxyFromEnvironment: never send a local emulator's
		// traffic through a proxy.
		Proxy: http.ProxyFromEnvironment,
	}
	if proxy != "" && !isLoopback(host) {
		pu, _ := url.Parse(proxy) // checked by checkProxy
		base.Proxy = http.ProxyURL(pu)
	}
	sc.Transport = &noRedirects{base: base, endpoint: scheme + "://" + host}
	sc.Timeout = c.timeout
	region := strings.ToLower(strings.TrimSpace(cfg.Region))
	if region != "" && !regionPattern().MatchString(region) {
		region = ""
	}
	build := func(cred auth.Credential) (*stssdk.Client, error) {
		cl, err := stssdk.NewClientWithOptions(region, sc, cred)
		if err != nil {
			return nil, fmt.Errorf("set up the STS client: %w", err)
		}
		cl.SetConnectTimeout(c.connectTimeout())
		cl.SetReadTimeout(c.timeout)
		// Proxy and loopback bypass are set on the transport above.
		return cl, nil
	}
	cl, err := build(&credentials.AccessKeyCredential{
		AccessKeyId:     placeholderKey,
		AccessKeySecret: placeholderKey,
	})
	if err != nil {
		return nil, err
	}
	c.sdk = cl
	c.newSigned = func(cred *credentials.StsTokenCredential) (*stssdk.Client, error) { return build(cred) }
	return c, nil
}

// Endpoint is the resolved scheme://host[:port] the client calls.
func (c *Client) Endpoint() string { return c.scheme + "://" + c.host }

func (c *Client) connectTimeout() time.Duration {
	return min(5*time.Second, c.timeout)
}

// checkProxy validates a proxy URL without ever echoing its password.
func checkProxy(p string) error {
	u, err := url.Parse(p)
	if err != nil || u.Host == "" {
		return errors.New("proxy setting is not a URL like http://proxy.example.com:3128")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "socks5", "socks5h":
	default:
		return fmt.Errorf("proxy %s: scheme %q is not supported (use http://, https:// or socks5://)", redactUserinfo(u), u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("proxy %s: give only scheme://host:port", redactUserinfo(u))
	}
	return nil
}

// AssumeRoleWithSAML exchanges req's assertion for temporary credentials.
// Network errors, 5xx and Throttling* answers are retried with jittered
// exponential backoff (at most MaxRetries times, stopping when ctx is done);
// other errors are returned at once as *APIError or *NetworkError. When STS
// refuses the requested duration (InvalidParameter.DurationSeconds), the
// call is made once more with FallbackDuration's choice and
// Result.DurationFallback is set.
func (c *Client) AssumeRoleWithSAML(ctx context.Context, req Request) (*Result, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	if c.onWait != nil {
		t := time.AfterFunc(c.slowAfter, func() {
			c.onWait(fmt.Sprintf("ramsso: waiting for STS at %s (giving up after %s; set \"sts\": {\"timeout\"} in settings.json or RAMSSO_STS_TIMEOUT to change that)",
				c.Endpoint(), c.callTimeout))
		})
		defer t.Stop()
	}
	res, err := c.call(ctx, req)
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, &TimeoutError{Endpoint: c.Endpoint(), After: c.callTimeout, Err: err}
	}
	return res, err
}

// call is AssumeRoleWithSAML within the call's bound.
func (c *Client) call(ctx context.Context, req Request) (*Result, error) {
	res, err := c.withRetries(ctx, req)
	if err != nil && IsCode(err, "InvalidParameter.DurationSeconds") {
		var apiErr *APIError
		msg := ""
		if errors.As(err, &apiErr) {
			msg = apiErr.Message
		}
		if next := FallbackDuration(req.DurationSeconds, msg); next != 0 {
			req.DurationSeconds = next
			res, err = c.withRetries(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("after the role refused the requested duration, retrying at %d s: %w", next, err)
			}
			res.DurationFallback = true
		}
	}
	if res != nil {
		res.DurationSeconds = req.DurationSeconds
	}
	return res, err
}

// FallbackDuration is the duration to ask for after STS refused requested
// seconds with message, or 0 when there is nothing shorter worth trying.
// A role's MaxSessionDuration is 3600 to 43200 s (RAM CreateRole/UpdateRole
// documentation), so 3600 always works. Alibaba documents no message
// format for the refusal: when the message names a whole number of seconds
// in [3600, requested), ramsso takes it as the role's maximum (the largest
// value that works); otherwise it falls back to 3600.
func FallbackDuration(requested int, message string) int {
	if requested <= fallbackDuration {
		return 0
	}
	best := 0
	for _, m := range secondsInMessage.FindAllString(message, -1) {
		n, err := strconv.Atoi(m)
		if err == nil && n >= fallbackDuration && n < requested && n > best {
			best = n
		}
	}
	if best == 0 {
		best = fallbackDuration
	}
	return best
}

var secondsInMessage = regexp.MustCompile(`\b\d{4,5}\b`)

// validate checks req before anything is sent.
func validate(req Request) error {
	var missing []string
	if strings.TrimSpace(req.RoleArn) == "" {
		missing = append(missing, "role ARN")
	}
	if strings.TrimSpace(req.ProviderArn) == "" {
		missing = append(missing, "SAML provider ARN")
	}
	if strings.TrimSpace(req.SAMLAssertion) == "" {
		missing = append(missing, "SAML assertion")
	}
	if len(missing) > 0 {
		return fmt.Errorf("AssumeRoleWithSAML needs a %s", strings.Join(missing, ", a "))
	}
	if n := len(req.SAMLAssertion); n > MaxAssertionLen {
		return fmt.Errorf("the SAML assertion is %d characters; STS accepts at most %d (ask the IdP to send fewer attributes or roles)", n, MaxAssertionLen)
	}
	if d := req.DurationSeconds; d != 0 && (d < int(MinDuration/time.Second) || d > int(MaxDuration/time.Second)) {
		return fmt.Errorf("duration %d s is outside what STS allows: use %d to %d seconds", d, int(MinDuration/time.Second), int(MaxDuration/time.Second))
	}
	return nil
}

// withRetries makes one logical call: the first attempt and up to
// maxRetries more for retryable failures.
func (c *Client) withRetries(ctx context.Context, req Request) (*Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := c.attempt(ctx, req)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil || !retryable(err) || attempt >= c.maxRetries {
			if attempt > 0 && retryable(err) && ctx.Err() == nil {
				return nil, fmt.Errorf("gave up after %d attempts: %w", attempt+1, err)
			}
			return nil, err
		}
		if werr := sleepCtx(ctx, c.delay(attempt)); werr != nil {
			return nil, fmt.Errorf("STS call to %s stopped while waiting to retry (last error: %s): %w", c.Endpoint(), err.Error(), werr)
		}
	}
}

// delay is the wait before retry number attempt+1: Backoff doubled per
// attempt, capped, with "equal jitter" (half fixed, half random).
func (c *Client) delay(attempt int) time.Duration {
	d := c.backoff << min(attempt, 16)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	half := d / 2
	return half + rand.N(half+1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt sends one request. DoAction takes no context, so it runs in a
// goroutine bounded by the SDK client's timeouts while the caller returns
// as soon as ctx is done.
func (c *Client) attempt(ctx context.Context, req Request) (*Result, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("STS call to %s: %w", c.Endpoint(), ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		<-c.sem
		return nil, fmt.Errorf("STS call to %s: %w", c.Endpoint(), err)
	}

	r := stssdk.CreateAssumeRoleWithSAMLRequest()
	r.Method = requests.POST
	r.Scheme = strings.ToUpper(c.scheme)
	r.Domain = c.host
	r.SetConnectTimeout(c.connectTimeout())
	r.SetReadTimeout(c.timeout)
	r.RoleArn = req.RoleArn
	r.SAMLProviderArn = req.ProviderArn
	if req.DurationSeconds > 0 {
		r.DurationSeconds = requests.NewInteger(req.DurationSeconds)
	}
	// The generated request puts every field in the query string. The
	// assertion is a bearer secret up to 100,000 characters and the policy
	// can be long: both go in the POST form body instead (the struct fields
	// stay empty, which the SDK skips).
	r.FormParams["SAMLAssertion"] = req.SAMLAssertion
	if req.Policy != "" {
		r.FormParams["Policy"] = req.Policy
	}
	resp := stssdk.CreateAssumeRoleWithSAMLResponse()

	done := make(chan error, 1)
	go func() {
		defer func() { <-c.sem }()
		done <- c.sdk.DoAction(r, resp)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("STS call to %s: %w", c.Endpoint(), ctx.Err())
	}
	if err != nil {
		return nil, c.convertError(err, req, resp.GetHttpStatus())
	}
	return c.result(resp)
}

// result turns the SDK's response into a Result.
func (c *Client) result(resp *stssdk.AssumeRoleWithSAMLResponse) (*Result, error) {
	cr := resp.Credentials
	if cr.AccessKeyId == "" || cr.AccessKeySecret == "" || cr.SecurityToken == "" {
		return nil, fmt.Errorf("STS at %s answered HTTP %d without credentials (RequestId %q): check --sts-endpoint / RAMSSO_STS_ENDPOINT", c.Endpoint(), resp.GetHttpStatus(), resp.RequestId)
	}
	exp, err := ParseExpiration(cr.Expiration)
	if err != nil {
		return nil, fmt.Errorf("STS at %s (RequestId %q): %w", c.Endpoint(), resp.RequestId, err)
	}
	return &Result{
		RequestID: resp.RequestId,
		Credentials: creds.Credentials{
			AccessKeyID:     cr.AccessKeyId,
			AccessKeySecret: cr.AccessKeySecret,
			SecurityToken:   cr.SecurityToken,
			Expiration:      exp,
		},
		AssumedRoleUser: AssumedRoleUser{
			Arn:           resp.AssumedRoleUser.Arn,
			AssumedRoleID: resp.AssumedRoleUser.AssumedRoleId,
		},
		AssertionInfo: AssertionInfo{
			SubjectType: resp.SAMLAssertionInfo.SubjectType,
			Subject:     resp.SAMLAssertionInfo.Subject,
			Recipient:   resp.SAMLAssertionInfo.Recipient,
			Issuer:      resp.SAMLAssertionInfo.Issuer,
		},
	}, nil
}

// ParseExpiration reads STS's Expiration (`2006-01-02T15:04:05Z`;
// fractional seconds and numeric offsets tolerated) as UTC, truncated to
// the second so it round-trips through creds.TimeFormat.
func ParseExpiration(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(creds.TimeFormat, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("credentials expiration %q is not a time like 2006-01-02T15:04:05Z", s)
	}
	return t.UTC().Truncate(time.Second), nil
}

// convertError maps what DoAction returned to *APIError, *NetworkError or
// a plain error, with every text scrubbed of the assertion and of URLs
// with query strings.
func (c *Client) convertError(err error, req Request, httpStatus int) error {
	return c.convertErrorScrubbing(err, []string{req.SAMLAssertion}, httpStatus)
}

// convertErrorScrubbing is convertError removing the given secrets;
// httpStatus is the answer's status when there was one.
func (c *Client) convertErrorScrubbing(err error, secrets []string, httpStatus int) error {
	if re, ok := asRedirect(err); ok {
		return re
	}
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		ae := &APIError{
			HTTPStatus: se.HttpStatus(),
			RequestID:  scrub(se.RequestId(), secrets),
			HostID:     scrub(se.HostId(), secrets),
			Code:       scrub(se.ErrorCode(), secrets),
			Message:    scrub(se.Message(), secrets),
			// Recommend is STS's troubleshooting link: keep its query.
			Recommend: scrubSecrets(se.Recommend(), secrets),
		}
		if ae.Code == "" {
			// Not STS's JSON (a proxy's HTML page, say): the SDK put the
			// whole body in Message. Keep a short, single-line excerpt.
			ae.Message = excerpt(ae.Message, 200)
			ae.Endpoint = c.Endpoint()
		}
		return ae
	}
	var ce *sdkerrors.ClientError
	if errors.As(err, &ce) && ce.ErrorCode() == sdkerrors.JsonUnmarshalErrorCode {
		// A 2xx answer that is not JSON (HTML, a truncated body): the SDK's
		// own message only talks about its internals.
		return &APIError{Endpoint: c.Endpoint(), HTTPStatus: httpStatus}
	}
	if errors.As(err, &ce) {
		if orig := ce.OriginError(); orig != nil && isNetErr(orig) {
			return &NetworkError{Endpoint: c.Endpoint(), Err: cleanNetErr(orig, secrets)}
		}
		return fmt.Errorf("STS call to %s failed: %s", c.Endpoint(), scrub(ce.Error(), secrets))
	}
	if isNetErr(err) {
		return &NetworkError{Endpoint: c.Endpoint(), Err: cleanNetErr(err, secrets)}
	}
	return fmt.Errorf("STS call to %s failed: %s", c.Endpoint(), scrub(err.Error(), secrets))
}

// isNetErr reports whether err is a transport failure worth retrying.
func isNetErr(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op != "parse"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrDeadlineExceeded)
}

// cleanNetErr drops the *url.Error layer (which embeds the request URL)
// and scrubs what is left.
func cleanNetErr(err error, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return &scrubbedError{msg: scrub(err.Error(), secrets), err: err}
}

// scrubbedError shows a cleaned message and keeps the cause for errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// queryish matches a URL or request URI carrying a query string
// (`http://h/?a=b`, `/?Action=...`).
var queryish = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\s"'<>?]*\?[^\s"'<>]*=[^\s"'<>]*`) })

// signedParam matches request parameters that identify a signed request
// when they appear outside a URL (a string-to-sign, a log line).
var signedParam = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b(Signature|SignatureNonce|AccessKeyId|SAMLAssertion|SecurityToken)(=|%3D)[^\s&"']*`)
})

// longBase64 matches runs of base64 (standard, URL-safe or percent-encoded)
// long enough to be a secret rather than an id or a word.
var longBase64 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9+/_%-]{120,}={0,2}`) })

// scrub removes secrets (raw and escaped), long base64 runs and the query
// strings of URLs from s.
func scrub(s string, secrets []string) string {
	s = scrubSecrets(s, secrets)
	s = queryish().ReplaceAllStringFunc(s, func(m string) string {
		return m[:strings.IndexByte(m, '?')] + "?[query redacted]"
	})
	return signedParam().ReplaceAllString(s, "$1=[redacted]")
}

// scrubSecrets removes the secrets (raw, URL-escaped and form-escaped) and
// any long base64 run (part of an assertion echoed back) from s.
func scrubSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < 8 {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec), strings.ReplaceAll(url.QueryEscape(sec), "+", "%20")} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return longBase64().ReplaceAllString(s, "[redacted]")
}

// excerpt shortens s to one line of at most n runes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// SDKDebugEnabled reports whether the V1 SDK was started with DEBUG=sdk,
// in which case it prints requests and responses (credentials included)
// to stdout. `ramsso doctor` should warn about it.
func SDKDebugEnabled() bool {
	for _, p := range strings.Split(os.Getenv("DEBUG"), ",") {
		if p == "sdk" {
			return true
		}
	}
	return false
}
