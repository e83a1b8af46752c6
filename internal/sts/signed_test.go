package sts_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/creds"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
	"github.com/ramsso/ramsso/internal/sts"
)

// TestSignedAgainstEmulator chains from a SAML session into another
// account with AssumeRole and asks GetCallerIdentity, through the V1 SDK's
// signer and the emulator's signature check.
func TestSignedAgainstEmulator(t *testing.T) {
	const hub, spokeAcct = "1234567890123456", "6543210987654321"
	provider := "acs:ram::" + hub + ":saml-provider/okta"
	admin := "acs:ram::" + hub + ":role/admin"
	spoke := "acs:ram::" + spokeAcct + ":role/deploy"
	idp, err := testidp.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(emulator.Config{
		Providers: []emulator.Provider{{Arn: provider, Certificate: string(idp.CertPEM())}},
		Roles: []emulator.Role{
			{Arn: admin, MaxSessionDuration: 43200},
			{Arn: spoke, MaxSessionDuration: 21600, TrustedRoles: []string{admin}, ExternalID: "ext-42"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := sts.New(sts.Config{Endpoint: hs.URL, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b64, err := idp.Response(testidp.Options{Roles: []string{testidp.RoleValue(hub, "admin", "okta")}, SessionName: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	saml, err := c.AssumeRoleWithSAML(ctx, sts.Request{RoleArn: admin, ProviderArn: provider, SAMLAssertion: b64})
	if err != nil {
		t.Fatal(err)
	}
	src := saml.Credentials

	id, err := c.GetCallerIdentity(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if id.AccountID != hub || id.Arn != "acs:ram::"+hub+":assumed-role/admin/alice@example.com" || id.IdentityType != "AssumedRoleUser" {
		t.Errorf("identity = %+v", id)
	}

	req := sts.AssumeRoleRequest{Source: src, RoleArn: spoke, RoleSessionName: "alice@example.com", ExternalID: "ext-42", DurationSeconds: 5 * 3600}
	start := time.Now()
	res, err := c.AssumeRole(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if life := res.Credentials.Expiration.Sub(start); life < 5*time.Hour-time.Minute || life > 5*time.Hour+time.Minute {
		t.Errorf("chained session lives %v, want the 5h asked for (no one-hour chaining rule)", life)
	}
	if res.AssumedRoleUser.Arn != "acs:ram::"+spokeAcct+":assumed-role/deploy/alice@example.com" {
		t.Errorf("assumed role user = %+v", res.AssumedRoleUser)
	}
	id, err = c.GetCallerIdentity(ctx, res.Credentials)
	if err != nil || id.AccountID != spokeAcct {
		t.Fatalf("chained identity = %+v, %v", id, err)
	}

	t.Run("throttling is retried", func(t *testing.T) {
		srv.InjectFaults(emulator.Fault{Status: 400, Code: "Throttling.User"})
		before := srv.Requests()
		if _, err := c.GetCallerIdentity(ctx, src); err != nil {
			t.Fatal(err)
		}
		if n := srv.Requests() - before; n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})

	errCases := []struct {
		name string
		req  sts.AssumeRoleRequest
		code string
	}{
		{"duration over the role's max", func() sts.AssumeRoleRequest { r := req; r.DurationSeconds = 43200; return r }(), "InvalidParameter.DurationSeconds"},
		{"wrong external id", func() sts.AssumeRoleRequest { r := req; r.ExternalID = "nope-1"; return r }(), "NoPermission"},
		{"unknown role", func() sts.AssumeRoleRequest { r := req; r.RoleArn = "acs:ram::" + spokeAcct + ":role/none"; return r }(), "EntityNotExist.Role"},
		{"wrong secret", func() sts.AssumeRoleRequest {
			r := req
			r.Source.AccessKeySecret = "wrong-secret-wrong-secret"
			return r
		}(), "SignatureDoesNotMatch"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Requests()
			_, err := c.AssumeRole(ctx, tt.req)
			var ae *sts.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if n := srv.Requests() - before; n != 1 {
				t.Errorf("%d requests for a final error, want 1", n)
			}
			for _, secret := range []string{src.AccessKeySecret, src.SecurityToken, tt.req.Source.AccessKeySecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error carries a secret: %v", err)
				}
			}
		})
	}

	t.Run("expired source", func(t *testing.T) {
		srv.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
		defer srv.SetClock(nil)
		// The SDK's Timestamp is real time, two hours off the emulator's
		// clock: STS refuses the timestamp before it looks at the token.
		_, err := c.GetCallerIdentity(ctx, src)
		if !sts.IsCode(err, "InvalidTimeStamp.Expired") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("local checks", func(t *testing.T) {
		for _, r := range []sts.AssumeRoleRequest{
			{RoleArn: spoke, RoleSessionName: "alice"},
			{Source: src, RoleSessionName: "alice"},
			{Source: src, RoleArn: spoke, RoleSessionName: "a"},
			{Source: src, RoleArn: spoke, RoleSessionName: "alice", DurationSeconds: 100},
		} {
			before := srv.Requests()
			if _, err := c.AssumeRole(ctx, r); err == nil {
				t.Errorf("%+v: no error", r.RoleSessionName)
			}
			if srv.Requests() != before {
				t.Error("a request that cannot succeed was sent")
			}
		}
		if _, err := c.GetCallerIdentity(ctx, creds.Credentials{AccessKeyID: "x"}); err == nil {
			t.Error("GetCallerIdentity without a secret: no error")
		}
	})

	t.Run("context ends the wait", func(t *testing.T) {
		srv.InjectFaults(emulator.Fault{Status: 503, Delay: 2 * time.Second})
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.GetCallerIdentity(cctx, src)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}
