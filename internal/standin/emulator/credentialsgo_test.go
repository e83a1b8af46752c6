package emulator_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// TestAssumeRoleThroughCredentialsGo: credentials-go's own RAM role ARN
// provider (an independent implementation of Alibaba's RPC signer, which
// puts RoleArn, RoleSessionName and DurationSeconds in the POST body and
// the signature parameters in the query) chains from an emulator-issued
// STS session. It only speaks HTTPS, so the emulator runs under TLS here.
func TestAssumeRoleThroughCredentialsGo(t *testing.T) {
	cfg := baseConfig()
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv)
	defer hs.Close()
	// credentials-go clones http.DefaultTransport: trust the test server
	// there for this test only.
	dt := http.DefaultTransport.(*http.Transport)
	old := dt.TLSClientConfig
	dt.TLSClientConfig = &tls.Config{RootCAs: hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, MinVersion: tls.VersionTLS12}
	defer func() { dt.TLSClientConfig = old }()

	now := time.Now().UTC().Truncate(time.Second)
	srv.SetClock(func() time.Time { return now })
	e := &env{t: t, srv: srv, url: hs.URL, now: now}
	a := e.post(form(e.response(testidp.Options{}), roleAdmin, provider))
	if a.status != 200 {
		t.Fatalf("AssumeRoleWithSAML: %s", a.raw)
	}
	src := struct{ AccessKeyId, AccessKeySecret, SecurityToken string }{
		a.str("Credentials", "AccessKeyId"), a.str("Credentials", "AccessKeySecret"), a.str("Credentials", "SecurityToken")}
	u, _ := url.Parse(hs.URL)

	p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(src.AccessKeyId).WithAccessKeySecret(src.AccessKeySecret).WithSecurityToken(src.SecurityToken).
		WithRoleArn(roleDev).WithRoleSessionName("alice").WithDurationSeconds(7200).
		WithStsEndpoint(u.Host).Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("credentials-go AssumeRole: %v", err)
	}
	if !srv.Issued(got.AccessKeyId, got.AccessKeySecret, got.SecurityToken) {
		t.Fatal("credentials-go got credentials the emulator did not issue")
	}

	// A wrong secret fails the signature check there too.
	bad, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(src.AccessKeyId).WithAccessKeySecret("not-the-secret").WithSecurityToken(src.SecurityToken).
		WithRoleArn(roleDev).WithRoleSessionName("alice").WithStsEndpoint(u.Host).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.GetCredentials(); err == nil {
		t.Fatal("a wrong secret was accepted")
	} else if !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
	}
}
