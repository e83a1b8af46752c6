package emulator_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

func TestSuccessEveryStyle(t *testing.T) {
	e := newEnv(t, nil)
	for _, st := range testidp.Styles() {
		for _, site := range []string{"china", "international"} {
			t.Run(string(st)+"/"+site, func(t *testing.T) {
				b64 := e.response(testidp.Options{Style: st, Site: site, Subject: "alice@example.com"})
				for _, role := range []struct{ arn, prov, name, acct string }{
					{roleAdmin, provider, "admin", acct},
					{roleDev, provider2, "dev", acct2},
				} {
					a := e.post(form(b64, role.arn, role.prov))
					if a.status != 200 {
						t.Fatalf("%s: status %d: %s", role.arn, a.status, a.raw)
					}
					checkSuccess(t, a, e.now.Add(time.Hour))
					if got, want := a.str("AssumedRoleUser", "Arn"), "acs:ram::"+role.acct+":assumed-role/"+role.name+"/alice"; got != want {
						t.Errorf("Arn = %q, want %q", got, want)
					}
					wantRcpt := testidp.SSOURLChina
					if site == "international" {
						wantRcpt = testidp.SSOURLInternational
					}
					if got := a.str("SAMLAssertionInfo", "Recipient"); got != wantRcpt {
						t.Errorf("Recipient = %q, want %q", got, wantRcpt)
					}
					if got := a.str("SAMLAssertionInfo", "Issuer"); got != idpMain.Issuer {
						t.Errorf("Issuer = %q", got)
					}
					if got := a.str("SAMLAssertionInfo", "Subject"); got != "alice@example.com" {
						t.Errorf("Subject = %q", got)
					}
					if got := a.str("SAMLAssertionInfo", "SubjectType"); got == "" || strings.HasPrefix(got, "urn:") {
						t.Errorf("SubjectType = %q, want the format without its urn prefix", got)
					}
				}
			})
		}
	}
}

var (
	akRe      = regexp.MustCompile(`^STS\.[A-Za-z0-9]{20,30}$`)
	requestRe = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
)

func checkSuccess(t *testing.T, a answer, wantExpiry time.Time) {
	t.Helper()
	if !akRe.MatchString(a.str("Credentials", "AccessKeyId")) {
		t.Errorf("AccessKeyId %q does not look like an STS key", a.str("Credentials", "AccessKeyId"))
	}
	if len(a.str("Credentials", "AccessKeySecret")) < 30 {
		t.Error("AccessKeySecret too short")
	}
	if tok := a.str("Credentials", "SecurityToken"); len(tok) < 1000 || !strings.HasPrefix(tok, "CAIS") {
		t.Errorf("SecurityToken of %d chars, want a realistic 1000+ char CAIS… token", len(tok))
	}
	if got, want := a.str("Credentials", "Expiration"), wantExpiry.UTC().Format("2006-01-02T15:04:05Z"); got != want {
		t.Errorf("Expiration = %q, want %q", got, want)
	}
	if !requestRe.MatchString(a.str("RequestId")) {
		t.Errorf("RequestId %q", a.str("RequestId"))
	}
	if id := a.str("AssumedRoleUser", "AssumedRoleId"); !regexp.MustCompile(`^\d{18}:alice$`).MatchString(id) {
		t.Errorf("AssumedRoleId = %q", id)
	}
}

func TestDurations(t *testing.T) {
	e := newEnv(t, nil)
	b64 := e.response(testidp.Options{})
	tests := []struct {
		role, dur string
		status    int
		expiry    time.Duration
	}{
		{roleAdmin, "", 200, time.Hour},
		{roleAdmin, "900", 200, 15 * time.Minute},
		{roleAdmin, "43200", 200, 12 * time.Hour},
		{roleAdmin, "899", 400, 0},
		{roleAdmin, "43201", 400, 0},
		{roleAdmin, "1h", 400, 0},
		{roleRO, "3600", 200, time.Hour},
		{roleRO, "3601", 400, 0}, // over the role's MaxSessionDuration
		{roleDev, "7200", 200, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.role+"/"+tt.dur, func(t *testing.T) {
			f := form(b64, tt.role, provider)
			if tt.role == roleDev {
				f.Set("SAMLProviderArn", provider2)
			}
			if tt.dur != "" {
				f.Set("DurationSeconds", tt.dur)
			}
			a := e.post(f)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.status == 200 {
				checkSuccess(t, a, e.now.Add(tt.expiry))
			} else if a.str("Code") != "InvalidParameter.DurationSeconds" {
				t.Errorf("Code = %q", a.str("Code"))
			}
		})
	}
}

func TestRejections(t *testing.T) {
	e := newEnv(t, nil)
	good := e.response(testidp.Options{})
	withForm := func(mod func(url.Values)) url.Values {
		f := form(good, roleAdmin, provider)
		mod(f)
		return f
	}
	withAssertion := func(b64 string) url.Values { return form(b64, roleAdmin, provider) }
	edited := func(o testidp.Options, edit func(doc *etree.Document)) url.Values {
		doc := e.document(o)
		edit(doc)
		return withAssertion(encode(t, doc))
	}
	unsigned, err := idpMain.Response(testidp.Options{Roles: defaultRoles, SessionName: "alice", Now: e.now,
		SignAssertion: testidp.Bool(false), SignResponse: testidp.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := idpOther.Response(testidp.Options{Roles: defaultRoles, SessionName: "alice", Now: e.now, Style: testidp.StyleOkta})
	if err != nil {
		t.Fatal(err)
	}
	const (
		inv = "AuthenticationFail.SAMLAssertion.Invalid"
		exp = "AuthenticationFail.SAMLAssertion.Expired"
	)
	tests := []struct {
		name   string
		f      url.Values
		status int
		code   string
	}{
		{"missing SAMLAssertion", withForm(func(f url.Values) { f.Del("SAMLAssertion") }), 400, "MissingParameter.SAMLAssertion"},
		{"missing SAMLProviderArn", withForm(func(f url.Values) { f.Del("SAMLProviderArn") }), 400, "MissingParameter.SAMLProviderArn"},
		{"missing RoleArn", withForm(func(f url.Values) { f.Del("RoleArn") }), 400, "MissingParameter.RoleArn"},
		{"missing Action", withForm(func(f url.Values) { f.Del("Action") }), 400, "MissingParameter"},
		{"other Action", withForm(func(f url.Values) { f.Set("Action", "AssumeRoleWithOIDC") }), 404, "InvalidAction.NotFound"},
		{"AssumeRole unsigned", withForm(func(f url.Values) { f.Set("Action", "AssumeRole") }), 400, "MissingParameter"},
		{"missing Version", withForm(func(f url.Values) { f.Del("Version") }), 400, "MissingParameter"},
		{"wrong Version", withForm(func(f url.Values) { f.Set("Version", "2019-01-01") }), 400, "InvalidVersion"},
		{"unknown provider", withForm(func(f url.Values) { f.Set("SAMLProviderArn", "acs:ram::"+acct+":saml-provider/nope") }), 404, "EntityNotExist.SAMLProvider"},
		{"unknown role", withForm(func(f url.Values) { f.Set("RoleArn", "acs:ram::"+acct+":role/nope") }), 404, "EntityNotExist.RoleArn"},
		{"bad policy", withForm(func(f url.Values) { f.Set("Policy", "{not json") }), 400, "InvalidParameter.PolicyGrammar"},
		{"policy too long", withForm(func(f url.Values) { f.Set("Policy", `{"x":"`+strings.Repeat("a", 2100)+`"}`) }), 400, "InvalidParameter.PolicySize"},
		{"assertion too large", withAssertion(strings.Repeat("A", 100004)), 400, "InvalidParameter.SAMLAssertion"},
		{"invalid base64", withAssertion("!!!not base64!!!"), 401, inv},
		{"not XML", withAssertion(base64.StdEncoding.EncodeToString([]byte("hello, world"))), 401, inv},
		{"not a Response", withAssertion(base64.StdEncoding.EncodeToString([]byte(`<a xmlns="urn:x"/>`))), 401, inv},
		{"unsigned", withAssertion(unsigned), 401, inv},
		{"signed by another IdP's key", withAssertion(forged), 401, inv},
		{"IdP error status", withAssertion(e.response(testidp.Options{Status: testidp.StatusResponder})), 401, inv},
		{"wrong audience", withAssertion(e.response(testidp.Options{Audience: "urn:amazon:webservices"})), 401, inv},
		{"wrong recipient", withAssertion(e.response(testidp.Options{Recipient: "https://signin.aws.amazon.com/saml"})), 401, inv},
		{"wrong destination", withAssertion(e.response(testidp.Options{Destination: "https://evil.example.com/sso"})), 401, inv},
		{"role not in Role attribute", form(good, roleLone, provider), 401, inv},
		{"role with another account's provider", form(good, roleAdmin, provider2), 401, inv},
		{"missing RoleSessionName", withAssertion(e.response(testidp.Options{OmitSessionName: true})), 400, "InvalidParameter.RoleSessionName"},
		{"invalid RoleSessionName", withAssertion(e.response(testidp.Options{SessionName: "alice smith!"})), 400, "InvalidParameter.RoleSessionName"},
		{"RoleSessionName too short", withAssertion(e.response(testidp.Options{SessionName: "a"})), 400, "InvalidParameter.RoleSessionName"},
		{"expired", withAssertion(e.response(testidp.Options{Now: e.now.Add(-10 * time.Minute)})), 401, exp},
		{"expired beyond skew", withAssertion(e.response(testidp.Options{Now: e.now.Add(-7*time.Minute - 30*time.Second)})), 401, exp},
		{"not yet valid", withAssertion(e.response(testidp.Options{Now: e.now.Add(10 * time.Minute)})), 401, inv},
		{"changed digest: role edited after signing", edited(testidp.Options{}, func(doc *etree.Document) {
			v := findNS(doc.Root(), nsA, "AttributeValue")[0]
			v.SetText(testidp.RoleValue(acct, "notgranted", "okta"))
		}), 401, inv},
		{"changed digest: response-signed style", edited(testidp.Options{Style: testidp.StyleKeycloak}, func(doc *etree.Document) {
			findNS(doc.Root(), nsA, "NameID")[0].SetText("mallory@example.com")
		}), 401, inv},
		{"changed digest: signature value", edited(testidp.Options{}, func(doc *etree.Document) {
			sv := findNS(doc.Root(), "http://www.w3.org/2000/09/xmldsig#", "SignatureValue")[0]
			b, _ := base64.StdEncoding.DecodeString(sv.Text())
			b[10] ^= 1
			sv.SetText(base64.StdEncoding.EncodeToString(b))
		}), 401, inv},
		{"signature wrapping: signed assertion moved to Extensions, evil one added", form(wrapAssertion(t, e), roleLone, provider), 401, inv},
		{"signature wrapping: signed Response wrapped in an evil one", form(wrapResponse(t, e), roleLone, provider), 401, inv},
		{"signature wrapping: signature moved onto an evil assertion", form(moveSignature(t, e), roleLone, provider), 401, inv},
		{"two assertions", withAssertion(twoAssertions(t, e)), 401, inv},
		{"doctype", withAssertion(base64.StdEncoding.EncodeToString([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><samlp:Response xmlns:samlp="` + nsP + `"/>`))), 401, inv},
	}
	// The detail each refusal must give, so a case cannot pass by failing
	// an earlier check.
	why := map[string]string{
		"invalid base64":                            "base64",
		"not XML":                                   "well-formed",
		"not a Response":                            "not a SAML 2.0 Response",
		"unsigned":                                  "Neither",
		"signed by another IdP's key":               "signature does not verify",
		"IdP error status":                          "status",
		"wrong audience":                            "Audience",
		"wrong recipient":                           "Recipient",
		"wrong destination":                         "Destination",
		"role not in Role attribute":                "Role attribute",
		"role with another account's provider":      "Role attribute",
		"not yet valid":                             "NotBefore",
		"changed digest: role edited after signing": "Assertion signature does not verify",
		"changed digest: response-signed style":     "Response signature does not verify",
		"changed digest: signature value":           "Assertion signature does not verify",
		"signature wrapping: signed assertion moved to Extensions, evil one added": "exactly one Assertion",
		"signature wrapping: signed Response wrapped in an evil one":               "exactly one Assertion",
		"signature wrapping: signature moved onto an evil assertion":               "Assertion signature does not verify",
		"two assertions": "exactly one Assertion",
		"doctype":        "Document type",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.post(tt.f)
			if a.status != tt.status || a.str("Code") != tt.code {
				t.Fatalf("got %d %s (%s), want %d %s", a.status, a.str("Code"), a.str("Message"), tt.status, tt.code)
			}
			if w := why[tt.name]; w != "" && !strings.Contains(a.str("Message"), w) {
				t.Errorf("refused for another reason: %q, want one mentioning %q", a.str("Message"), w)
			}
			if a.str("HostId") != emulator.HostID || !requestRe.MatchString(a.str("RequestId")) ||
				a.str("Recommend") != "https://api.aliyun.com/troubleshoot?q="+tt.code+"&product=Sts" || a.str("Message") == "" {
				t.Errorf("error body shape: %s", a.raw)
			}
			if strings.Contains(a.raw, "AccessKeySecret") {
				t.Error("error carries credentials")
			}
		})
	}
}

// wrapAssertion is the classic XSW attack on an assertion-signed Response:
// the genuine signed assertion is hidden in Extensions (where a naive
// verifier still finds and verifies it) and an unsigned evil assertion
// granting another role takes its place.
func wrapAssertion(t *testing.T, e *env) string {
	doc := e.document(testidp.Options{Style: testidp.StyleGeneric})
	resp := doc.Root()
	signed := findNS(resp, nsA, "Assertion")[0]
	evil := signed.Copy()
	for _, s := range evil.ChildElements() {
		if s.Tag == "Signature" {
			evil.RemoveChild(s)
		}
	}
	evil.CreateAttr("ID", "_evil")
	byTag(evil, "AttributeValue")[0].SetText(testidp.RoleValue(acct, "notgranted", "okta"))
	resp.RemoveChild(signed)
	ext := etree.NewElement("samlp:Extensions")
	ext.AddChild(signed)
	resp.InsertChildAt(1, ext)
	resp.AddChild(evil)
	return encode(t, doc)
}

// wrapResponse wraps a genuine Response-signed document inside an evil
// Response carrying an unsigned assertion.
func wrapResponse(t *testing.T, e *env) string {
	doc := e.document(testidp.Options{Style: testidp.StyleKeycloak})
	orig := doc.Root()
	evilResp := orig.Copy()
	for _, c := range evilResp.ChildElements() {
		if c.Tag == "Signature" {
			evilResp.RemoveChild(c)
		}
	}
	evilResp.CreateAttr("ID", "_evilresp")
	byTag(evilResp, "AttributeValue")[0].SetText(testidp.RoleValue(acct, "notgranted", "okta"))
	ext := etree.NewElement("samlp:Extensions")
	ext.AddChild(orig)
	evilResp.InsertChildAt(1, ext)
	doc.SetRoot(evilResp)
	return encode(t, doc)
}

// moveSignature puts the genuine assertion's signature onto an evil
// assertion that reuses its ID.
func moveSignature(t *testing.T, e *env) string {
	doc := e.document(testidp.Options{Style: testidp.StyleGeneric})
	asrt := findNS(doc.Root(), nsA, "Assertion")[0]
	for _, v := range findNS(asrt, nsA, "AttributeValue") {
		if strings.Contains(v.Text(), "role/admin") {
			v.SetText(testidp.RoleValue(acct, "notgranted", "okta"))
		}
	}
	return encode(t, doc)
}

func twoAssertions(t *testing.T, e *env) string {
	doc := e.document(testidp.Options{Style: testidp.StyleKeycloak})
	resp := doc.Root()
	a := findNS(resp, nsA, "Assertion")[0]
	resp.AddChild(a.Copy())
	return encode(t, doc)
}

func TestClockSkewAllowance(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.ClockSkew = emulator.Duration(2 * time.Minute) })
	tests := []struct {
		name   string
		issued time.Duration // relative to the emulator's now; lifetime is 5m
		status int
	}{
		{"expired 1m ago, within skew", -6 * time.Minute, 200},
		{"expired 3m ago", -8 * time.Minute, 401},
		{"issued 1m in the future, within skew", time.Minute, 200},
		{"issued 3m in the future", 3 * time.Minute, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.post(form(e.response(testidp.Options{Now: e.now.Add(tt.issued)}), roleAdmin, provider))
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	for _, reject := range []bool{false, true} {
		e := newEnv(t, func(c *emulator.Config) { c.RejectReplay = reject })
		b64 := e.response(testidp.Options{})
		// A failed first attempt (wrong role) does not use the assertion up.
		if a := e.post(form(b64, roleLone, provider)); a.status != 401 {
			t.Fatalf("wrong role: %d", a.status)
		}
		if a := e.post(form(b64, roleAdmin, provider)); a.status != 200 {
			t.Fatalf("first use: %d %s", a.status, a.raw)
		}
		a := e.post(form(b64, roleRO, provider))
		if reject && (a.status != 401 || a.str("Code") != "AuthenticationFail.SAMLAssertion.Invalid" || !strings.Contains(a.str("Message"), "already been used")) {
			t.Errorf("replay with rejectReplay: %d %s", a.status, a.raw)
		}
		if !reject && a.status != 200 {
			t.Errorf("second use without rejectReplay: %d %s", a.status, a.raw)
		}
		// A different assertion is fine either way.
		if a := e.post(form(e.response(testidp.Options{}), roleAdmin, provider)); a.status != 200 {
			t.Errorf("fresh assertion: %d", a.status)
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) {
		c.Roles[0].TrustedProviders = []string{"acs:ram::" + acct + ":saml-provider/other"}
	})
	a := e.post(form(e.response(testidp.Options{}), roleAdmin, provider))
	if a.status != 403 || a.str("Code") != "NoPermission" {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
}

func TestSiteRestriction(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Site = "international" })
	if a := e.post(form(e.response(testidp.Options{Site: "international"}), roleAdmin, provider)); a.status != 200 {
		t.Errorf("international: %d %s", a.status, a.raw)
	}
	if a := e.post(form(e.response(testidp.Options{Site: "china"}), roleAdmin, provider)); a.status != 401 {
		t.Errorf("china on an international emulator: %d", a.status)
	}
}

func TestExpiredProviderCertificate(t *testing.T) {
	e := newEnv(t, nil)
	b64 := e.response(testidp.Options{Now: e.now.AddDate(20, 0, 0)})
	later := e.now.AddDate(20, 0, 0)
	e.srv.SetClock(func() time.Time { return later })
	a := e.post(form(b64, roleAdmin, provider))
	if a.status != 401 || a.str("Code") != "AuthenticationFail.IDPMetadata.Invalid" {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
}

func TestTransports(t *testing.T) {
	e := newEnv(t, nil)
	b64 := e.response(testidp.Options{})
	t.Run("GET query", func(t *testing.T) {
		resp, err := http.Get(e.url + "/?" + form(b64, roleAdmin, provider).Encode())
		if err != nil {
			t.Fatal(err)
		}
		if a := readAnswer(t, resp); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("split between query and body", func(t *testing.T) {
		q := form("", roleAdmin, provider)
		q.Del("SAMLAssertion")
		q.Set("Signature", "placeholder-signature")
		q.Set("AccessKeyId", "placeholder")
		q.Set("SignatureMethod", "HMAC-SHA1")
		resp, err := http.Post(e.url+"/?"+q.Encode(), "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"SAMLAssertion": {b64}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		if a := readAnswer(t, resp); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("XML format", func(t *testing.T) {
		f := form(b64, roleAdmin, provider)
		f.Set("Format", "XML")
		resp, err := http.PostForm(e.url, f)
		if err != nil {
			t.Fatal(err)
		}
		a := readAnswer(t, resp)
		if a.status != 200 || !strings.Contains(a.raw, "<AssumeRoleWithSAMLResponse>") || !strings.Contains(a.raw, "<AccessKeyId>STS.") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		f.Del("RoleArn")
		resp, err = http.PostForm(e.url, f)
		if err != nil {
			t.Fatal(err)
		}
		a = readAnswer(t, resp)
		if a.status != 400 || !strings.Contains(a.raw, "<Code>MissingParameter.RoleArn</Code>") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("other method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, e.url+"/?"+form(b64, roleAdmin, provider).Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if a := readAnswer(t, resp); a.status != 405 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
}

func TestFaults(t *testing.T) {
	e := newEnv(t, nil)
	b64 := e.response(testidp.Options{})
	e.srv.InjectFaults(
		emulator.Fault{Status: 503},
		emulator.Fault{Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."},
		emulator.Fault{Status: -1},
	)
	before := e.srv.Requests()
	a := e.post(form(b64, roleAdmin, provider))
	if a.status != 503 || a.str("Code") != "ServiceUnavailable" {
		t.Errorf("first: %d %s", a.status, a.raw)
	}
	a = e.post(form(b64, roleAdmin, provider))
	if a.status != 400 || a.str("Code") != "Throttling.User" {
		t.Errorf("second: %d %s", a.status, a.raw)
	}
	if _, err := http.PostForm(e.url, form(b64, roleAdmin, provider)); err == nil {
		t.Error("dropped connection: no client error")
	}
	a = e.post(form(b64, roleAdmin, provider))
	if a.status != 200 {
		t.Errorf("after faults: %d %s", a.status, a.raw)
	}
	if got := e.srv.Requests() - before; got != 4 {
		t.Errorf("Requests() counted %d, want 4", got)
	}
	// A delayed fault is bounded by the client's timeout.
	e.srv.InjectFaults(emulator.Fault{Status: 500, Delay: 5 * time.Second})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	if _, err := c.PostForm(e.url, form(b64, roleAdmin, provider)); err == nil {
		t.Error("delayed fault: no timeout")
	}
	if time.Since(start) > 3*time.Second {
		t.Error("delayed fault held the client too long")
	}
}

// byTag finds elements by local name, for detached copies whose prefixes
// no longer resolve.
func byTag(el *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	if el.Tag == tag {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, byTag(c, tag)...)
	}
	return out
}
