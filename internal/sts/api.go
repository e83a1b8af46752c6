// Package sts exchanges a SAML assertion for temporary credentials with
// Alibaba Cloud STS (AssumeRoleWithSAML), behind one small interface so the
// end-of-support V1 SDK stays replaceable.
package sts

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
)

// DefaultEndpoint is the public STS endpoint.
const DefaultEndpoint = "sts.aliyuncs.com"

// Duration bounds of AssumeRoleWithSAML.
const (
	MinDuration     = 900 * time.Second
	MaxDuration     = 43200 * time.Second
	DefaultDuration = 3600 * time.Second
)

// Request is one AssumeRoleWithSAML call.
type Request struct {
	RoleArn         string
	ProviderArn     string
	SAMLAssertion   string // the whole base64 Response; a bearer secret
	DurationSeconds int    // 0 means the STS default (3600)
	Policy          string // optional JSON policy
}

// AssumedRoleUser identifies the assumed role session.
type AssumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

// AssertionInfo is what STS read from the assertion.
type AssertionInfo struct {
	SubjectType string `json:"SubjectType"`
	Subject     string `json:"Subject"`
	Recipient   string `json:"Recipient"`
	Issuer      string `json:"Issuer"`
}

// Result is a successful exchange.
type Result struct {
	RequestID       string
	Credentials     creds.Credentials
	AssumedRoleUser AssumedRoleUser
	AssertionInfo   AssertionInfo
	// DurationFallback is set when STS refused the requested duration and
	// the call was retried once with a shorter one (DurationSeconds).
	DurationFallback bool
	// DurationSeconds is the duration the credentials were asked for (0:
	// STS's default, 3600 s).
	DurationSeconds int
}

// Assumer is the one interface the rest of ramsso uses to reach STS.
type Assumer interface {
	AssumeRoleWithSAML(ctx context.Context, req Request) (*Result, error)
}

// Config says where and how to reach STS.
type Config struct {
	// Endpoint is a host (`sts.cn-hangzhou.aliyuncs.com`) or a URL
	// (`http://127.0.0.1:8080` for an emulator). Empty: derived from Region.
	Endpoint string
	Region   string // e.g. cn-hangzhou; selects sts.<region>.aliyuncs.com
	VPC      bool   // use sts-vpc.<region>.aliyuncs.com
	Proxy    string // HTTPS proxy URL, optional
	// Timeout bounds one attempt (connect, headers and body); 0: 15 s.
	Timeout time.Duration
	// CallTimeout bounds a whole AssumeRoleWithSAML call, retries
	// included, so a stalled STS never means minutes of silence; 0:
	// DefaultCallTimeout. Users set it with "sts.timeout" in settings.json
	// or RAMSSO_STS_TIMEOUT.
	CallTimeout time.Duration
	// OnWait, when set, is told once (after SlowAfter) that STS has not
	// answered yet, with a one-line message for stderr.
	OnWait func(msg string)
	// SlowAfter is how long a call may take before OnWait is told; 0: 2 s.
	SlowAfter time.Duration
	// MaxRetries bounds retries on network errors, 5xx and Throttling.*;
	// 0 means the default of 3, negative means none.
	MaxRetries int
	// Backoff is the first retry delay (doubled each time); 0: 200ms.
	Backoff time.Duration
}

// APIError is an error answer from STS. An answer that is not STS's JSON
// at all (a proxy's HTML page, a truncated body) is an APIError with an
// empty Code and Endpoint set.
type APIError struct {
	// Endpoint is the scheme://host[:port] that answered; set when the
	// answer was not an STS response.
	Endpoint   string
	HTTPStatus int
	RequestID  string
	HostID     string
	Code       string
	Message    string
	Recommend  string
}

// Error says what STS answered: its code, message, HTTP status and request
// id (quote the request id to Alibaba Cloud support). It never carries the
// assertion or the request URL.
func (e *APIError) Error() string {
	if e.Code == "" && e.Endpoint != "" {
		return "STS at " + e.Endpoint + " answered HTTP " + strconv.Itoa(e.HTTPStatus) +
			" with something that is not an STS response (check --sts-endpoint / RAMSSO_STS_ENDPOINT and the proxy setting)"
	}
	var b strings.Builder
	b.WriteString("STS ")
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		b.WriteString("error")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.HTTPStatus != 0 || e.RequestID != "" {
		b.WriteString(" (")
		if e.HTTPStatus != 0 {
			b.WriteString("HTTP ")
			b.WriteString(strconv.Itoa(e.HTTPStatus))
		}
		if e.RequestID != "" {
			if e.HTTPStatus != 0 {
				b.WriteString(", ")
			}
			b.WriteString("RequestId ")
			b.WriteString(e.RequestID)
		}
		b.WriteString(")")
	}
	return b.String()
}
