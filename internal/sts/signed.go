package sts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"
	stssdk "github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/ramsso/ramsso/internal/creds"
)

// RoleSessionNameRule is Alibaba's rule for AssumeRole's RoleSessionName:
// 2 to 64 letters, digits, '.', '@', '-' and '_' (API reference,
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole;
// older pages said 2 to 32).
var RoleSessionNameRule = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)

// AssumeRoleRequest is one AssumeRole call, signed with the credentials of
// an existing STS session (role chaining).
type AssumeRoleRequest struct {
	// Source are the credentials the request is signed with (secrets).
	Source          creds.Credentials
	RoleArn         string
	RoleSessionName string
	ExternalID      string // optional
	Policy          string // optional JSON policy
	// DurationSeconds is 900 to the target role's MaxSessionDuration; 0
	// means the STS default (3600). No fallback is tried: Alibaba
	// documents no one-hour limit for chained sessions, so what STS
	// refuses is reported as is.
	DurationSeconds int
}

// CallerIdentity is GetCallerIdentity's answer.
type CallerIdentity struct {
	RequestID    string `json:"requestId"`
	AccountID    string `json:"accountId"`
	UserID       string `json:"userId"`
	Arn          string `json:"arn"`
	IdentityType string `json:"identityType"`
	PrincipalID  string `json:"principalId"`
	RoleID       string `json:"roleId"`
}

// Signer is the part of STS reached with a session's own credentials.
type Signer interface {
	AssumeRole(ctx context.Context, req AssumeRoleRequest) (*Result, error)
	GetCallerIdentity(ctx context.Context, c creds.Credentials) (*CallerIdentity, error)
}

var _ Signer = (*Client)(nil)

// AssumeRole assumes req.RoleArn with req.Source's credentials. Network
// errors, 5xx and Throttling* answers are retried as for
// AssumeRoleWithSAML; other errors come back at once as *APIError.
func (c *Client) AssumeRole(ctx context.Context, req AssumeRoleRequest) (*Result, error) {
	if err := validateSigned(req.Source); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(req.RoleArn) == "":
		return nil, fmt.Errorf("AssumeRole needs a role ARN")
	case !RoleSessionNameRule.MatchString(req.RoleSessionName):
		return nil, fmt.Errorf("role session name %q is not accepted by STS: use 2 to 64 letters, digits, '.', '@', '-' or '_'", req.RoleSessionName)
	}
	if d := req.DurationSeconds; d != 0 && (d < int(MinDuration/time.Second) || d > int(MaxDuration/time.Second)) {
		return nil, fmt.Errorf("duration %d s is outside what STS allows: use %d to %d seconds", d, int(MinDuration/time.Second), int(MaxDuration/time.Second))
	}
	var out *Result
	err := c.retrySigned(ctx, req.Source, func(cl *stssdk.Client) (responses.AcsResponse, func() error, requests.AcsRequest) {
		r := stssdk.CreateAssumeRoleRequest()
		r.RoleArn = req.RoleArn
		r.RoleSessionName = req.RoleSessionName
		r.ExternalId = req.ExternalID
		if req.DurationSeconds > 0 {
			r.DurationSeconds = requests.NewInteger(req.DurationSeconds)
		}
		if req.Policy != "" {
			// Up to 2048 characters: the body, not the query.
			r.FormParams["Policy"] = req.Policy
		}
		resp := stssdk.CreateAssumeRoleResponse()
		return resp, func() error {
			res, err := c.signedResult(resp.RequestId, resp.GetHttpStatus(), resp.Credentials)
			if err != nil {
				return err
			}
			res.AssumedRoleUser = AssumedRoleUser{Arn: resp.AssumedRoleUser.Arn, AssumedRoleID: resp.AssumedRoleUser.AssumedRoleId}
			out = res
			return nil
		}, r
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetCallerIdentity asks STS who the credentials belong to.
func (c *Client) GetCallerIdentity(ctx context.Context, cr creds.Credentials) (*CallerIdentity, error) {
	if err := validateSigned(cr); err != nil {
		return nil, err
	}
	var out *CallerIdentity
	err := c.retrySigned(ctx, cr, func(cl *stssdk.Client) (responses.AcsResponse, func() error, requests.AcsRequest) {
		r := stssdk.CreateGetCallerIdentityRequest()
		resp := stssdk.CreateGetCallerIdentityResponse()
		return resp, func() error {
			if resp.AccountId == "" || resp.Arn == "" {
				return fmt.Errorf("STS at %s answered HTTP %d without an identity (RequestId %q): check --sts-endpoint / RAMSSO_STS_ENDPOINT", c.Endpoint(), resp.GetHttpStatus(), resp.RequestId)
			}
			out = &CallerIdentity{RequestID: resp.RequestId, AccountID: resp.AccountId, UserID: resp.UserId, Arn: resp.Arn,
				IdentityType: resp.IdentityType, PrincipalID: resp.PrincipalId, RoleID: resp.RoleId}
			return nil
		}, r
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func validateSigned(c creds.Credentials) error {
	if c.AccessKeyID == "" || c.AccessKeySecret == "" || c.SecurityToken == "" {
		return fmt.Errorf("signing an STS request needs a whole credential triple (AccessKeyId, secret, security token)")
	}
	return nil
}

// signedResult checks the credentials of an AssumeRole answer.
func (c *Client) signedResult(reqID string, status int, cr stssdk.Credentials) (*Result, error) {
	if cr.AccessKeyId == "" || cr.AccessKeySecret == "" || cr.SecurityToken == "" {
		return nil, fmt.Errorf("STS at %s answered HTTP %d without credentials (RequestId %q): check --sts-endpoint / RAMSSO_STS_ENDPOINT", c.Endpoint(), status, reqID)
	}
	exp, err := ParseExpiration(cr.Expiration)
	if err != nil {
		return nil, fmt.Errorf("STS at %s (RequestId %q): %w", c.Endpoint(), reqID, err)
	}
	return &Result{RequestID: reqID, Credentials: creds.Credentials{
		AccessKeyID: cr.AccessKeyId, AccessKeySecret: cr.AccessKeySecret, SecurityToken: cr.SecurityToken, Expiration: exp,
	}}, nil
}

// retrySigned makes one logical signed call with the retry policy of
// AssumeRoleWithSAML. build makes a fresh request and response for each
// attempt (the SDK signs with a new nonce and timestamp every time) and a
// function that reads the response.
func (c *Client) retrySigned(ctx context.Context, cr creds.Credentials,
	build func(*stssdk.Client) (responses.AcsResponse, func() error, requests.AcsRequest)) error {
	cl, err := c.newSigned(credentials.NewStsTokenCredential(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken))
	if err != nil {
		return err
	}
	secrets := []string{cr.AccessKeySecret, cr.SecurityToken}
	for attempt := 0; ; attempt++ {
		err := c.attemptSigned(ctx, cl, secrets, build)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !retryable(err) || attempt >= c.maxRetries {
			if attempt > 0 && retryable(err) && ctx.Err() == nil {
				return fmt.Errorf("gave up after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		if werr := sleepCtx(ctx, c.delay(attempt)); werr != nil {
			return fmt.Errorf("STS call to %s stopped while waiting to retry (last error: %s): %w", c.Endpoint(), err.Error(), werr)
		}
	}
}

// attemptSigned sends one request; DoAction takes no context, so it runs
// in a goroutine bounded by the SDK client's timeouts.
func (c *Client) attemptSigned(ctx context.Context, cl *stssdk.Client, secrets []string,
	build func(*stssdk.Client) (responses.AcsResponse, func() error, requests.AcsRequest)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("STS call to %s: %w", c.Endpoint(), err)
	}
	resp, read, r := build(cl)
	c.setTarget(r)
	done := make(chan error, 1)
	go func() { done <- cl.DoAction(r, resp) }()
	select {
	case err := <-done:
		if err != nil {
			return c.convertErrorScrubbing(err, secrets, resp.GetHttpStatus())
		}
		return read()
	case <-ctx.Done():
		return fmt.Errorf("STS call to %s: %w", c.Endpoint(), ctx.Err())
	}
}

// setTarget points a generated request at the client's endpoint, POSTed,
// with the client's timeouts.
func (c *Client) setTarget(r requests.AcsRequest) {
	var rpc *requests.RpcRequest
	switch v := r.(type) {
	case *stssdk.AssumeRoleRequest:
		rpc = v.RpcRequest
	case *stssdk.GetCallerIdentityRequest:
		rpc = v.RpcRequest
	default:
		return
	}
	rpc.Method, rpc.Scheme, rpc.Domain = requests.POST, strings.ToUpper(c.scheme), c.host
	rpc.SetConnectTimeout(c.connectTimeout())
	rpc.SetReadTimeout(c.timeout)
}
