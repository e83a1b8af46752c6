package saml

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// benchResponse builds an Okta-shaped Response carrying n roles across
// several accounts, base64-encoded as an IdP POSTs it.
func benchResponse(n int) string {
	var roles strings.Builder
	for i := 0; i < n; i++ {
		account := fmt.Sprintf("12345678901234%02d", i%10)
		fmt.Fprintf(&roles, `<saml2:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">acs:ram::%s:role/role-%d,acs:ram::%s:saml-provider/corp-idp</saml2:AttributeValue>`, account, i, account)
	}
	doc := `<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:xs="http://www.w3.org/2001/XMLSchema" Destination="https://signin.aliyun.com/saml-role/sso" ID="id1" IssueInstant="2030-01-01T00:00:00.123Z" Version="2.0">` +
		`<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">http://www.okta.com/exk1</saml2:Issuer>` +
		`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="#id1"><ds:DigestValue>ZmFrZQ==</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>` + strings.Repeat("QUJD", 86) + `</ds:SignatureValue></ds:Signature>` +
		`<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>` +
		`<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="id2" IssueInstant="2030-01-01T00:00:00.123Z" Version="2.0"><saml2:Issuer>http://www.okta.com/exk1</saml2:Issuer>` +
		`<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="2030-01-01T00:05:00.123Z" Recipient="https://signin.aliyun.com/saml-role/sso"/></saml2:SubjectConfirmation></saml2:Subject>` +
		`<saml2:Conditions NotBefore="2029-12-31T23:55:00.123Z" NotOnOrAfter="2030-01-01T00:05:00.123Z"><saml2:AudienceRestriction><saml2:Audience>urn:alibaba:cloudcomputing</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>` +
		`<saml2:AuthnStatement AuthnInstant="2030-01-01T00:00:00.123Z" SessionNotOnOrAfter="2030-01-01T08:00:00Z"/>` +
		`<saml2:AttributeStatement><saml2:Attribute Name="` + AttrRole + `">` + roles.String() + `</saml2:Attribute>` +
		`<saml2:Attribute Name="` + AttrRoleSessionName + `"><saml2:AttributeValue>alice</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>` +
		`</saml2:Assertion></saml2p:Response>`
	return base64.StdEncoding.EncodeToString([]byte(doc))
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{1, 20, 200} {
		input := []byte(benchResponse(n))
		b.Run(fmt.Sprintf("roles=%d", n), func(b *testing.B) {
			r, err := Decode(input)
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Roles) != n {
				b.Fatalf("got %d roles, want %d", len(r.Roles), n)
			}
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBenchResponseFits makes sure the largest benchmark input is one STS
// would accept, so the benchmark measures a realistic case.
func TestBenchResponseFits(t *testing.T) {
	if n := len(benchResponse(200)); n > MaxAssertionChars {
		t.Fatalf("200-role response is %d base64 chars, over the STS limit", n)
	}
}
