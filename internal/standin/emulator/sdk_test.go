package emulator_test

import (
	"bytes"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sdkClient is the V1 SDK set up as ramsso uses it: a static placeholder
// key (the API is anonymous, the SDK signs anyway), no SDK retries.
func sdkClient(t *testing.T) *sts.Client {
	t.Helper()
	cfg := sdk.NewConfig().WithAutoRetry(false).WithTimeout(10 * time.Second)
	c, err := sts.NewClientWithOptions("cn-hangzhou", cfg, credentials.NewAccessKeyCredential("placeholder", "placeholder"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkRequest(t *testing.T, e *env, b64, role, prov string) *sts.AssumeRoleWithSAMLRequest {
	t.Helper()
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	req := sts.CreateAssumeRoleWithSAMLRequest()
	req.Domain = u.Host
	req.Scheme = "http"
	req.RoleArn = role
	req.SAMLProviderArn = prov
	// The SDK would put the assertion in the query; move it to the body.
	req.FormParams["SAMLAssertion"] = b64
	return req
}

func TestThroughSDK(t *testing.T) {
	e := newEnv(t, nil)
	c := sdkClient(t)
	for _, st := range testidp.Styles() {
		t.Run(string(st), func(t *testing.T) {
			req := sdkRequest(t, e, e.response(testidp.Options{Style: st}), roleAdmin, provider)
			req.DurationSeconds = requests.NewInteger(7200)
			resp, err := c.AssumeRoleWithSAML(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetHttpStatus() != 200 || len(resp.Credentials.SecurityToken) < 1000 ||
				resp.Credentials.Expiration != e.now.Add(2*time.Hour).Format("2006-01-02T15:04:05Z") ||
				resp.AssumedRoleUser.Arn != "acs:ram::"+acct+":assumed-role/admin/alice" ||
				resp.SAMLAssertionInfo.Issuer != idpMain.Issuer || resp.RequestId == "" {
				t.Errorf("unexpected answer: status %d, arn %q, expiration %q, issuer %q",
					resp.GetHttpStatus(), resp.AssumedRoleUser.Arn, resp.Credentials.Expiration, resp.SAMLAssertionInfo.Issuer)
			}
		})
	}
	t.Run("assertion in the query as the SDK sends it by default", func(t *testing.T) {
		req := sdkRequest(t, e, "", roleRO, provider)
		delete(req.FormParams, "SAMLAssertion")
		req.SAMLAssertion = e.response(testidp.Options{})
		if _, err := c.AssumeRoleWithSAML(req); err != nil {
			t.Fatal(err)
		}
	})
	errCases := []struct {
		name   string
		req    *sts.AssumeRoleWithSAMLRequest
		status int
		code   string
	}{
		{"duration over role max", func() *sts.AssumeRoleWithSAMLRequest {
			r := sdkRequest(t, e, e.response(testidp.Options{}), roleRO, provider)
			r.DurationSeconds = requests.NewInteger(7200)
			return r
		}(), 400, "InvalidParameter.DurationSeconds"},
		{"unknown provider", sdkRequest(t, e, e.response(testidp.Options{}), roleAdmin, "acs:ram::1:saml-provider/x"), 404, "EntityNotExist.SAMLProvider"},
		{"expired", sdkRequest(t, e, e.response(testidp.Options{Now: e.now.Add(-time.Hour)}), roleAdmin, provider), 401, "AuthenticationFail.SAMLAssertion.Expired"},
		{"wrapping", sdkRequest(t, e, wrapAssertion(t, e), roleLone, provider), 401, "AuthenticationFail.SAMLAssertion.Invalid"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AssumeRoleWithSAML(tt.req)
			var se *sdkerrors.ServerError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a ServerError", err)
			}
			if se.HttpStatus() != tt.status || se.ErrorCode() != tt.code || se.RequestId() == "" {
				t.Errorf("got %d %s, want %d %s", se.HttpStatus(), se.ErrorCode(), tt.status, tt.code)
			}
		})
	}
	t.Run("throttling then success", func(t *testing.T) {
		e.srv.InjectFaults(emulator.Fault{Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."})
		b64 := e.response(testidp.Options{})
		_, err := c.AssumeRoleWithSAML(sdkRequest(t, e, b64, roleAdmin, provider))
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) || se.ErrorCode() != "Throttling.User" {
			t.Fatalf("err = %v", err)
		}
		if _, err := c.AssumeRoleWithSAML(sdkRequest(t, e, b64, roleAdmin, provider)); err != nil {
			t.Fatal(err)
		}
	})
}
