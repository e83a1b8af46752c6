package testidp

import (
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

var roles = []string{
	RoleValue("1234567890123456", "admin", "okta"),
	RoleValue("1234567890123456", "readonly", "okta"),
	RoleValue("6543210987654321", "dev", "okta"),
}

func newIdP(t testing.TB) *IdP {
	t.Helper()
	p, err := New("https://idp.example.com/app/ramsso")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// find returns the elements named tag in namespace ns anywhere under el.
func find(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if el.Tag == tag && el.NamespaceURI() == ns {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, find(c, ns, tag)...)
	}
	return out
}

func hasSigChild(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			return true
		}
	}
	return false
}

// verify checks el's enveloped signature with goxmldsig against cert and
// returns the verified element.
func verify(t *testing.T, el *etree.Element, cert *x509.Certificate) (*etree.Element, error) {
	t.Helper()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	d, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		t.Fatal(err)
	}
	v := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	return v.Validate(d)
}

func TestStylesSignAndVerify(t *testing.T) {
	p := newIdP(t)
	other := newIdP(t)
	want := map[Style][2]bool{ // response, assertion signed
		StyleOkta: {true, true}, StyleEntraID: {false, true}, StyleADFS: {false, true},
		StyleKeycloak: {true, false}, StyleGoogle: {true, false}, StyleOneLogin: {false, true},
		StyleGeneric: {false, true},
	}
	if len(Styles()) != len(want) {
		t.Fatalf("Styles() = %v, want %d styles", Styles(), len(want))
	}
	for _, st := range Styles() {
		t.Run(string(st), func(t *testing.T) {
			x, err := p.ResponseXML(Options{Style: st, Roles: roles, SessionDuration: 7200})
			if err != nil {
				t.Fatal(err)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(x); err != nil {
				t.Fatalf("parse: %v", err)
			}
			resp := doc.Root()
			if resp.Tag != "Response" || resp.NamespaceURI() != nsProtocol {
				t.Fatalf("root is %s in %q", resp.Tag, resp.NamespaceURI())
			}
			as := find(resp, nsAssertion, "Assertion")
			if len(as) != 1 {
				t.Fatalf("%d assertions", len(as))
			}
			got := [2]bool{hasSigChild(resp), hasSigChild(as[0])}
			if got != want[st] {
				t.Fatalf("signed (response, assertion) = %v, want %v", got, want[st])
			}
			for i, el := range []*etree.Element{resp, as[0]} {
				if !got[i] {
					continue
				}
				// The signature sits right after the Issuer.
				kids := el.ChildElements()
				if kids[0].Tag != "Issuer" || kids[1].Tag != "Signature" {
					t.Errorf("%s children start %s, %s; want Issuer, Signature", el.Tag, kids[0].Tag, kids[1].Tag)
				}
				if _, err := verify(t, el, p.Certificate()); err != nil {
					t.Errorf("%s signature does not verify: %v", el.Tag, err)
				}
				if _, err := verify(t, el, other.Certificate()); err == nil {
					t.Errorf("%s signature verified against another IdP's certificate", el.Tag)
				}
			}
			for _, tag := range []string{"NameID", "SubjectConfirmationData", "Audience", "AuthnStatement"} {
				if len(find(as[0], nsAssertion, tag)) == 0 {
					t.Errorf("no %s", tag)
				}
			}
			nid := find(as[0], nsAssertion, "NameID")[0]
			if nid.SelectAttrValue("Format", "") == "" {
				t.Error("NameID has no Format")
			}
			if find(as[0], nsAssertion, "AuthnStatement")[0].SelectAttrValue("SessionNotOnOrAfter", "") == "" {
				t.Error("AuthnStatement has no SessionNotOnOrAfter")
			}
			var roleVals []string
			names := map[string]int{}
			for _, at := range find(as[0], nsAssertion, "Attribute") {
				name := at.SelectAttrValue("Name", "")
				names[name]++
				if name == AttrRole {
					for _, v := range find(at, nsAssertion, "AttributeValue") {
						roleVals = append(roleVals, v.Text())
					}
				}
			}
			if len(roleVals) != len(roles) {
				t.Fatalf("%d role values, want %d", len(roleVals), len(roles))
			}
			if names[AttrRoleSessionName] != 1 || names[AttrSessionDuration] != 1 {
				t.Errorf("attribute counts %v", names)
			}
			switch st {
			case StyleKeycloak:
				if names[AttrRole] != len(roles) {
					t.Errorf("keycloak: %d Role attributes, want one per value", names[AttrRole])
				}
			case StyleOneLogin:
				if !strings.HasPrefix(roleVals[0], "acs:ram::1234567890123456:saml-provider/okta , acs:ram") {
					t.Errorf("onelogin role value %q: want provider first, spaced comma", roleVals[0])
				}
			case StyleGoogle:
				if !strings.HasPrefix(roleVals[0], "\n") || !strings.HasSuffix(roleVals[0], " ") {
					t.Errorf("google role value %q: want surrounding whitespace", roleVals[0])
				}
			case StyleOkta:
				if !strings.Contains(string(x), `xsi:type="xs:string"`) || !strings.Contains(string(x), "<saml2p:Response") {
					t.Error("okta: want saml2p: prefix and xsi:type")
				}
			case StyleEntraID:
				if !strings.Contains(string(x), `<Response xmlns="urn:oasis:names:tc:SAML:2.0:protocol"`) ||
					!strings.Contains(string(x), "tenantid") {
					t.Error("entra: want default-namespace Response and extra claims")
				}
			case StyleADFS:
				if !strings.Contains(string(x), `<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"`) ||
					!strings.Contains(string(x), "SessionIndex=") {
					t.Error("adfs: want unprefixed Assertion and SessionIndex")
				}
			}
		})
	}
}

func TestTamperedSignatureFails(t *testing.T) {
	p := newIdP(t)
	doc, err := p.ResponseDocument(Options{Style: StyleGeneric, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	as := find(doc.Root(), nsAssertion, "Assertion")[0]
	v := find(as, nsAssertion, "AttributeValue")[0]
	v.SetText(RoleValue("9999999999999999", "admin", "okta"))
	if _, err := verify(t, as, p.Certificate()); err == nil {
		t.Fatal("a changed role value still verified")
	}
}

func TestOptions(t *testing.T) {
	p := newIdP(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		o    Options
		want []string
		not  []string
	}{
		{"international", Options{Site: "international", Now: now}, []string{AudienceInternational + "<", `Destination="` + SSOURLInternational, `Recipient="` + SSOURLInternational}, nil},
		{"china default", Options{Now: now}, []string{AudienceChina + "<", `Destination="` + SSOURLChina}, []string{"international"}},
		{"overrides", Options{Audience: "urn:x", Destination: "https://d", Recipient: "https://r"}, []string{">urn:x<", `Destination="https://d"`, `Recipient="https://r"`}, nil},
		{"lifetime", Options{Now: now, Lifetime: time.Hour}, []string{`NotOnOrAfter="2026-01-02T04:04:05Z"`, `NotBefore="2026-01-02T03:04:05Z"`}, nil},
		{"no session duration", Options{}, []string{AttrRoleSessionName}, []string{AttrSessionDuration}},
		{"omit session name", Options{OmitSessionName: true}, nil, []string{AttrRoleSessionName}},
		{"error status", Options{Status: StatusResponder, StatusMessage: "user not assigned"}, []string{StatusResponder, "user not assigned"}, []string{"Assertion"}},
		{"unsigned", Options{SignAssertion: Bool(false)}, nil, []string{"Signature"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Roles = roles[:1]
			x, err := p.ResponseXML(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(x), w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(string(x), n) {
					t.Errorf("unexpected %q", n)
				}
			}
		})
	}
	if _, err := p.ResponseXML(Options{Style: "nope"}); err == nil {
		t.Error("unknown style accepted")
	}
	if _, err := p.ResponseXML(Options{Site: "mars"}); err == nil {
		t.Error("unknown site accepted")
	}
	b64, err := p.Response(Options{Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := base64.StdEncoding.DecodeString(b64); err != nil {
		t.Errorf("Response is not standard base64: %v", err)
	}
}

func TestLoadRoundTripAndMetadata(t *testing.T) {
	p := newIdP(t)
	q, err := Load(p.KeyPEM(), p.CertPEM(), p.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := q.ResponseDocument(Options{Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	as := find(doc.Root(), nsAssertion, "Assertion")[0]
	if _, err := verify(t, as, p.Certificate()); err != nil {
		t.Errorf("loaded IdP's signature does not verify with the original cert: %v", err)
	}
	other := newIdP(t)
	if _, err := Load(other.KeyPEM(), p.CertPEM(), p.Issuer); err == nil {
		t.Error("mismatched key and certificate accepted")
	}
	if _, err := Load([]byte("junk"), p.CertPEM(), p.Issuer); err == nil {
		t.Error("junk key accepted")
	}
	md := etree.NewDocument()
	if err := md.ReadFromBytes(p.Metadata()); err != nil {
		t.Fatal(err)
	}
	if md.Root().SelectAttrValue("entityID", "") != p.Issuer {
		t.Error("metadata entityID")
	}
	certs := find(md.Root(), nsDSig, "X509Certificate")
	if len(certs) != 1 {
		t.Fatalf("%d certificates in metadata", len(certs))
	}
	der, err := base64.StdEncoding.DecodeString(certs[0].Text())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := x509.ParseCertificate(der); err != nil || !c.Equal(p.Certificate()) {
		t.Errorf("metadata certificate is not the signing certificate (%v)", err)
	}
	if got := RoleValue("1", "r", "p"); got != "acs:ram::1:role/r,acs:ram::1:saml-provider/p" {
		t.Errorf("RoleValue = %q", got)
	}
}
