package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

const (
	acct      = "1234567890123456"
	acct2     = "6543210987654321"
	provider  = "acs:ram::" + acct + ":saml-provider/okta"
	provider2 = "acs:ram::" + acct2 + ":saml-provider/okta"
	roleAdmin = "acs:ram::" + acct + ":role/admin"
	roleRO    = "acs:ram::" + acct + ":role/readonly"
	roleDev   = "acs:ram::" + acct2 + ":role/dev"
	roleLone  = "acs:ram::" + acct + ":role/notgranted"
)

var defaultRoles = []string{
	testidp.RoleValue(acct, "admin", "okta"),
	testidp.RoleValue(acct, "readonly", "okta"),
	testidp.RoleValue(acct2, "dev", "okta"),
}

// Shared across tests: RSA key generation is slow on 2 cores.
var (
	idpMain  = mustIdP("https://idp.example.com/saml")
	idpOther = mustIdP("https://evil.example.com/saml")
)

func mustIdP(issuer string) *testidp.IdP {
	p, err := testidp.New(issuer)
	if err != nil {
		panic(err)
	}
	return p
}

type env struct {
	t   *testing.T
	srv *emulator.Server
	url string
	now time.Time
}

func baseConfig() emulator.Config {
	cert := string(idpMain.CertPEM())
	return emulator.Config{
		Providers: []emulator.Provider{
			{Arn: provider, Certificate: cert},
			{Arn: provider2, Certificate: cert},
		},
		Roles: []emulator.Role{
			{Arn: roleAdmin, MaxSessionDuration: 43200},
			{Arn: roleRO},
			{Arn: roleDev, MaxSessionDuration: 7200},
			{Arn: roleLone},
		},
	}
}

func newEnv(t *testing.T, mod func(*emulator.Config)) *env {
	t.Helper()
	cfg := baseConfig()
	if mod != nil {
		mod(&cfg)
	}
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	srv.SetClock(func() time.Time { return now })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, url: hs.URL, now: now}
}

// response makes a signed base64 Response with defaults filled in.
func (e *env) response(o testidp.Options) string {
	e.t.Helper()
	if o.Roles == nil {
		o.Roles = defaultRoles
	}
	if o.Now.IsZero() {
		o.Now = e.now
	}
	if o.SessionName == "" && !o.OmitSessionName {
		o.SessionName = "alice"
	}
	b64, err := idpMain.Response(o)
	if err != nil {
		e.t.Fatal(err)
	}
	return b64
}

func form(b64, role, prov string) url.Values {
	return url.Values{
		"Action":          {"AssumeRoleWithSAML"},
		"Version":         {"2015-04-01"},
		"Format":          {"JSON"},
		"SAMLAssertion":   {b64},
		"RoleArn":         {role},
		"SAMLProviderArn": {prov},
	}
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (a answer) str(path ...string) string {
	var v any = a.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (e *env) post(f url.Values) answer {
	e.t.Helper()
	resp, err := http.PostForm(e.url+"/", f)
	if err != nil {
		e.t.Fatal(err)
	}
	return readAnswer(e.t, resp)
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a.body); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, b)
		}
	}
	return a
}

// Tampering helpers: they work on the XML document of a Response.

const (
	nsP = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsA = "urn:oasis:names:tc:SAML:2.0:assertion"
)

func (e *env) document(o testidp.Options) *etree.Document {
	e.t.Helper()
	b64 := e.response(o)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		e.t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		e.t.Fatal(err)
	}
	return doc
}

func encode(t *testing.T, doc *etree.Document) string {
	t.Helper()
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func findNS(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if el.Tag == tag && el.NamespaceURI() == ns {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, findNS(c, ns, tag)...)
	}
	return out
}
