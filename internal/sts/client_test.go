package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAssertion is recognisable anywhere it might leak, and long like a
// real base64 SAMLResponse.
var fakeAssertion = "PHNhbWxwOlJlc3BvbnNlIFNFQ1JFVC1BU1NFUlRJT04t" + strings.Repeat("TEVBS01F", 400) + "+/=="

const (
	testRole     = "acs:ram::1234567890123456:role/admin"
	testProvider = "acs:ram::1234567890123456:saml-provider/okta"
)

// seen is one request as the fake STS received it.
type seen struct {
	Method string
	Query  url.Values
	Form   url.Values // body only
}

// fakeSTS is an httptest server imitating STS; reply decides each answer
// from the request number (0-based).
type fakeSTS struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFakeSTS(t testing.TB, reply func(n int, s seen, w http.ResponseWriter, r *http.Request)) *fakeSTS {
	t.Helper()
	f := &fakeSTS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s := seen{Method: r.Method, Query: r.URL.Query(), Form: form}
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, s)
		f.mu.Unlock()
		reply(n, s, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSTS) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func okReply(w http.ResponseWriter, expiration string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"RequestId":"REQ-OK","Credentials":{"AccessKeyId":"STS.fakeid","AccessKeySecret":"fakesecret","SecurityToken":"faketoken","Expiration":%q},`+
		`"AssumedRoleUser":{"Arn":"acs:ram::1234567890123456:role/admin/alice","AssumedRoleId":"300:alice"},`+
		`"SAMLAssertionInfo":{"SubjectType":"persistent","Subject":"alice","Recipient":"https://signin.aliyun.com/saml-role/sso","Issuer":"https://idp.example.com"}}`, expiration)
}

func errReply(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"RequestId": "REQ-" + code, "HostId": "sts.aliyuncs.com", "Code": code, "Message": msg,
		"Recommend": "https://api.aliyun.com/troubleshoot?q=" + code,
	})
}

// resetConn hijacks the connection and closes it with a TCP RST.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func testReq() Request {
	return Request{RoleArn: testRole, ProviderArn: testProvider, SAMLAssertion: fakeAssertion, DurationSeconds: 7200}
}

func newTestClient(t testing.TB, endpoint string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: endpoint, Backoff: time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestAssertionInPostBody(t *testing.T) {
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		okReply(w, "2031-05-06T07:08:09Z")
	})
	c := newTestClient(t, f.URL, nil)
	req := testReq()
	req.Policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"*"}]}`
	res, err := c.AssumeRoleWithSAML(context.Background(), req)
	if err != nil {
		t.Fatalf("AssumeRoleWithSAML: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	s := reqs[0]
	if s.Method != http.MethodPost {
		t.Errorf("method %s, want POST", s.Method)
	}
	if s.Query.Has("SAMLAssertion") || strings.Contains(s.Query.Encode(), "TEVBS01F") {
		keys := make([]string, 0, len(s.Query))
		for k := range s.Query {
			keys = append(keys, k)
		}
		t.Errorf("assertion leaked into the URL query (keys %v)", keys)
	}
	if got := s.Form.Get("SAMLAssertion"); got != fakeAssertion {
		t.Errorf("form SAMLAssertion has %d chars, want the %d-char assertion", len(got), len(fakeAssertion))
	}
	if got := s.Form.Get("Policy"); got != req.Policy {
		t.Errorf("form Policy = %q", got)
	}
	for k, want := range map[string]string{
		"Action": "AssumeRoleWithSAML", "Version": "2015-04-01", "RoleArn": testRole,
		"SAMLProviderArn": testProvider, "DurationSeconds": "7200", "Format": "JSON",
	} {
		if got := s.Query.Get(k); got != want {
			t.Errorf("query %s = %q, want %q", k, got, want)
		}
	}
	if s.Query.Get("Signature") == "" || s.Query.Get("AccessKeyId") != placeholderKey {
		t.Errorf("request not signed with the placeholder key: %v", s.Query)
	}
	want := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	if !res.Credentials.Expiration.Equal(want) || res.Credentials.AccessKeyID != "STS.fakeid" ||
		res.Credentials.AccessKeySecret != "fakesecret" || res.Credentials.SecurityToken != "faketoken" {
		t.Errorf("credentials = %+v", res.Credentials)
	}
	if res.RequestID != "REQ-OK" || res.AssumedRoleUser.AssumedRoleID != "300:alice" ||
		res.AssertionInfo.Issuer != "https://idp.example.com" || res.AssertionInfo.Subject != "alice" {
		t.Errorf("result = %+v", res)
	}
	if res.DurationFallback {
		t.Error("DurationFallback set without a fallback")
	}
	if c.Endpoint() != f.URL {
		t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), f.URL)
	}
}

func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		wantScheme string
		wantHost   string
		wantErr    string
	}{
		{"default", Config{}, "https", "sts.aliyuncs.com", ""},
		{"bare host is https", Config{Endpoint: "sts.cn-hangzhou.aliyuncs.com"}, "https", "sts.cn-hangzhou.aliyuncs.com", ""},
		{"bare host upper case", Config{Endpoint: " STS.Aliyuncs.com "}, "https", "sts.aliyuncs.com", ""},
		{"https url", Config{Endpoint: "https://sts.ap-southeast-1.aliyuncs.com"}, "https", "sts.ap-southeast-1.aliyuncs.com", ""},
		{"https url trailing slash", Config{Endpoint: "https://sts.aliyuncs.com/"}, "https", "sts.aliyuncs.com", ""},
		{"http emulator", Config{Endpoint: "http://127.0.0.1:8080"}, "http", "127.0.0.1:8080", ""},
		{"HTTP upper scheme", Config{Endpoint: "HTTP://localhost:9000"}, "http", "localhost:9000", ""},
		{"ipv6 emulator", Config{Endpoint: "http://[::1]:8080"}, "http", "[::1]:8080", ""},
		{"host with port is https", Config{Endpoint: "127.0.0.1:8443"}, "https", "127.0.0.1:8443", ""},
		{"endpoint beats region", Config{Endpoint: "sts.aliyuncs.com", Region: "cn-beijing", VPC: true}, "https", "sts.aliyuncs.com", ""},
		{"region", Config{Region: "cn-hangzhou"}, "https", "sts.cn-hangzhou.aliyuncs.com", ""},
		{"region upper", Config{Region: "CN-Shanghai"}, "https", "sts.cn-shanghai.aliyuncs.com", ""},
		{"vpc", Config{Region: "cn-hangzhou", VPC: true}, "https", "sts-vpc.cn-hangzhou.aliyuncs.com", ""},
		{"vpc without region", Config{VPC: true}, "", "", "needs a region"},
		{"vpc, documented", Config{Region: "ap-southeast-1", VPC: true}, "https", "sts-vpc.ap-southeast-1.aliyuncs.com", ""},
		{"vpc, none documented", Config{Region: "me-east-1", VPC: true}, "", "", "no STS VPC endpoint is documented by Alibaba Cloud for region me-east-1"},
		{"vpc, unknown region", Config{Region: "xx-nowhere-9", VPC: true}, "", "", "\"vpc\": false"},
		{"bad region", Config{Region: "cn hangzhou"}, "", "", "not a region id"},
		{"region with dot", Config{Region: "evil.com/x"}, "", "", "not a region id"},
		{"url with path", Config{Endpoint: "https://sts.aliyuncs.com/api"}, "", "", "path is not allowed"},
		{"url with query", Config{Endpoint: "http://127.0.0.1:8080/?Action=x"}, "", "", "query or fragment"},
		{"url with empty query", Config{Endpoint: "http://127.0.0.1:8080?"}, "", "", "query or fragment"},
		{"url with fragment", Config{Endpoint: "http://127.0.0.1:8080#x"}, "", "", "query or fragment"},
		{"ftp scheme", Config{Endpoint: "ftp://sts.aliyuncs.com"}, "", "", "not supported"},
		{"user info", Config{Endpoint: "https://user:pw@sts.aliyuncs.com"}, "", "", "user info"},
		{"plain http to alibaba", Config{Endpoint: "http://sts.aliyuncs.com"}, "", "", "over https"},
		{"bare host with path", Config{Endpoint: "sts.aliyuncs.com/x"}, "", "", "neither a host"},
		{"spaces", Config{Endpoint: "sts aliyuncs com"}, "", "", "neither a host"},
		{"bad port", Config{Endpoint: "http://127.0.0.1:99999"}, "", "", "bad port"},
		{"empty port", Config{Endpoint: "127.0.0.1:"}, "", "", "bad port"},
		{"bad host chars", Config{Endpoint: "https://sts_x!.com"}, "", "", ""},
		{"no host", Config{Endpoint: "https://"}, "", "", "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme, host, err := ResolveEndpoint(tt.cfg)
			if tt.wantScheme == "" {
				if err == nil {
					t.Fatalf("got %s://%s, want an error", scheme, host)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not mention %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), ":pw@") {
					t.Fatalf("error leaks the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if scheme != tt.wantScheme || host != tt.wantHost {
				t.Fatalf("got %s://%s, want %s://%s", scheme, host, tt.wantScheme, tt.wantHost)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	type step func(w http.ResponseWriter)
	ok := func(w http.ResponseWriter) { okReply(w, "2031-01-01T00:00:00Z") }
	unavailable := func(w http.ResponseWriter) {
		errReply(w, 503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
	}
	tests := []struct {
		name       string
		maxRetries int
		steps      []step
		wantReqs   int
		wantErr    bool
		wantCode   string
	}{
		{"503 then success", 0, []step{unavailable, ok}, 2, false, ""},
		{"throttling as 400 is retried", 0, []step{func(w http.ResponseWriter) {
			errReply(w, 400, "Throttling.User", "Request was denied due to user flow control.")
		}, ok}, 2, false, ""},
		{"throttling as 503 is retried", 0, []step{func(w http.ResponseWriter) { errReply(w, 503, "Throttling", "busy") }, ok}, 2, false, ""},
		{"500 InternalError is retried", 0, []step{func(w http.ResponseWriter) { errReply(w, 500, "InternalError", "oops") }, ok}, 2, false, ""},
		{"502 html from a proxy is retried", 0, []step{func(w http.ResponseWriter) {
			w.WriteHeader(502)
			io.WriteString(w, "<html><body>Bad Gateway</body></html>")
		}, ok}, 2, false, ""},
		{"connection reset is retried", 0, []step{resetConn, ok}, 2, false, ""},
		{"400 InvalidParameter is not retried", 0, []step{func(w http.ResponseWriter) {
			errReply(w, 400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
		}, ok}, 1, true, "InvalidParameter.RoleSessionName"},
		{"401 is not retried", 0, []step{func(w http.ResponseWriter) {
			errReply(w, 401, "AuthenticationFail.SAMLAssertion.Expired", "The SAML assertion has expired.")
		}, ok}, 1, true, "AuthenticationFail.SAMLAssertion.Expired"},
		{"3 retries max then the error", 0, []step{unavailable, unavailable, unavailable, unavailable, ok}, 4, true, "ServiceUnavailable"},
		{"MaxRetries 1", 1, []step{unavailable, unavailable, ok}, 2, true, "ServiceUnavailable"},
		{"negative MaxRetries means none", -1, []step{unavailable, ok}, 1, true, "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				if n < len(tt.steps) {
					tt.steps[n](w)
					return
				}
				errReply(w, 500, "TooManyRequests", "test sent more requests than scripted")
			})
			c := newTestClient(t, f.URL, func(cfg *Config) { cfg.MaxRetries = tt.maxRetries })
			res, err := c.AssumeRoleWithSAML(context.Background(), testReq())
			if got := len(f.requests()); got != tt.wantReqs {
				t.Errorf("server saw %d requests, want %d", got, tt.wantReqs)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", res)
				}
				if !IsCode(err, tt.wantCode) {
					t.Errorf("error %v is not code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if res.Credentials.AccessKeyID != "STS.fakeid" {
				t.Errorf("credentials = %v", res.Credentials)
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	t.Run("during backoff", func(t *testing.T) {
		f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
			errReply(w, 503, "ServiceUnavailable", "down")
		})
		c := newTestClient(t, f.URL, func(cfg *Config) { cfg.Backoff = 10 * time.Second })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(150*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.AssumeRoleWithSAML(ctx, testReq())
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("returned after %v; want promptly after cancel", el)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v does not wrap context.Canceled", err)
		}
		if got := len(f.requests()); got != 1 {
			t.Errorf("server saw %d requests, want 1", got)
		}
	})
	t.Run("during a hanging request", func(t *testing.T) {
		release := make(chan struct{})
		f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c := newTestClient(t, f.URL, func(cfg *Config) { cfg.Timeout = 30 * time.Second })
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.AssumeRoleWithSAML(ctx, testReq())
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("returned after %v; want promptly after the deadline", el)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
		}
	})
	t.Run("attempt timeout", func(t *testing.T) {
		release := make(chan struct{})
		f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c := newTestClient(t, f.URL, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond; cfg.MaxRetries = -1 })
		start := time.Now()
		_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("returned after %v; the 200ms timeout did not bound the attempt", el)
		}
		var ne *NetworkError
		if !errors.As(err, &ne) {
			t.Fatalf("error %T %v, want *NetworkError", err, err)
		}
	})
}

func TestDurationFallback(t *testing.T) {
	tests := []struct {
		name         string
		duration     int
		wantReqs     int
		wantFallback bool
		wantErr      bool
	}{
		{"refused 7200 falls back to 3600", 7200, 2, true, false},
		{"refused 3600 is not retried", 3600, 1, false, true},
		{"default duration is not retried", 0, 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					errReply(w, 400, "InvalidParameter.DurationSeconds", "The parameter DurationSeconds is invalid.")
					return
				}
				okReply(w, "2031-01-01T00:00:00Z")
			})
			c := newTestClient(t, f.URL, nil)
			req := testReq()
			req.DurationSeconds = tt.duration
			res, err := c.AssumeRoleWithSAML(context.Background(), req)
			reqs := f.requests()
			if len(reqs) != tt.wantReqs {
				t.Fatalf("server saw %d requests, want %d", len(reqs), tt.wantReqs)
			}
			if tt.wantErr {
				if !IsCode(err, "InvalidParameter.DurationSeconds") {
					t.Fatalf("error = %v, want InvalidParameter.DurationSeconds", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := reqs[1].Query.Get("DurationSeconds"); got != "3600" {
				t.Errorf("second request DurationSeconds = %q, want 3600", got)
			}
			if reqs[1].Form.Get("SAMLAssertion") != fakeAssertion {
				t.Error("second request lost the assertion")
			}
			if res.DurationFallback != tt.wantFallback {
				t.Errorf("DurationFallback = %v, want %v", res.DurationFallback, tt.wantFallback)
			}
		})
	}
}

func TestDurationFallbackFailsToo(t *testing.T) {
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			errReply(w, 400, "InvalidParameter.DurationSeconds", "too long")
			return
		}
		errReply(w, 401, "AuthenticationFail.SAMLAssertion.Expired", "expired")
	})
	c := newTestClient(t, f.URL, nil)
	_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
	if !IsCode(err, "AuthenticationFail.SAMLAssertion.Expired") || !strings.Contains(err.Error(), "3600") {
		t.Fatalf("error = %v, want the second answer, saying it retried at 3600 s", err)
	}
	if got := len(f.requests()); got != 2 {
		t.Fatalf("server saw %d requests, want 2", got)
	}
}

// documented lists AssumeRoleWithSAML's documented error codes with their
// HTTP status, a word the remedy must contain, and whether it is retried.
var documented = []struct {
	status    int
	code      string
	remedyHas string
	retryable bool
}{
	{400, "MissingParameter.SAMLProviderArn", "Role attribute", false},
	{400, "MissingParameter.RoleArn", "RoleArn", false},
	{400, "MissingParameter.SAMLAssertion", "assertion", false},
	{400, "MissingSAMLProviderArn", "provider", false},
	{400, "MissingRoleArn", "role", false},
	{400, "MissingSAMLAssertion", "assertion", false},
	{400, "MissingParameter.Other", "missing", false},
	{400, "InvalidParameter.DurationSeconds", "MaxSessionDuration", false},
	{400, "InvalidParameter.RoleSessionName", "- _ . @ = , +", false},
	{400, "InvalidParameter.RoleArn", "acs:ram::", false},
	{400, "InvalidParameter.SAMLProviderArn", "saml-provider", false},
	{400, "InvalidParameter.SAMLAssertion", "base64", false},
	{400, "InvalidParameter.PolicyGrammar", "policy", false},
	{400, "InvalidParameter.PolicySize", "2048", false},
	{400, "InvalidParameter.Something", "--duration", false},
	{404, "EntityNotExist.SAMLProvider", "SAML provider", false},
	{404, "EntityNotExist.RoleArn", "role", false},
	{404, "EntityNotExist.Role", "role", false},
	{401, "AuthenticationFail.SAMLAssertion.Expired", "clock", false},
	{401, "AuthenticationFail.SAMLAssertion.Invalid", "Recipient", false},
	{401, "AuthenticationFail.IDPMetadata.Invalid", "metadata", false},
	{401, "AuthenticationFail.SAMLAssertion.Issuer", "IdP", false},
	{403, "NoPermission", "trust policy", false},
	{403, "NoPermission.Role", "trust policy", false},
	{500, "InternalError", "retry", true},
	{503, "ServiceUnavailable", "retry", true},
	{400, "Throttling.User", "slow down", true},
	{400, "Throttling.Api", "slow down", true},
	{503, "Throttling", "slow down", true},
	{400, "SignatureDoesNotMatch", "--sts-endpoint", false},
	{400, "InvalidTimeStamp.Expired", "clock", false},
	{400, "Some.NewCode", "https://api.aliyun.com/troubleshoot", false},
}

func TestAPIErrorParsing(t *testing.T) {
	for _, tt := range documented {
		t.Run(tt.code, func(t *testing.T) {
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				errReply(w, tt.status, tt.code, "message for "+tt.code)
			})
			c := newTestClient(t, f.URL, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.AssumeRoleWithSAML(context.Background(), Request{
				RoleArn: testRole, ProviderArn: testProvider, SAMLAssertion: fakeAssertion, DurationSeconds: 3600,
			})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v, want *APIError", err, err)
			}
			want := APIError{HTTPStatus: tt.status, RequestID: "REQ-" + tt.code, HostID: "sts.aliyuncs.com",
				Code: tt.code, Message: "message for " + tt.code, Recommend: "https://api.aliyun.com/troubleshoot?q=" + tt.code}
			if *ae != want {
				t.Errorf("APIError = %+v\nwant %+v", *ae, want)
			}
			rem := ae.Remedy()
			if rem == "" || !strings.Contains(strings.ToLower(rem), strings.ToLower(tt.remedyHas)) {
				t.Errorf("Remedy() = %q, want it to mention %q", rem, tt.remedyHas)
			}
			if ae.Retryable() != tt.retryable {
				t.Errorf("Retryable() = %v, want %v", ae.Retryable(), tt.retryable)
			}
			if !strings.Contains(err.Error(), tt.code) || !strings.Contains(err.Error(), "REQ-"+tt.code) {
				t.Errorf("Error() = %q lacks the code or request id", err)
			}
		})
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		io.WriteString(w, "<html>\n<body>Forbidden by corporate proxy "+strings.Repeat("x ", 500)+"</body></html>")
	})
	c := newTestClient(t, f.URL, nil)
	_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %T %v, want *APIError", err, err)
	}
	if ae.HTTPStatus != 403 || ae.Code != "" || len(ae.Message) > 210 || strings.Contains(ae.Message, "\n") {
		t.Errorf("APIError = %+v, want status 403, no code, a short one-line message", ae)
	}
	if !strings.Contains(ae.Remedy(), "--sts-endpoint") {
		t.Errorf("Remedy() = %q", ae.Remedy())
	}
	if got := len(f.requests()); got != 1 {
		t.Errorf("a 403 was retried: %d requests", got)
	}
}

func TestNoCredentialsInAnswer(t *testing.T) {
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"RequestId":"R1"}`)
	})
	c := newTestClient(t, f.URL, nil)
	if _, err := c.AssumeRoleWithSAML(context.Background(), testReq()); err == nil || !strings.Contains(err.Error(), "without credentials") {
		t.Fatalf("error = %v, want 'without credentials'", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	echo := func(status int) func(n int, s seen, w http.ResponseWriter, r *http.Request) {
		return func(n int, s seen, w http.ResponseWriter, r *http.Request) {
			// A hostile or buggy server echoing the whole request back.
			msg := "bad request " + r.URL.String() + " body " + s.Form.Encode() + " raw " + s.Form.Get("SAMLAssertion")
			errReply(w, status, "InvalidParameter.Echo", msg)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the endpoint
	}{
		{"error body echoes the request", func(t *testing.T) string { return newFakeSTS(t, echo(400)).URL }},
		{"5xx echoes the request", func(t *testing.T) string { return newFakeSTS(t, echo(500)).URL }},
		{"non-JSON echo", func(t *testing.T) string {
			return newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(418)
				io.WriteString(w, r.URL.String()+" "+s.Form.Get("SAMLAssertion")[:300])
			}).URL
		}},
		{"connection refused", func(t *testing.T) string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			return "http://" + addr
		}},
		{"connection reset", func(t *testing.T) string {
			return newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) { resetConn(w) }).URL
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := tt.setup(t)
			c := newTestClient(t, ep, nil)
			_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			var ae *APIError
			if errors.As(err, &ae) {
				msg += " " + ae.Remedy() + " " + fmt.Sprintf("%+v", *ae)
			}
			for _, leak := range []string{fakeAssertion, fakeAssertion[:60], "TEVBS01FTEVBS01F", url.QueryEscape(fakeAssertion[:60]), "?AccessKeyId", "&Signature=", "SignatureNonce=7", "AccessKeyId=ramsso", "RoleArn="} {
				if strings.Contains(msg, leak) {
					t.Fatalf("error text leaks %q:\n%s", leak[:min(len(leak), 40)], msg)
				}
			}
		})
	}
}

func TestNetworkErrorNamesEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr, nil)
	start := time.Now()
	_, err = c.AssumeRoleWithSAML(context.Background(), testReq())
	var ne *NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("error %T %v, want *NetworkError", err, err)
	}
	for _, want := range []string{"http://" + addr, "--sts-endpoint", "RAMSSO_STS_ENDPOINT", "proxy", "4 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestValidateBeforeSending(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Request)
		wantErr string
	}{
		{"no role", func(r *Request) { r.RoleArn = "" }, "role ARN"},
		{"no provider", func(r *Request) { r.ProviderArn = " " }, "SAML provider ARN"},
		{"no assertion", func(r *Request) { r.SAMLAssertion = "" }, "SAML assertion"},
		{"assertion too long", func(r *Request) { r.SAMLAssertion = strings.Repeat("A", MaxAssertionLen+1) }, "at most 100000"},
		{"duration too short", func(r *Request) { r.DurationSeconds = 899 }, "900 to 43200"},
		{"duration too long", func(r *Request) { r.DurationSeconds = 43201 }, "900 to 43200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) { okReply(w, "2031-01-01T00:00:00Z") })
			c := newTestClient(t, f.URL, nil)
			req := testReq()
			tt.mod(&req)
			_, err := c.AssumeRoleWithSAML(context.Background(), req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if n := len(f.requests()); n != 0 {
				t.Fatalf("sent %d requests for an invalid request", n)
			}
		})
	}
}

func TestIsCode(t *testing.T) {
	wrapped := fmt.Errorf("assume: %w", &APIError{Code: "Throttling.User"})
	tests := []struct {
		err    error
		prefix string
		want   bool
	}{
		{wrapped, "Throttling", true},
		{wrapped, "Throttling.User", true},
		{wrapped, "Throttling.", true},
		{wrapped, "Thrott", false},
		{wrapped, "Throttling.Api", false},
		{wrapped, "", false},
		{&APIError{Code: "AuthenticationFail.SAMLAssertion.Expired"}, "AuthenticationFail.SAMLAssertion", true},
		{errors.New("Throttling.User"), "Throttling", false},
		{nil, "Throttling", false},
	}
	for _, tt := range tests {
		if got := IsCode(tt.err, tt.prefix); got != tt.want {
			t.Errorf("IsCode(%v, %q) = %v, want %v", tt.err, tt.prefix, got, tt.want)
		}
	}
}

func TestParseExpiration(t *testing.T) {
	want := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2031-05-06T07:08:09Z", want, false},
		{"2031-05-06T07:08:09.123Z", want, false},
		{" 2031-05-06T07:08:09.999999Z ", want, false},
		{"2031-05-06T15:08:09+08:00", want, false},
		{"2031-05-06 07:08:09", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseExpiration(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
			t.Errorf("ParseExpiration(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestProxy(t *testing.T) {
	var mu sync.Mutex
	var proxied []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proxied = append(proxied, r.Host)
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		okReply(w, "2031-01-01T00:00:00Z")
	}))
	defer proxy.Close()
	c := newTestClient(t, "http://sts.example.test:8080", func(cfg *Config) { cfg.Proxy = proxy.URL })
	if _, err := c.AssumeRoleWithSAML(context.Background(), testReq()); err != nil {
		t.Fatalf("through proxy: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(proxied) != 1 || proxied[0] != "sts.example.test:8080" {
		t.Fatalf("proxy saw %v, want one request for sts.example.test:8080", proxied)
	}
}

func TestNewRejectsBadProxy(t *testing.T) {
	for _, p := range []string{"ftp://user:hunter2@proxy:21", "not a url", "http://user:hunter2@proxy:3128/path"} {
		_, err := New(Config{Proxy: p})
		if err == nil {
			t.Errorf("New(Proxy=%q) accepted it", p)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the proxy password: %v", err)
		}
	}
}

func TestLoopbackBypassesEnvProxy(t *testing.T) {
	// A proxy from the environment that would fail every request.
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) { okReply(w, "2031-01-01T00:00:00Z") })
	c := newTestClient(t, f.URL, nil)
	if _, err := c.AssumeRoleWithSAML(context.Background(), testReq()); err != nil {
		t.Fatalf("loopback emulator went through HTTP_PROXY: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := newFakeSTS(t, func(n int, s seen, w http.ResponseWriter, r *http.Request) { okReply(w, "2031-01-01T00:00:00Z") })
	c := newTestClient(t, f.URL, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(f.requests()); n != 8 {
		t.Errorf("server saw %d requests, want 8", n)
	}
}

func TestScrub(t *testing.T) {
	in := `Post "http://127.0.0.1:1/?AccessKeyId=x&Signature=abc": secret-value-123 and ` + strings.Repeat("QUJD", 40)
	got := scrub(in, []string{"secret-value-123"})
	for _, leak := range []string{"Signature=abc", "secret-value-123", "QUJDQUJD"} {
		if strings.Contains(got, leak) {
			t.Errorf("scrub left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, "http://127.0.0.1:1/") {
		t.Errorf("scrub removed the endpoint: %q", got)
	}
}

func BenchmarkAssume(b *testing.B) {
	// A plain server (fakeSTS would keep every request in memory).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("SAMLAssertion") != fakeAssertion {
			errReply(w, 400, "MissingParameter.SAMLAssertion", "no assertion")
			return
		}
		okReply(w, "2031-01-01T00:00:00Z")
	}))
	b.Cleanup(srv.Close)
	c := newTestClient(b, srv.URL, nil)
	req := testReq()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.AssumeRoleWithSAML(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBareHostUsesHTTPS(t *testing.T) {
	// A TLS server with a certificate nobody trusts: reaching it proves the
	// client spoke HTTPS (plain HTTP would get an HTTP 400 answer instead),
	// and a certificate failure is reported once, not retried.
	var hits int
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		okReply(w, "2031-01-01T00:00:00Z")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the expected handshake failure
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	c := newTestClient(t, host, nil)
	if c.Endpoint() != "https://"+host {
		t.Fatalf("Endpoint() = %q, want https://%s", c.Endpoint(), host)
	}
	start := time.Now()
	_, err := c.AssumeRoleWithSAML(context.Background(), testReq())
	var ne *NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %T %v, want a certificate *NetworkError", err, err)
	}
	if ne.Retryable() || strings.Contains(err.Error(), "attempts") {
		t.Errorf("certificate failure was retried: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("hits=%d after %v", hits, time.Since(start))
	}
}

func TestNewRefusesSDKDebug(t *testing.T) {
	t.Setenv("DEBUG", "foo,sdk")
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "DEBUG") {
		t.Fatalf("New with DEBUG=sdk: err = %v", err)
	}
	t.Setenv("DEBUG", "sdkx")
	if _, err := New(Config{}); err != nil {
		t.Fatalf("New with DEBUG=sdkx: %v", err)
	}
}
