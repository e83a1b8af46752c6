package testidp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// XML namespaces used in SAML Responses and metadata.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	nsXS        = "http://www.w3.org/2001/XMLSchema"
	nsXSI       = "http://www.w3.org/2001/XMLSchema-instance"
)

// NameID formats.
const (
	NameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
)

// SAML status codes.
const (
	StatusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	StatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
)

// Attribute names Alibaba Cloud reads (the same as internal/saml's; this
// package deliberately does not import the decoder it tests).
const (
	AttrRole            = "https://www.aliyun.com/SAML-Role/Attributes/Role"
	AttrRoleSessionName = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"
	AttrSessionDuration = "https://www.aliyun.com/SAML-Role/Attributes/SessionDuration"
)

// Audiences and SSO endpoints of Alibaba Cloud's two sites.
const (
	AudienceChina         = "urn:alibaba:cloudcomputing"
	AudienceInternational = "urn:alibaba:cloudcomputing:international"
	SSOURLChina           = "https://signin.aliyun.com/saml-role/sso"
	SSOURLInternational   = "https://signin.alibabacloud.com/saml-role/sso"
)

// Style is the shape of Response a real identity provider emits.
type Style string

// The styles the test IdP reproduces.
const (
	// StyleOkta: saml2p:/saml2: prefixes, the Issuer and Assertion each
	// redeclare saml2, xsi:type="xs:string" on every AttributeValue, the
	// Response and the Assertion both signed.
	StyleOkta Style = "okta"
	// StyleEntraID: default namespaces everywhere (the Response in the
	// protocol namespace, the Assertion in the assertion namespace), many
	// extra claims, only the Assertion signed.
	StyleEntraID Style = "entraid"
	// StyleADFS: samlp: Response, unprefixed Assertion with a default
	// namespace, AuthnStatement with a SessionIndex, the Assertion signed.
	StyleADFS Style = "adfs"
	// StyleKeycloak: samlp:/saml: declared on the Response, one Attribute
	// element per role value, the Response signed.
	StyleKeycloak Style = "keycloak"
	// StyleGoogle: saml2p:/saml2:, an indented document with newlines and
	// spaces around attribute values, the Response signed.
	StyleGoogle Style = "google"
	// StyleOneLogin: samlp:/saml:, Role values provider first with spaces
	// around the comma, the Assertion signed.
	StyleOneLogin Style = "onelogin"
	// StyleGeneric: samlp:/saml:, values exactly as given, the Assertion
	// signed.
	StyleGeneric Style = "generic"
)

// Styles lists every style, in a stable order.
func Styles() []Style {
	return []Style{StyleOkta, StyleEntraID, StyleADFS, StyleKeycloak, StyleGoogle, StyleOneLogin, StyleGeneric}
}

// Options describe one Response. The zero value (plus at least one role)
// gives a valid, Success Response for the China site, valid for 5 minutes.
type Options struct {
	Style Style // default StyleGeneric
	// Roles are Role attribute values as the IdP is configured to send
	// them, e.g. RoleValue("123", "admin", "okta"). StyleOneLogin reorders
	// a well-formed pair to provider first with spaces around the comma and
	// StyleGoogle pads values with whitespace; other styles emit them as given.
	Roles []string
	// SessionName is the RoleSessionName value; default: Subject.
	SessionName string
	// OmitSessionName leaves the RoleSessionName attribute out.
	OmitSessionName bool
	// SessionDuration is the SessionDuration attribute in seconds; 0 omits it.
	SessionDuration int
	// Site is "china" (default) or "international": it selects the default
	// Audience, Destination and Recipient.
	Site string
	// Audience, Destination and Recipient override the site's defaults.
	Audience, Destination, Recipient string
	// Subject is the NameID value; default "alice@example.com".
	Subject string
	// Now is the IssueInstant, NotBefore and AuthnInstant; default time.Now().
	Now time.Time
	// Lifetime is how long the assertion is valid (NotOnOrAfter of the
	// Conditions and of the SubjectConfirmationData); default 5 minutes.
	Lifetime time.Duration
	// SignResponse and SignAssertion override the style's signing; nil
	// keeps the style default.
	SignResponse, SignAssertion *bool
	// Status, when set to something other than StatusSuccess, makes an IdP
	// error Response (no Assertion) with this status code.
	Status string
	// StatusMessage goes with a non-success Status.
	StatusMessage string
}

// Bool returns a pointer to b, for Options.SignResponse and SignAssertion.
func Bool(b bool) *bool { return &b }

type styleSpec struct {
	pPrefix, aPrefix string // "" means a default namespace declaration
	aOnRoot          bool   // declare the assertion prefix on the Response
	xsiType          bool
	rolePerAttribute bool
	padValues        bool
	providerFirst    bool
	indent           bool
	entraClaims      bool
	sessionIndex     bool
	attrNameFormat   bool
	signResponse     bool
	signAssertion    bool
	nameIDFormat     string
	timeFormat       string
	idPrefix         string
}

const (
	timeSeconds = "2006-01-02T15:04:05Z"
	timeMillis  = "2006-01-02T15:04:05.000Z"
)

func spec(s Style) (styleSpec, error) {
	switch s {
	case StyleOkta:
		return styleSpec{pPrefix: "saml2p", aPrefix: "saml2", xsiType: true, attrNameFormat: true,
			signResponse: true, signAssertion: true, nameIDFormat: NameIDUnspecified, timeFormat: timeMillis, idPrefix: "id"}, nil
	case StyleEntraID:
		return styleSpec{entraClaims: true, signAssertion: true, nameIDFormat: NameIDEmail,
			timeFormat: timeMillis, idPrefix: "_"}, nil
	case StyleADFS:
		return styleSpec{pPrefix: "samlp", sessionIndex: true, attrNameFormat: true, signAssertion: true,
			nameIDFormat: NameIDPersistent, timeFormat: timeMillis, idPrefix: "_"}, nil
	case StyleKeycloak:
		return styleSpec{pPrefix: "samlp", aPrefix: "saml", aOnRoot: true, rolePerAttribute: true,
			attrNameFormat: true, sessionIndex: true, signResponse: true, nameIDFormat: NameIDPersistent,
			timeFormat: timeMillis, idPrefix: "ID_"}, nil
	case StyleGoogle:
		return styleSpec{pPrefix: "saml2p", aPrefix: "saml2", padValues: true, indent: true,
			signResponse: true, nameIDFormat: NameIDUnspecified, timeFormat: timeMillis, idPrefix: "_"}, nil
	case StyleOneLogin:
		return styleSpec{pPrefix: "samlp", aPrefix: "saml", aOnRoot: true, providerFirst: true,
			attrNameFormat: true, signAssertion: true, nameIDFormat: NameIDEmail, timeFormat: timeSeconds, idPrefix: "pfx"}, nil
	case StyleGeneric, "":
		return styleSpec{pPrefix: "samlp", aPrefix: "saml", aOnRoot: true, attrNameFormat: true,
			signAssertion: true, nameIDFormat: NameIDEmail, timeFormat: timeSeconds, idPrefix: "_"}, nil
	}
	return styleSpec{}, fmt.Errorf("testidp: unknown style %q", s)
}

// Response returns the signed Response in standard base64, as an IdP posts
// it in the SAMLResponse form field.
func (p *IdP) Response(o Options) (string, error) {
	x, err := p.ResponseXML(o)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(x), nil
}

// ResponseXML returns the signed Response XML.
func (p *IdP) ResponseXML(o Options) ([]byte, error) {
	doc, err := p.ResponseDocument(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("testidp: serialize response: %w", err)
	}
	return buf.Bytes(), nil
}

// ResponseDocument returns the signed Response as an etree document, for
// tests that tamper with it after signing.
func (p *IdP) ResponseDocument(o Options) (*etree.Document, error) {
	sp, err := spec(o.Style)
	if err != nil {
		return nil, err
	}
	if o.SignResponse != nil {
		sp.signResponse = *o.SignResponse
	}
	if o.SignAssertion != nil {
		sp.signAssertion = *o.SignAssertion
	}
	audience, dest := AudienceChina, SSOURLChina
	switch o.Site {
	case "", "china":
	case "international":
		audience, dest = AudienceInternational, SSOURLInternational
	default:
		return nil, fmt.Errorf("testidp: unknown site %q (want china or international)", o.Site)
	}
	if o.Audience != "" {
		audience = o.Audience
	}
	recipient := dest
	if o.Destination != "" {
		dest = o.Destination
	}
	if o.Recipient != "" {
		recipient = o.Recipient
	}
	subject := o.Subject
	if subject == "" {
		subject = "alice@example.com"
	}
	sessionName := o.SessionName
	if sessionName == "" {
		sessionName = subject
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	life := o.Lifetime
	if life == 0 {
		life = 5 * time.Minute
	}
	ts := func(t time.Time) string { return t.UTC().Format(sp.timeFormat) }
	success := o.Status == "" || o.Status == StatusSuccess

	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	resp := doc.CreateElement(qn(sp.pPrefix, "Response"))
	declare(resp, sp.pPrefix, nsProtocol)
	if sp.aOnRoot {
		declare(resp, sp.aPrefix, nsAssertion)
	}
	respID, err := newID(sp.idPrefix)
	if err != nil {
		return nil, err
	}
	resp.CreateAttr("ID", respID)
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(now))
	resp.CreateAttr("Destination", dest)
	if o.Style == StyleADFS {
		resp.CreateAttr("Consent", "urn:oasis:names:tc:SAML:2.0:consent:unspecified")
	}
	respIssuer := resp.CreateElement(qn(sp.aPrefix, "Issuer"))
	if !sp.aOnRoot {
		declare(respIssuer, sp.aPrefix, nsAssertion)
	}
	if o.Style == StyleOkta {
		respIssuer.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	}
	respIssuer.SetText(p.Issuer)
	status := resp.CreateElement(qn(sp.pPrefix, "Status"))
	code := status.CreateElement(qn(sp.pPrefix, "StatusCode"))
	if success {
		code.CreateAttr("Value", StatusSuccess)
	} else {
		code.CreateAttr("Value", o.Status)
		if o.StatusMessage != "" {
			status.CreateElement(qn(sp.pPrefix, "StatusMessage")).SetText(o.StatusMessage)
		}
	}

	var asrt *etree.Element
	if success {
		asrt, err = p.assertion(resp, sp, o, assertionValues{
			now: now, life: life, audience: audience, recipient: recipient,
			subject: subject, sessionName: sessionName, ts: ts,
		})
		if err != nil {
			return nil, err
		}
	}
	if sp.indent {
		doc.Indent(2)
	}
	if asrt != nil && sp.signAssertion {
		if err := p.sign(asrt); err != nil {
			return nil, fmt.Errorf("testidp: sign assertion: %w", err)
		}
	}
	if sp.signResponse {
		if err := p.sign(resp); err != nil {
			return nil, fmt.Errorf("testidp: sign response: %w", err)
		}
	}
	return doc, nil
}

type assertionValues struct {
	now                                       time.Time
	life                                      time.Duration
	audience, recipient, subject, sessionName string
	ts                                        func(time.Time) string
}

func (p *IdP) assertion(resp *etree.Element, sp styleSpec, o Options, v assertionValues) (*etree.Element, error) {
	a := func(parent *etree.Element, tag string) *etree.Element {
		return parent.CreateElement(qn(sp.aPrefix, tag))
	}
	asrt := a(resp, "Assertion")
	if !sp.aOnRoot {
		declare(asrt, sp.aPrefix, nsAssertion)
	}
	id, err := newID(sp.idPrefix)
	if err != nil {
		return nil, err
	}
	asrt.CreateAttr("ID", id)
	asrt.CreateAttr("IssueInstant", v.ts(v.now))
	asrt.CreateAttr("Version", "2.0")
	iss := a(asrt, "Issuer")
	if o.Style == StyleOkta {
		iss.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
	}
	iss.SetText(p.Issuer)

	subj := a(asrt, "Subject")
	nameID := a(subj, "NameID")
	nameID.CreateAttr("Format", sp.nameIDFormat)
	nameID.SetText(v.subject)
	sc := a(subj, "SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := a(sc, "SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", v.ts(v.now.Add(v.life)))
	scd.CreateAttr("Recipient", v.recipient)

	cond := a(asrt, "Conditions")
	cond.CreateAttr("NotBefore", v.ts(v.now))
	cond.CreateAttr("NotOnOrAfter", v.ts(v.now.Add(v.life)))
	a(a(cond, "AudienceRestriction"), "Audience").SetText(v.audience)

	if o.Style != StyleEntraID { // Entra ID puts the AuthnStatement last.
		authnStatement(asrt, a, sp, v)
	}
	as := a(asrt, "AttributeStatement")
	attr := func(name string, values ...string) {
		at := a(as, "Attribute")
		at.CreateAttr("Name", name)
		if sp.attrNameFormat {
			at.CreateAttr("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
		}
		for _, val := range values {
			av := a(at, "AttributeValue")
			if sp.xsiType {
				av.CreateAttr("xmlns:xs", nsXS)
				av.CreateAttr("xmlns:xsi", nsXSI)
				av.CreateAttr("xsi:type", "xs:string")
			}
			if sp.padValues {
				val = "\n        " + val + "\n      "
			}
			av.SetText(val)
		}
	}
	if sp.entraClaims {
		attr("http://schemas.microsoft.com/identity/claims/tenantid", "72f988bf-86f1-41af-91ab-2d7cd011db47")
		attr("http://schemas.microsoft.com/identity/claims/objectidentifier", "0b7ca3f5-6c3e-4a0d-9c1e-2f1c5e2b8d41")
		attr("http://schemas.microsoft.com/identity/claims/displayname", "Alice Example")
		attr("http://schemas.microsoft.com/identity/claims/identityprovider", "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/")
		attr("http://schemas.microsoft.com/claims/authnmethodsreferences",
			"http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
			"http://schemas.microsoft.com/claims/multipleauthn")
		attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Alice")
		attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "Example")
		attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", v.subject)
		attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", v.subject)
	}
	roles := make([]string, len(o.Roles))
	for i, r := range o.Roles {
		roles[i] = formatRole(r, sp.providerFirst)
	}
	if len(roles) > 0 {
		if sp.rolePerAttribute {
			for _, r := range roles {
				attr(AttrRole, r)
			}
		} else {
			attr(AttrRole, roles...)
		}
	}
	if !o.OmitSessionName {
		attr(AttrRoleSessionName, v.sessionName)
	}
	if o.SessionDuration > 0 {
		attr(AttrSessionDuration, fmt.Sprint(o.SessionDuration))
	}
	if o.Style == StyleEntraID {
		authnStatement(asrt, a, sp, v)
	}
	return asrt, nil
}

func authnStatement(asrt *etree.Element, a func(*etree.Element, string) *etree.Element, sp styleSpec, v assertionValues) {
	st := a(asrt, "AuthnStatement")
	st.CreateAttr("AuthnInstant", v.ts(v.now))
	st.CreateAttr("SessionNotOnOrAfter", v.ts(v.now.Add(8*time.Hour)))
	if sp.sessionIndex {
		idx, err := newID("_")
		if err == nil {
			st.CreateAttr("SessionIndex", idx)
		}
	}
	a(a(st, "AuthnContext"), "AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
}

// formatRole rewrites a well-formed `role,provider` pair (either order) for
// styles that send provider first; anything else is returned unchanged.
func formatRole(v string, providerFirst bool) string {
	if !providerFirst {
		return v
	}
	parts := strings.Split(v, ",")
	if len(parts) != 2 {
		return v
	}
	a, b := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	if strings.Contains(a, ":saml-provider/") {
		a, b = b, a
	}
	if !strings.Contains(a, ":role/") || !strings.Contains(b, ":saml-provider/") {
		return v
	}
	return b + " , " + a
}

// sign adds an enveloped RSA-SHA256 exclusive-c14n signature to el, right
// after its Issuer child as the SAML schema requires.
func (p *IdP) sign(el *etree.Element) error {
	ctx, err := dsig.NewSigningContext(p.key, [][]byte{p.certDER})
	if err != nil {
		return fmt.Errorf("signing context: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return fmt.Errorf("signature method: %w", err)
	}
	nsctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return fmt.Errorf("namespace context: %w", err)
	}
	detached, err := etreeutils.NSDetatch(nsctx, el)
	if err != nil {
		return fmt.Errorf("detach element: %w", err)
	}
	sig, err := ctx.ConstructSignature(detached, true)
	if err != nil {
		return fmt.Errorf("construct signature: %w", err)
	}
	var issuer *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == "Issuer" && c.NamespaceURI() == nsAssertion {
			issuer = c
			break
		}
	}
	if issuer == nil {
		return errors.New("no Issuer element to place the signature after")
	}
	el.InsertChildAt(issuer.Index()+1, sig)
	return nil
}

func qn(prefix, tag string) string {
	if prefix == "" {
		return tag
	}
	return prefix + ":" + tag
}

func declare(el *etree.Element, prefix, ns string) {
	if prefix == "" {
		el.CreateAttr("xmlns", ns)
	} else {
		el.CreateAttr("xmlns:"+prefix, ns)
	}
}

func newID(prefix string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("testidp: random id: %w", err)
	}
	h := hex.EncodeToString(b[:])
	if prefix == "id" { // Okta-like: digits-heavy
		return "id" + h[:24], nil
	}
	return prefix + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
