package testidp_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// TestStylesDecodeAlike checks that every IdP style, however its XML is
// shaped, decodes through internal/saml to the same roles and attributes.
func TestStylesDecodeAlike(t *testing.T) {
	p, err := testidp.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	in := []string{
		testidp.RoleValue("1234567890123456", "admin", "okta"),
		testidp.RoleValue("1234567890123456", "readonly", "okta"),
		testidp.RoleValue("6543210987654321", "dev", "okta"),
	}
	want := []struct{ role, provider string }{
		{"acs:ram::1234567890123456:role/admin", "acs:ram::1234567890123456:saml-provider/okta"},
		{"acs:ram::1234567890123456:role/readonly", "acs:ram::1234567890123456:saml-provider/okta"},
		{"acs:ram::6543210987654321:role/dev", "acs:ram::6543210987654321:saml-provider/okta"},
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, st := range testidp.Styles() {
		for _, site := range []string{"china", "international"} {
			t.Run(string(st)+"/"+site, func(t *testing.T) {
				b64, err := p.Response(testidp.Options{Style: st, Roles: in, SessionName: "alice", SessionDuration: 7200, Site: site, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				r, err := saml.Decode([]byte(b64))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				var got []struct{ role, provider string }
				for _, role := range r.Roles {
					got = append(got, struct{ role, provider string }{role.RoleArn, role.ProviderArn})
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("roles = %v, want %v", got, want)
				}
				if r.Issuer != p.Issuer || r.SessionName != "alice" || r.SessionDuration != 7200 || r.Site != site {
					t.Errorf("issuer %q sessionName %q duration %d site %q", r.Issuer, r.SessionName, r.SessionDuration, r.Site)
				}
				if !r.NotOnOrAfter.Equal(now.Add(5 * time.Minute)) {
					t.Errorf("NotOnOrAfter = %v, want %v", r.NotOnOrAfter, now.Add(5*time.Minute))
				}
				if !r.Signed.Response && !r.Signed.Assertion {
					t.Error("decoder saw no signature")
				}
			})
		}
	}
}
