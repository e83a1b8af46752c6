package saml

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wantRoles is what every IdP-style fixture in testdata/ carries.
var wantRoles = []Role{
	{
		RoleArn:      "acs:ram::1234567890123456:role/admin",
		ProviderArn:  "acs:ram::1234567890123456:saml-provider/corp-idp",
		AccountID:    "1234567890123456",
		RoleName:     "admin",
		ProviderName: "corp-idp",
	},
	{
		RoleArn:      "acs:ram::1234567890123456:role/readonly",
		ProviderArn:  "acs:ram::1234567890123456:saml-provider/corp-idp",
		AccountID:    "1234567890123456",
		RoleName:     "readonly",
		ProviderName: "corp-idp",
	},
	{
		RoleArn:      "acs:ram::6543210987654321:role/deployer",
		ProviderArn:  "acs:ram::6543210987654321:saml-provider/corp-idp",
		AccountID:    "6543210987654321",
		RoleName:     "deployer",
		ProviderName: "corp-idp",
	},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeIdPStyles(t *testing.T) {
	const emailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	tests := []struct {
		file            string
		issuer          string
		subject         string
		subjectFormat   string
		destination     string
		recipient       string
		audiences       []string
		site            string
		signed          Signed
		sessionDuration int
		sessionNotAfter string
	}{
		{
			file: "okta.xml", issuer: "http://www.okta.com/exk1fcia6d6EMsf331d8",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLChina, recipient: SSOURLChina, audiences: []string{AudienceChina},
			site: SiteChina, signed: Signed{Response: true, Assertion: true},
			sessionDuration: 3600, sessionNotAfter: "2030-01-01T08:00:00Z",
		},
		{
			file: "entra.xml", issuer: "https://sts.windows.net/0b7e1d5e-1111-2222-3333-444455556666/",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLInternational, recipient: SSOURLInternational,
			audiences: []string{AudienceInternational}, site: SiteInternational,
			signed: Signed{Assertion: true}, sessionNotAfter: "2030-01-01T08:00:00Z",
		},
		{
			file: "adfs.xml", issuer: "http://adfs.example.com/adfs/services/trust",
			subject: `EXAMPLE\alice`, subjectFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
			destination: SSOURLChina, recipient: SSOURLChina, audiences: []string{AudienceChina},
			site: SiteChina, signed: Signed{Assertion: true},
		},
		{
			file: "keycloak.xml", issuer: "https://keycloak.example.com/realms/corp",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLChina, recipient: SSOURLChina,
			audiences: []string{AudienceChina, "https://keycloak.example.com/extra-audience"},
			site:      SiteChina, signed: Signed{Response: true, Assertion: true},
			sessionDuration: 7200, sessionNotAfter: "2030-01-01T08:00:00Z",
		},
		{
			file: "google.xml", issuer: "https://accounts.google.com/o/saml2?idpid=C0abcdefg",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLChina, recipient: SSOURLChina, audiences: []string{AudienceChina},
			site: SiteChina,
		},
		{
			file: "onelogin.xml", issuer: "https://app.onelogin.com/saml/metadata/1a2b3c4d",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLChina, recipient: SSOURLChina, audiences: []string{AudienceChina},
			site: SiteChina, signed: Signed{Response: true}, sessionNotAfter: "2030-01-01T08:00:00Z",
		},
		{
			file: "tricky.xml", issuer: "https://idp.example.com/tricky?tenant=a&env=prod",
			subject: "alice@example.com", subjectFormat: emailFormat,
			destination: SSOURLChina, recipient: SSOURLChina, audiences: []string{AudienceChina},
			site: SiteChina,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := readFixture(t, tt.file)
			r, err := Decode(doc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(r.Roles, wantRoles) {
				t.Errorf("Roles =\n%+v\nwant\n%+v", r.Roles, wantRoles)
			}
			check := func(name string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			check("Issuer", r.Issuer, tt.issuer)
			check("Subject", r.Subject, tt.subject)
			check("SubjectFormat", r.SubjectFormat, tt.subjectFormat)
			check("Destination", r.Destination, tt.destination)
			check("Recipient", r.Recipient, tt.recipient)
			check("Audiences", r.Audiences, tt.audiences)
			check("Site", r.Site, tt.site)
			check("Signed", r.Signed, tt.signed)
			check("SessionName", r.SessionName, "alice")
			check("SessionDuration", r.SessionDuration, tt.sessionDuration)
			check("NotBefore", FormatTime(r.NotBefore), "2029-12-31T23:55:00Z")
			check("NotOnOrAfter", FormatTime(r.NotOnOrAfter), "2030-01-01T00:04:00Z")
			check("SessionNotOnOrAfter", FormatTime(r.SessionNotOnOrAfter), tt.sessionNotAfter)
			check("Base64", r.Base64, base64.StdEncoding.EncodeToString(doc))
		})
	}
}

// TestDecodeEncodings feeds one Response in every input form Decode
// detects and checks each gives the same roles and the same Base64.
func TestDecodeEncodings(t *testing.T) {
	doc := readFixture(t, "okta.xml")
	std := base64.StdEncoding.EncodeToString(doc)
	if !strings.Contains(std, "+") || !strings.Contains(std, "/") {
		t.Fatal("fixture's base64 has no '+' or '/': the '+' and URL-safe cases would prove nothing")
	}
	wrap := func(s string, n int, sep string) string {
		var b strings.Builder
		for len(s) > n {
			b.WriteString(s[:n] + sep)
			s = s[n:]
		}
		b.WriteString(s)
		return b.String()
	}
	urlSafe := base64.RawURLEncoding.EncodeToString(doc)
	tests := []struct {
		name  string
		input string
	}{
		{"raw XML", string(doc)},
		{"raw XML after whitespace and BOM", "\ufeff \n\t" + string(doc)},
		{"standard base64", std},
		{"standard base64 with surrounding newlines", "\n" + std + "\n"},
		{"unpadded base64", strings.TrimRight(std, "=")},
		{"URL-safe unpadded", urlSafe},
		{"URL-safe padded", base64.URLEncoding.EncodeToString(doc)},
		{"wrapped at 76 with CRLF", wrap(std, 76, "\r\n")},
		{"wrapped at 64 with indentation", wrap(std, 64, "\n    ")},
		{"plus turned into space", strings.ReplaceAll(std, "+", " ")},
		{"plus turned into space and wrapped", wrap(strings.ReplaceAll(std, "+", " "), 60, "\n")},
		{"form body, escaped", url.Values{"SAMLResponse": {std}, "RelayState": {"https://home.console.aliyun.com/?a=b&c=d"}}.Encode()},
		{"form body, wrapped base64 escaped", "SAMLResponse=" + url.QueryEscape(wrap(std, 76, "\r\n"))},
		{"form body, '+' not escaped by the IdP", "RelayState=x&SAMLResponse=" + std},
		{"form body, nothing escaped, trailing newline", "SAMLResponse=" + std + "\n"},
		{"form body after a URL", "https://signin.aliyun.com/saml-role/sso?SAMLResponse=" + url.QueryEscape(std)},
		{"form body carrying raw XML", "SAMLResponse=" + url.QueryEscape(string(doc))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode([]byte(tt.input))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(r.Roles, wantRoles) {
				t.Errorf("Roles = %+v, want %+v", r.Roles, wantRoles)
			}
			want := std
			if strings.HasPrefix(tt.input, "\ufeff") {
				// Raw XML is kept byte for byte after its byte order mark.
				want = base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(tt.input, "\ufeff")))
			}
			if r.Base64 != want {
				t.Errorf("Base64 differs from the standard base64 of the XML as received")
			}
		})
	}
}

func TestDecodeReader(t *testing.T) {
	doc := readFixture(t, "google.xml")
	r, err := DecodeReader(bytes.NewReader([]byte(base64.StdEncoding.EncodeToString(doc))))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Roles, wantRoles) {
		t.Errorf("Roles = %+v", r.Roles)
	}

	// An endless input is refused after MaxInputBytes, not read to the end.
	endless := &countingReader{}
	_, err = DecodeReader(endless)
	assertCode(t, err, CodeTooLarge)
	if endless.n > MaxInputBytes+64*1024 {
		t.Errorf("read %d bytes of an endless input, want about %d", endless.n, MaxInputBytes)
	}

	_, err = DecodeReader(failingReader{})
	assertCode(t, err, CodeReadError)
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	c.n += len(p)
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func assertCode(t *testing.T, err error, code string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want code %s", code)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	if strings.ContainsAny(e.Message, "\n\r") {
		t.Errorf("message is not one line: %q", e.Message)
	}
	return e
}

// response builds a minimal Response around an assertion body.
func response(status, assertions string) string {
	return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0">` +
		status + assertions + `</samlp:Response>`
}

const success = `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`

func assertion(attrs string) string {
	return `<saml:Assertion ID="_a" Version="2.0"><saml:Issuer>https://idp</saml:Issuer><saml:AttributeStatement>` +
		attrs + `</saml:AttributeStatement></saml:Assertion>`
}

func roleAttr(values ...string) string {
	s := `<saml:Attribute Name="` + AttrRole + `">`
	for _, v := range values {
		s += `<saml:AttributeValue>` + v + `</saml:AttributeValue>`
	}
	return s + `</saml:Attribute>`
}

const goodPair = "acs:ram::1234567890123456:role/admin,acs:ram::1234567890123456:saml-provider/corp-idp"

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		code     string
		contains []string
	}{
		{"empty", "", CodeInvalidEncoding, nil},
		{"only whitespace", " \n\t ", CodeInvalidEncoding, nil},
		{"not base64", "this is not a SAML response!", CodeInvalidEncoding, nil},
		{"base64 of text", base64.StdEncoding.EncodeToString([]byte("hello, world")), CodeInvalidEncoding, nil},
		{"empty form field", "SAMLResponse=&RelayState=x", CodeInvalidEncoding, []string{"empty"}},
		{"bad form escape", "SAMLResponse=%zz", CodeInvalidEncoding, []string{"URL encoding"}},
		{"truncated XML", `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status>`, CodeInvalidXML, nil},
		{"mismatched tags", `<a><b></a></b>`, CodeInvalidXML, nil},
		{"undefined entity", response(success, assertion(roleAttr("&xxe;"))), CodeInvalidXML, nil},
		{"DTD with entity", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + response(success, assertion(roleAttr(goodPair))), CodeInvalidXML, []string{"DTD"}},
		{"directive inside", response(success, `<!DOCTYPE x>`+assertion(roleAttr(goodPair))), CodeInvalidXML, []string{"DTD"}},
		{"two roots", response(success, assertion(roleAttr(goodPair))) + `<x/>`, CodeInvalidXML, []string{"more than one"}},
		{"text after root", response(success, assertion(roleAttr(goodPair))) + `junk`, CodeInvalidXML, nil},
		{"AuthnRequest", `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>`, CodeNotSAMLResponse, []string{"samlp:AuthnRequest", "request"}},
		{"LogoutResponse", `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x">` + success + `</samlp:LogoutResponse>`, CodeNotSAMLResponse, []string{"LogoutResponse", "logout"}},
		{"random XML", `<html><body>Login failed</body></html>`, CodeNotSAMLResponse, []string{"html"}},
		{"bare assertion", `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>`, CodeNotSAMLResponse, []string{"Assertion"}},
		{"Response in another namespace", `<samlp:Response xmlns:samlp="urn:example:fake"/>`, CodeNotSAMLResponse, []string{"urn:example:fake"}},
		{"unprefixed Response without namespace", `<Response/>`, CodeNotSAMLResponse, nil},
		{"no assertion", response(success, ""), CodeNotSAMLResponse, []string{"no Assertion"}},
		{
			"IdP error with nested code and message",
			response(`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode><samlp:StatusMessage>User is not
 assigned to this application</samlp:StatusMessage></samlp:Status>`, ""),
			CodeIDPError, []string{"Responder/RequestDenied", "User is not assigned to this application"},
		},
		{"IdP error without message", response(`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status>`, assertion(roleAttr(goodPair))), CodeIDPError, []string{"Requester"}},
		{"no status", response("", assertion(roleAttr(goodPair))), CodeIDPError, []string{"no Status"}},
		{"encrypted assertion", response(success, `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>`), CodeEncryptedAssertion, []string{"encrypt"}},
		{"two assertions", response(success, assertion(roleAttr(goodPair))+assertion(roleAttr(goodPair))), CodeMultipleAssertions, []string{"2 assertions"}},
		{"no role attribute", response(success, assertion(`<saml:Attribute Name="email"><saml:AttributeValue>a@b</saml:AttributeValue></saml:Attribute>`)), CodeNoRoles, []string{AttrRole, "email"}},
		{"no attributes at all", response(success, assertion("")), CodeNoRoles, []string{AttrRole, "no attributes"}},
		{"role attribute name differs in case", response(success, assertion(strings.Replace(roleAttr(goodPair), "SAML-Role", "saml-role", 1))), CodeNoRoles, []string{AttrRole, "https://www.aliyun.com/saml-role/Attributes/Role"}},
		{"only invalid role values", response(success, assertion(roleAttr("admin", "acs:ram::1:role/a"))), CodeNoRoles, []string{AttrRole, `"admin"`, "2 value(s)"}},
		{"empty role attribute", response(success, assertion(roleAttr())), CodeNoRoles, []string{"no values"}},
		{"too large XML", response(success, assertion(roleAttr(goodPair)+strings.Repeat(" ", MaxAssertionChars))), CodeTooLarge, []string{"100000"}},
		{"too large base64", strings.Repeat("QUFB", MaxAssertionChars/4+1), CodeTooLarge, nil},
		{"too large input", strings.Repeat("A", MaxInputBytes+1), CodeTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.input))
			e := assertCode(t, err, tt.code)
			for _, s := range tt.contains {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not contain %q", e.Message, s)
				}
			}
		})
	}
}

// TestErrorsDoNotLeak checks the assertion's content never reaches an
// error message, even when the input is mangled.
func TestErrorsDoNotLeak(t *testing.T) {
	doc := readFixture(t, "okta.xml")
	std := base64.StdEncoding.EncodeToString(doc)
	for _, input := range []string{
		std[:len(std)/2],                   // truncated base64
		string(doc[:len(doc)/2]),           // truncated XML
		"SAMLResponse=" + std[:len(std)-7], // truncated form
	} {
		_, err := Decode([]byte(input))
		if err == nil {
			t.Fatalf("Decode(truncated) succeeded")
		}
		if strings.Contains(err.Error(), std[:40]) || strings.Contains(err.Error(), "ZmFrZS1zaWduYXR1cmU") {
			t.Errorf("error leaks the assertion: %v", err)
		}
	}
}

func TestDecodeRoleVariations(t *testing.T) {
	admin := wantRoles[0]
	readonly := wantRoles[1]
	deployer := wantRoles[2]
	tests := []struct {
		name  string
		attrs string
		want  []Role
	}{
		{"one", roleAttr(goodPair), []Role{admin}},
		{"provider first", roleAttr(" acs:ram::1234567890123456:saml-provider/corp-idp , acs:ram::1234567890123456:role/admin "), []Role{admin}},
		{"newlines around comma", roleAttr("\n\tacs:ram::1234567890123456:role/admin\n,\n\tacs:ram::1234567890123456:saml-provider/corp-idp\n"), []Role{admin}},
		{"duplicates in both orders", roleAttr(goodPair, goodPair, "acs:ram::1234567890123456:saml-provider/corp-idp,acs:ram::1234567890123456:role/admin"), []Role{admin}},
		{"several attributes keep document order", roleAttr(wantRoles[2].TargetRole()) + roleAttr(goodPair, wantRoles[1].TargetRole()), []Role{deployer, admin, readonly}},
		{"invalid values skipped", roleAttr("garbage", goodPair, "acs:ram::1:role/x,acs:ram::1:role/y", ""), []Role{admin}},
		{"comment and CDATA inside", roleAttr("acs:ram::1234567890123456:<!--x-->role/admin<![CDATA[,acs:ram::1234567890123456:]]>saml-provider/corp-idp"), []Role{admin}},
		{"entities", roleAttr("acs:ram::1234567890123456:role/admin&#44;acs:ram::1234567890123456:saml&#x2d;provider/corp-idp"), []Role{admin}},
		{"xsi:type ignored", `<saml:Attribute Name="` + AttrRole + `"><saml:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xsd:string">` + goodPair + `</saml:AttributeValue></saml:Attribute>`, []Role{admin}},
		{"other attributes ignored", `<saml:Attribute Name="groups"><saml:AttributeValue>` + goodPair + `</saml:AttributeValue></saml:Attribute>` + roleAttr(readonly.TargetRole()), []Role{readonly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode([]byte(response(success, assertion(tt.attrs))))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(r.Roles, tt.want) {
				t.Errorf("Roles = %+v, want %+v", r.Roles, tt.want)
			}
		})
	}
}

func TestDecodeStatementsAndSite(t *testing.T) {
	a := `<saml:Assertion ID="_a"><saml:Issuer>https://assertion-issuer</saml:Issuer>` +
		`<saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="2030-01-01T00:10:00Z" Recipient="https://signin.alibabacloud.com/saml-role/sso"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotOnOrAfter="2030-01-01T00:09:59.999Z"/>` +
		`<saml:AttributeStatement>` + roleAttr(goodPair) + `</saml:AttributeStatement>` +
		`<saml:AttributeStatement><saml:Attribute Name="` + AttrSessionDuration + `"><saml:AttributeValue>900</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
		`</saml:Assertion>`
	r, err := Decode([]byte(response(success, a)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Issuer != "https://assertion-issuer" {
		t.Errorf("Issuer = %q, want the Assertion's when the Response has none", r.Issuer)
	}
	if r.Site != SiteInternational {
		t.Errorf("Site = %q, want international from the Recipient host", r.Site)
	}
	if got := FormatTime(r.NotOnOrAfter); got != "2030-01-01T00:09:59Z" {
		t.Errorf("NotOnOrAfter = %s, want the earlier Conditions value", got)
	}
	if r.SessionDuration != 900 {
		t.Errorf("SessionDuration = %d, want 900 from the second statement", r.SessionDuration)
	}
	if len(r.Audiences) != 0 || r.Audiences == nil {
		t.Errorf("Audiences = %#v, want empty non-nil", r.Audiences)
	}
}

func TestSummaryJSON(t *testing.T) {
	r, err := Decode(readFixture(t, "okta.xml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(r.Summary(mustTime("2030-01-01T00:03:00Z")), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := readFixture(t, "okta.summary.json")
	if string(got)+"\n" != string(want) {
		t.Errorf("summary JSON =\n%s\nwant\n%s", got, want)
	}
	if s := r.Summary(mustTime("2030-01-01T00:04:00Z")); !s.Expired {
		t.Error("Expired = false at NotOnOrAfter")
	}

	empty, err := json.Marshal((&Response{}).Summary(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	const wantEmpty = `{"issuer":"","subject":"","subjectFormat":"","destination":"","recipient":"","audiences":[],"site":"","notBefore":"","notOnOrAfter":"","sessionNotOnOrAfter":"","expired":false,"sessionName":"","sessionDuration":0,"signed":{"response":false,"assertion":false},"roles":[]}`
	if string(empty) != wantEmpty {
		t.Errorf("empty summary =\n%s\nwant\n%s", empty, wantEmpty)
	}
}

func TestErrorJSON(t *testing.T) {
	_, err := Decode([]byte("<x/>"))
	got, _ := json.Marshal(NewErrorJSON(err))
	if !strings.HasPrefix(string(got), `{"error":{"code":"not_saml_response","message":"The document is not a SAML Response`) {
		t.Errorf("ErrorJSON = %s", got)
	}
	wrapped := NewErrorJSON(errors.Join(errors.New("context"), &Error{Code: CodeNoRoles, Message: "m"}))
	if wrapped.Error.Code != CodeNoRoles {
		t.Errorf("wrapped code = %q", wrapped.Error.Code)
	}
	other := NewErrorJSON(io.ErrUnexpectedEOF)
	if other.Error.Code != CodeUnknown || other.Error.Message != io.ErrUnexpectedEOF.Error() {
		t.Errorf("other = %+v", other)
	}
}

func TestExpired(t *testing.T) {
	end := mustTime("2030-01-01T00:05:00Z")
	tests := []struct {
		name string
		nooa time.Time
		now  time.Time
		want bool
	}{
		{"unknown never expires", time.Time{}, end, false},
		{"before", end, end.Add(-time.Second), false},
		{"at", end, end, true},
		{"after", end, end.Add(time.Hour), true},
	}
	for _, tt := range tests {
		if got := (&Response{NotOnOrAfter: tt.nooa}).Expired(tt.now); got != tt.want {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2030-01-01T00:04:00Z", "2030-01-01T00:04:00Z"},
		{" 2030-01-01T00:04:00z ", "2030-01-01T00:04:00Z"},
		{"2030-01-01T00:04:00.9Z", "2030-01-01T00:04:00Z"},
		{"2030-01-01T00:04:00.999999999999Z", "2030-01-01T00:04:00Z"},
		{"2030-01-01T08:04:00+08:00", "2030-01-01T00:04:00Z"},
		{"2029-12-31T19:04:00.5-05:00", "2030-01-01T00:04:00Z"},
		{"2030-01-01T00:04:00", "2030-01-01T00:04:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"2030-01-01T00:04:00.Z", ""},
		{"2030-01-01T00:04:00.12aZ", ""},
		{"2030-13-01T00:04:00Z", ""},
		{"2030-01-01T00:04:00+99:00", ""},
	}
	for _, tt := range tests {
		if got := FormatTime(parseTime(tt.in)); got != tt.want {
			t.Errorf("parseTime(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		err  bool
	}{
		{in: goodPair, want: wantRoles[0]},
		{in: " acs:ram::1234567890123456:saml-provider/corp-idp ,\n acs:ram::1234567890123456:role/admin\t", want: wantRoles[0]},
		{in: "acs:ram::1234567890123456:role/admin", want: Role{RoleArn: "acs:ram::1234567890123456:role/admin", AccountID: "1234567890123456", RoleName: "admin"}},
		{in: "acs:ram::1:role/path/name,acs:ram::1:saml-provider/p", want: Role{RoleArn: "acs:ram::1:role/path/name", ProviderArn: "acs:ram::1:saml-provider/p", AccountID: "1", RoleName: "path/name", ProviderName: "p"}},
		{in: "ACS:RAM::1:ROLE/Admin,acs:ram::1:saml-provider/p", want: Role{RoleArn: "ACS:RAM::1:ROLE/Admin", ProviderArn: "acs:ram::1:saml-provider/p", AccountID: "1", RoleName: "Admin", ProviderName: "p"}},
		{in: "", err: true},
		{in: "admin", err: true},
		{in: "acs:ram::1:role/", err: true},
		{in: "acs:ram:::role/a", err: true},
		{in: "acs:ecs::1:role/a", err: true},
		{in: "acs:ram::1:saml-provider/p", err: true},
		{in: "acs:ram::1:role/a,acs:ram::1:role/b", err: true},
		{in: "acs:ram::1:saml-provider/a,acs:ram::1:saml-provider/b", err: true},
		{in: "acs:ram::1:role/a,acs:ram::1:saml-provider/p,x", err: true},
		{in: "acs:ram::1:role/a b,acs:ram::1:saml-provider/p", err: true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseRole(%q) = %+v, want an error", tt.in, got)
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidRole {
				t.Errorf("ParseRole(%q) error = %v, want code %s", tt.in, err, CodeInvalidRole)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRole(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseRole(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if got := wantRoles[0].TargetRole(); got != goodPair {
		t.Errorf("TargetRole = %q", got)
	}
}

func TestResponseRole(t *testing.T) {
	r := &Response{Roles: wantRoles}
	if got, ok := r.Role(" ACS:RAM::6543210987654321:ROLE/DEPLOYER "); !ok || got != wantRoles[2] {
		t.Errorf("Role = %+v, %v", got, ok)
	}
	if _, ok := r.Role("acs:ram::1:role/none"); ok {
		t.Error("Role found a role that is not there")
	}
}
