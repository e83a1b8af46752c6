package emulator

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

	attrRole            = "https://www.aliyun.com/SAML-Role/Attributes/Role"
	attrRoleSessionName = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"

	audienceChina         = "urn:alibaba:cloudcomputing"
	audienceInternational = "urn:alibaba:cloudcomputing:international"
	ssoChina              = "https://signin.aliyun.com/saml-role/sso"
	ssoInternational      = "https://signin.alibabacloud.com/saml-role/sso"

	maxAssertionChars = 100000
)

// assertion is what the emulator read from the verified assertion.
type assertion struct {
	id               string
	issuer           string
	subject          string
	subjectType      string
	recipient        string
	notOnOrAfter     time.Time
	roles            [][2]string // {roleArn, providerArn}
	sessionName      string
	sessionNameCount int
}

// invalid is the documented answer to a SAML assertion STS refuses; the
// detail after the documented message says why, as a debugging aid.
func invalid(format string, a ...any) *apiError {
	return &apiError{Status: 401, Code: "AuthenticationFail.SAMLAssertion.Invalid",
		Message: "The SAML Assertion is invalid. " + fmt.Sprintf(format, a...)}
}

func expired(format string, a ...any) *apiError {
	return &apiError{Status: 401, Code: "AuthenticationFail.SAMLAssertion.Expired",
		Message: "The SAML Assertion is expired. " + fmt.Sprintf(format, a...)}
}

// verifyAssertion decodes and verifies a base64 SAML Response against the
// provider's certificates and the site's audience and recipient. Every value
// it returns is read from the element goxmldsig returned as verified, never
// from the document as received: that is what defeats signature wrapping.
func verifyAssertion(b64 string, p *Provider, site string, now time.Time, skew time.Duration) (*assertion, *apiError) {
	raw, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, b64))
	if err != nil {
		return nil, invalid("SAMLAssertion is not valid base64.")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || len(doc.ChildElements()) != 1 {
		return nil, invalid("SAMLAssertion is not well-formed XML.")
	}
	for _, t := range doc.Child {
		switch c := t.(type) {
		case *etree.Directive:
			return nil, invalid("Document type declarations are not allowed.")
		case *etree.CharData:
			if strings.TrimSpace(c.Data) != "" {
				return nil, invalid("SAMLAssertion is not well-formed XML.")
			}
		}
	}
	resp := doc.Root()
	if resp == nil || !isEl(resp, nsProtocol, "Response") {
		return nil, invalid("The document is not a SAML 2.0 Response (send the whole Response, not only the Assertion).")
	}
	if st := childNS(resp, nsProtocol, "Status"); st != nil {
		if sc := childNS(st, nsProtocol, "StatusCode"); sc == nil || sc.SelectAttrValue("Value", "") != statusSuccess {
			return nil, invalid("The Response status is not Success.")
		}
	} else {
		return nil, invalid("The Response has no Status.")
	}
	if len(findAll(resp, nsAssertion, "EncryptedAssertion")) > 0 {
		return nil, invalid("Encrypted assertions are not supported.")
	}
	all := findAll(resp, nsAssertion, "Assertion")
	if len(all) != 1 {
		return nil, invalid("The Response must contain exactly one Assertion, found %d.", len(all))
	}
	asrt := all[0]
	if asrt.Parent() != resp {
		return nil, invalid("The Assertion is not a child of the Response.")
	}
	if dest := resp.SelectAttrValue("Destination", ""); dest != "" && !acceptedURL(site, dest) {
		return nil, invalid("The Response Destination is not the Alibaba Cloud SSO endpoint.")
	}

	respSigned, asrtSigned := childNS(resp, nsDSig, "Signature") != nil, childNS(asrt, nsDSig, "Signature") != nil
	if !respSigned && !asrtSigned {
		return nil, invalid("Neither the Response nor the Assertion is signed.")
	}
	for _, c := range p.Certs {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return nil, &apiError{Status: 401, Code: "AuthenticationFail.IDPMetadata.Invalid",
				Message: "The IdP Metadata of your SAML Provider is invalid. Its certificate is not valid now."}
		}
	}
	var verified *etree.Element
	if respSigned {
		vr, err := validate(resp, p.Certs, now)
		if err != nil {
			return nil, invalid("The Response signature does not verify against the SAML provider's certificate.")
		}
		as := childrenNS(vr, nsAssertion, "Assertion")
		if len(as) != 1 {
			return nil, invalid("The signed Response must contain exactly one Assertion.")
		}
		verified = as[0]
	}
	if asrtSigned {
		va, err := validate(asrt, p.Certs, now)
		if err != nil {
			return nil, invalid("The Assertion signature does not verify against the SAML provider's certificate.")
		}
		verified = va
	}
	return readAssertion(verified, p, site, now, skew)
}

// validate verifies el's enveloped signature and returns the verified
// (canonical) element. el is detached with its in-scope namespaces first,
// so an Assertion that uses a prefix declared on the Response verifies.
func validate(el *etree.Element, certs []*x509.Certificate, now time.Time) (*etree.Element, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, fmt.Errorf("namespace context: %w", err)
	}
	d, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, fmt.Errorf("detach: %w", err)
	}
	v := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	v.Clock = dsig.NewFakeClockAt(now)
	out, err := v.Validate(d)
	if err != nil {
		return nil, fmt.Errorf("validate signature: %w", err)
	}
	return out, nil
}

func readAssertion(a *etree.Element, p *Provider, site string, now time.Time, skew time.Duration) (*assertion, *apiError) {
	out := &assertion{id: a.SelectAttrValue("ID", "")}
	iss := childNS(a, nsAssertion, "Issuer")
	if iss == nil || strings.TrimSpace(text(iss)) == "" {
		return nil, invalid("The Assertion has no Issuer.")
	}
	out.issuer = strings.TrimSpace(text(iss))
	if p.EntityID != "" && out.issuer != p.EntityID {
		return nil, invalid("The Issuer does not match the SAML provider's entity ID.")
	}

	subj := childNS(a, nsAssertion, "Subject")
	if subj == nil {
		return nil, invalid("The Assertion has no Subject.")
	}
	if nid := childNS(subj, nsAssertion, "NameID"); nid != nil {
		out.subject = strings.TrimSpace(text(nid))
		f := nid.SelectAttrValue("Format", "")
		// Alibaba documents removing the SAML 2.0 prefix; the 1.1 one
		// (emailAddress, unspecified) is removed the same way here.
		for _, pre := range []string{"urn:oasis:names:tc:SAML:2.0:nameid-format:", "urn:oasis:names:tc:SAML:1.1:nameid-format:"} {
			f = strings.TrimPrefix(f, pre)
		}
		out.subjectType = f
	}
	if out.subject == "" {
		return nil, invalid("The Subject has no NameID.")
	}
	var earliest time.Time
	later := func(s string) (time.Time, *apiError) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return t, invalid("A time in the Assertion is not xs:dateTime.")
		}
		return t, nil
	}
	found := false
	for _, sc := range childrenNS(subj, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != bearer {
			continue
		}
		scd := childNS(sc, nsAssertion, "SubjectConfirmationData")
		if scd == nil {
			continue
		}
		rcpt := scd.SelectAttrValue("Recipient", "")
		if !acceptedURL(site, rcpt) {
			return nil, invalid("The SubjectConfirmationData Recipient is not the Alibaba Cloud SSO endpoint.")
		}
		if s := scd.SelectAttrValue("NotOnOrAfter", ""); s != "" {
			t, e := later(s)
			if e != nil {
				return nil, e
			}
			if earliest.IsZero() || t.Before(earliest) {
				earliest = t
			}
		}
		out.recipient = rcpt
		found = true
	}
	if !found {
		return nil, invalid("The Subject has no bearer SubjectConfirmation with SubjectConfirmationData.")
	}

	cond := childNS(a, nsAssertion, "Conditions")
	if cond == nil {
		return nil, invalid("The Assertion has no Conditions.")
	}
	if s := cond.SelectAttrValue("NotBefore", ""); s != "" {
		t, e := later(s)
		if e != nil {
			return nil, e
		}
		if now.Add(skew).Before(t) {
			return nil, invalid("The Assertion is not yet valid (NotBefore is in the future).")
		}
	}
	if s := cond.SelectAttrValue("NotOnOrAfter", ""); s != "" {
		t, e := later(s)
		if e != nil {
			return nil, e
		}
		if earliest.IsZero() || t.Before(earliest) {
			earliest = t
		}
	}
	if earliest.IsZero() {
		return nil, invalid("The Assertion has no NotOnOrAfter.")
	}
	if !now.Add(-skew).Before(earliest) {
		return nil, expired("It expired at %s.", earliest.UTC().Format(time.RFC3339))
	}
	out.notOnOrAfter = earliest
	ars := childrenNS(cond, nsAssertion, "AudienceRestriction")
	if len(ars) == 0 {
		return nil, invalid("The Conditions have no AudienceRestriction.")
	}
	for _, ar := range ars {
		ok := false
		for _, au := range childrenNS(ar, nsAssertion, "Audience") {
			if acceptedAudience(site, strings.TrimSpace(text(au))) {
				ok = true
			}
		}
		if !ok {
			return nil, invalid("The Audience is not %s.", audienceWanted(site))
		}
	}

	for _, st := range childrenNS(a, nsAssertion, "AttributeStatement") {
		for _, at := range childrenNS(st, nsAssertion, "Attribute") {
			switch at.SelectAttrValue("Name", "") {
			case attrRole:
				for _, v := range childrenNS(at, nsAssertion, "AttributeValue") {
					if pair, ok := parseRole(text(v)); ok {
						out.roles = append(out.roles, pair)
					}
				}
			case attrRoleSessionName:
				for _, v := range childrenNS(at, nsAssertion, "AttributeValue") {
					out.sessionName = strings.TrimSpace(text(v))
					out.sessionNameCount++
				}
			}
		}
	}
	return out, nil
}

// parseRole reads `roleArn,providerArn` in either order, ignoring spaces.
func parseRole(v string) ([2]string, bool) {
	parts := strings.Split(v, ",")
	if len(parts) != 2 {
		return [2]string{}, false
	}
	a, b := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	if providerArnRe.MatchString(a) {
		a, b = b, a
	}
	if !roleArnRe.MatchString(a) || !providerArnRe.MatchString(b) {
		return [2]string{}, false
	}
	return [2]string{a, b}, true
}

func acceptedAudience(site, au string) bool {
	switch site {
	case "china":
		return au == audienceChina
	case "international":
		return au == audienceInternational
	}
	return au == audienceChina || au == audienceInternational
}

func audienceWanted(site string) string {
	switch site {
	case "china":
		return audienceChina
	case "international":
		return audienceInternational
	}
	return audienceChina + " or " + audienceInternational
}

// acceptedURL says whether u is the SSO endpoint of the site (the host is
// case-insensitive, and Alibaba's own examples write the path as /SSO).
func acceptedURL(site, u string) bool {
	u = strings.TrimSuffix(strings.TrimSpace(u), "/")
	china, intl := strings.EqualFold(u, ssoChina), strings.EqualFold(u, ssoInternational)
	switch site {
	case "china":
		return china
	case "international":
		return intl
	}
	return china || intl
}

// text returns all character data of el and its descendants, so a comment
// or a CDATA section inside a value does not cut it short.
func text(el *etree.Element) string {
	var b strings.Builder
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		for _, t := range e.Child {
			switch c := t.(type) {
			case *etree.CharData:
				b.WriteString(c.Data)
			case *etree.Element:
				walk(c)
			}
		}
	}
	walk(el)
	return b.String()
}

func isEl(el *etree.Element, ns, tag string) bool {
	return el.Tag == tag && el.NamespaceURI() == ns
}

func childNS(el *etree.Element, ns, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if isEl(c, ns, tag) {
			return c
		}
	}
	return nil
}

func childrenNS(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if isEl(c, ns, tag) {
			out = append(out, c)
		}
	}
	return out
}

func findAll(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if isEl(el, ns, tag) {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, findAll(c, ns, tag)...)
	}
	return out
}

// durationParam parses DurationSeconds: empty means 3600.
func durationParam(s string) (int, bool) {
	if s == "" {
		return 3600, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 900 || n > 43200 {
		return 0, false
	}
	return n, true
}
