package sts_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/sts"
)

// TestAgainstEmulator runs the real client, through the V1 SDK, against
// the STS emulator with assertions signed by the test IdP.
func TestAgainstEmulator(t *testing.T) {
	const acct = "1234567890123456"
	const (
		provider = "acs:ram::" + acct + ":saml-provider/okta"
		admin    = "acs:ram::" + acct + ":role/admin"
		short    = "acs:ram::" + acct + ":role/short"
	)
	idp, err := testidp.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: provider, Certificate: string(idp.CertPEM())}},
		Roles: []emulator.Role{
			{Arn: admin, MaxSessionDuration: 43200},
			{Arn: short, MaxSessionDuration: 3600},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	roles := []string{testidp.RoleValue(acct, "admin", "okta"), testidp.RoleValue(acct, "short", "okta")}
	fresh := func(t *testing.T, o testidp.Options) string {
		t.Helper()
		o.Roles = roles
		if o.SessionName == "" {
			o.SessionName = "alice"
		}
		b64, err := idp.Response(o)
		if err != nil {
			t.Fatal(err)
		}
		return b64
	}

	tests := []struct {
		name         string
		role         string
		provider     string
		duration     int
		opts         testidp.Options
		faults       []emulator.Fault
		wantCode     string
		wantNetErr   bool
		wantFallback bool
		wantLifetime time.Duration
		wantRequests int
	}{
		{name: "success", role: admin, duration: 7200, wantLifetime: 2 * time.Hour, wantRequests: 1},
		{name: "default duration", role: admin, wantLifetime: time.Hour, wantRequests: 1},
		{name: "duration fallback", role: short, duration: 7200, wantFallback: true, wantLifetime: time.Hour, wantRequests: 2},
		{name: "503 then success", role: admin, duration: 3600, faults: []emulator.Fault{{Status: 503}}, wantLifetime: time.Hour, wantRequests: 2},
		{name: "throttling as 400 then success", role: admin, duration: 3600,
			faults: []emulator.Fault{{Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."}}, wantLifetime: time.Hour, wantRequests: 2},
		{name: "dropped connection then success", role: admin, duration: 3600, faults: []emulator.Fault{{Status: -1}}, wantLifetime: time.Hour, wantRequests: 2},
		{name: "always 503", role: admin, faults: []emulator.Fault{{Status: 503}, {Status: 503}, {Status: 503}, {Status: 503}}, wantCode: "ServiceUnavailable", wantRequests: 4},
		{name: "expired assertion", role: admin, opts: testidp.Options{Now: time.Now().Add(-time.Hour)}, wantCode: "AuthenticationFail.SAMLAssertion.Expired", wantRequests: 1},
		{name: "wrong audience", role: admin, opts: testidp.Options{Audience: "urn:example:other"}, wantCode: "AuthenticationFail.SAMLAssertion.Invalid", wantRequests: 1},
		{name: "unknown provider", role: admin, provider: "acs:ram::" + acct + ":saml-provider/nope", wantCode: "EntityNotExist.SAMLProvider", wantRequests: 1},
		{name: "bad session name", role: admin, opts: testidp.Options{SessionName: "a"}, wantCode: "InvalidParameter.RoleSessionName", wantRequests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := sts.New(sts.Config{Endpoint: hs.URL, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			srv.InjectFaults(tt.faults...)
			before := srv.Requests()
			prov := tt.provider
			if prov == "" {
				prov = provider
			}
			start := time.Now()
			res, err := c.AssumeRoleWithSAML(context.Background(), sts.Request{
				RoleArn: tt.role, ProviderArn: prov, SAMLAssertion: fresh(t, tt.opts), DurationSeconds: tt.duration,
			})
			if got := srv.Requests() - before; got != tt.wantRequests {
				t.Errorf("emulator saw %d requests, want %d", got, tt.wantRequests)
			}
			if tt.wantCode != "" {
				var ae *sts.APIError
				if !errors.As(err, &ae) || ae.Code != tt.wantCode {
					t.Fatalf("error = %v, want code %s", err, tt.wantCode)
				}
				if ae.Remedy() == "" || ae.RequestID == "" {
					t.Errorf("APIError %+v lacks a remedy or request id", ae)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if res.DurationFallback != tt.wantFallback {
				t.Errorf("DurationFallback = %v, want %v", res.DurationFallback, tt.wantFallback)
			}
			cr := res.Credentials
			if cr.AccessKeyID == "" || cr.AccessKeySecret == "" || cr.SecurityToken == "" {
				t.Fatalf("incomplete credentials: %v", cr)
			}
			if life := cr.Expiration.Sub(start); life < tt.wantLifetime-time.Minute || life > tt.wantLifetime+time.Minute {
				t.Errorf("credentials live %v, want about %v", life, tt.wantLifetime)
			}
			if res.AssumedRoleUser.Arn == "" || res.RequestID == "" {
				t.Errorf("result lacks AssumedRoleUser or RequestId: %+v", res)
			}
		})
	}
}

// BenchmarkAssumeEmulator is one full exchange against the emulator: the
// SDK request, XML-DSig verification and the JSON answer.
func BenchmarkAssumeEmulator(b *testing.B) {
	const acct = "1234567890123456"
	idp, err := testidp.New("https://idp.example.com/saml")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: "acs:ram::" + acct + ":saml-provider/okta", Certificate: string(idp.CertPEM())}},
		Roles:     []emulator.Role{{Arn: "acs:ram::" + acct + ":role/admin"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	b64, err := idp.Response(testidp.Options{Roles: []string{testidp.RoleValue(acct, "admin", "okta")}, SessionName: "alice", Lifetime: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	c, err := sts.New(sts.Config{Endpoint: hs.URL})
	if err != nil {
		b.Fatal(err)
	}
	req := sts.Request{RoleArn: "acs:ram::" + acct + ":role/admin", ProviderArn: "acs:ram::" + acct + ":saml-provider/okta", SAMLAssertion: b64}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.AssumeRoleWithSAML(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
