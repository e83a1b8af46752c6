package saml

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// XML namespaces elements are matched by (never by prefix).
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	cmBearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// maxDepth bounds the element nesting DecodeXML accepts; real Responses
// are about ten levels deep.
const maxDepth = 256

// DecodeXML decodes a SAML Response given as XML. The bytes are kept as
// received: Response.Base64 is their standard base64 encoding. Documents
// with a DTD are refused. Every error it returns is an *Error.
func DecodeXML(doc []byte) (*Response, error) {
	if n := base64.StdEncoding.EncodedLen(len(doc)); n > MaxAssertionChars {
		return nil, tooLarge(n, "base64 characters")
	}
	root, err := parseDocument(doc)
	if err != nil {
		return nil, err
	}
	resp, err := fromRoot(root)
	if err != nil {
		return nil, err
	}
	resp.Base64 = base64.StdEncoding.EncodeToString(doc)
	return resp, nil
}

// parseDocument parses doc and returns its single root element.
func parseDocument(doc []byte) (*etree.Element, error) {
	d := etree.NewDocument()
	d.ReadSettings = etree.ReadSettings{MaxDepth: maxDepth}
	body := bytes.TrimPrefix(doc, []byte("\ufeff"))
	if err := d.ReadFromBytes(body); err != nil {
		return nil, &Error{
			Code:    CodeInvalidXML,
			Message: fmt.Sprintf("The SAML response is not well-formed XML (%s): capture it again without editing it.", oneLine(err.Error())),
			Err:     fmt.Errorf("parse SAML response XML: %w", err),
		}
	}
	var root *etree.Element
	for _, t := range d.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, invalidXML("The document has more than one top-level element: a SAML response has exactly one.")
			}
			root = t
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, invalidXML("The document has text outside its root element: capture the SAML response again.")
			}
		case *etree.Directive:
			return nil, dtdError()
		}
	}
	if root == nil {
		return nil, invalidXML("The document has no XML element: give a SAML response.")
	}
	if hasDirective(root) {
		return nil, dtdError()
	}
	return root, nil
}

func hasDirective(e *etree.Element) bool {
	for _, t := range e.Child {
		switch t := t.(type) {
		case *etree.Directive:
			return true
		case *etree.Element:
			if hasDirective(t) {
				return true
			}
		}
	}
	return false
}

func dtdError() *Error {
	return invalidXML("The document contains a DTD or another <!...> declaration, which SAML responses never have; it is refused to guard against entity attacks.")
}

func invalidXML(msg string) *Error { return &Error{Code: CodeInvalidXML, Message: msg} }

// is says whether e is the element local in namespace ns.
func is(e *etree.Element, ns, local string) bool {
	return e.Tag == local && e.NamespaceURI() == ns
}

// children returns e's child elements named local in namespace ns.
func children(e *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok && is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// child returns e's first child element named local in namespace ns.
func child(e *etree.Element, ns, local string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok && is(c, ns, local) {
			return c
		}
	}
	return nil
}

// text returns all character data directly inside e (text and CDATA
// sections, entities decoded), skipping comments, which etree's Text
// would stop at.
func text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range e.Child {
		if cd, ok := t.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}

// attr returns the value of e's unqualified attribute key.
func attr(e *etree.Element, key string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// qname renders an element's name for messages: prefix:local plus its
// namespace URI when it has one.
func qname(e *etree.Element) string {
	name := e.FullTag()
	if ns := e.NamespaceURI(); ns != "" {
		name += " (namespace " + oneLine(ns) + ")"
	}
	return name
}

func fromRoot(root *etree.Element) (*Response, error) {
	if !is(root, nsProtocol, "Response") {
		return nil, notResponse(root)
	}
	if err := checkStatus(root); err != nil {
		return nil, err
	}
	if enc := children(root, nsAssertion, "EncryptedAssertion"); len(enc) > 0 {
		return nil, &Error{
			Code:    CodeEncryptedAssertion,
			Message: "The IdP encrypted the assertion (EncryptedAssertion): Alibaba Cloud cannot decrypt it; turn off assertion encryption for the Alibaba Cloud application in the IdP.",
		}
	}
	assertions := children(root, nsAssertion, "Assertion")
	switch {
	case len(assertions) == 0:
		return nil, &Error{
			Code:    CodeNotSAMLResponse,
			Message: "The SAML response carries no Assertion: the IdP did not log you in; sign in through the IdP again.",
		}
	case len(assertions) > 1:
		return nil, &Error{
			Code:    CodeMultipleAssertions,
			Message: fmt.Sprintf("The SAML response carries %d assertions; ramsso and Alibaba Cloud accept exactly one: configure the IdP to send a single assertion.", len(assertions)),
		}
	}
	a := assertions[0]
	r := &Response{
		Issuer:      strings.TrimSpace(text(child(root, nsAssertion, "Issuer"))),
		Destination: attr(root, "Destination"),
		Audiences:   []string{},
		Roles:       []Role{},
		Signed: Signed{
			Response:  child(root, nsDSig, "Signature") != nil,
			Assertion: child(a, nsDSig, "Signature") != nil,
		},
	}
	if r.Issuer == "" {
		r.Issuer = strings.TrimSpace(text(child(a, nsAssertion, "Issuer")))
	}
	readSubject(a, r)
	readConditions(a, r)
	for _, st := range children(a, nsAssertion, "AuthnStatement") {
		r.SessionNotOnOrAfter = earliest(r.SessionNotOnOrAfter, parseTime(attr(st, "SessionNotOnOrAfter")))
	}
	r.Site = siteOf(r)
	if err := readAttributes(a, r); err != nil {
		return nil, err
	}
	return r, nil
}

func notResponse(root *etree.Element) *Error {
	hint := "give the SAMLResponse the IdP POSTs to " + SSOURLChina + " or " + SSOURLInternational
	switch {
	case is(root, nsProtocol, "AuthnRequest"):
		hint = "this is the request the SP sends to the IdP; " + hint
	case is(root, nsProtocol, "LogoutResponse"), is(root, nsProtocol, "LogoutRequest"):
		hint = "this is a logout message; " + hint
	case is(root, nsAssertion, "Assertion"):
		hint = "this is a bare Assertion; give the whole Response that wraps it"
	}
	return &Error{
		Code:    CodeNotSAMLResponse,
		Message: fmt.Sprintf("The document is not a SAML Response: its root element is %s; %s.", qname(root), hint),
	}
}

func checkStatus(root *etree.Element) error {
	status := child(root, nsProtocol, "Status")
	code := child(status, nsProtocol, "StatusCode")
	value := attr(code, "Value")
	if value == statusSuccess {
		return nil
	}
	if status == nil || value == "" {
		return &Error{
			Code:    CodeIDPError,
			Message: "The SAML response has no Status code, so the IdP did not report a successful login: sign in through the IdP again.",
		}
	}
	desc := oneLine(lastSegment(value))
	if sub := attr(child(code, nsProtocol, "StatusCode"), "Value"); sub != "" {
		desc += "/" + oneLine(lastSegment(sub))
	}
	msg := fmt.Sprintf("The IdP reported an error instead of a login (status %s)", desc)
	if m := oneLine(text(child(status, nsProtocol, "StatusMessage"))); m != "" {
		msg += ": " + m
	}
	msg += "; check that your IdP account is assigned to the Alibaba Cloud application and sign in again."
	return &Error{Code: CodeIDPError, Message: msg}
}

func lastSegment(urn string) string {
	if i := strings.LastIndexByte(urn, ':'); i >= 0 && i+1 < len(urn) {
		return urn[i+1:]
	}
	return urn
}

// oneLine collapses whitespace and bounds length so a value fits in a
// one-line message.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 200
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func readSubject(a *etree.Element, r *Response) {
	subject := child(a, nsAssertion, "Subject")
	if subject == nil {
		return
	}
	if id := child(subject, nsAssertion, "NameID"); id != nil {
		r.Subject = strings.TrimSpace(text(id))
		r.SubjectFormat = attr(id, "Format")
	}
	// Prefer bearer confirmations (the ones the Web SSO profile uses); fall
	// back to any.
	confs := children(subject, nsAssertion, "SubjectConfirmation")
	var bearer []*etree.Element
	for _, c := range confs {
		if attr(c, "Method") == cmBearer {
			bearer = append(bearer, c)
		}
	}
	if len(bearer) > 0 {
		confs = bearer
	}
	for _, c := range confs {
		data := child(c, nsAssertion, "SubjectConfirmationData")
		if data == nil {
			continue
		}
		if r.Recipient == "" {
			r.Recipient = attr(data, "Recipient")
		}
		r.NotOnOrAfter = earliest(r.NotOnOrAfter, parseTime(attr(data, "NotOnOrAfter")))
	}
}

func readConditions(a *etree.Element, r *Response) {
	cond := child(a, nsAssertion, "Conditions")
	if cond == nil {
		return
	}
	r.NotBefore = parseTime(attr(cond, "NotBefore"))
	r.NotOnOrAfter = earliest(r.NotOnOrAfter, parseTime(attr(cond, "NotOnOrAfter")))
	for _, ar := range children(cond, nsAssertion, "AudienceRestriction") {
		for _, au := range children(ar, nsAssertion, "Audience") {
			if v := strings.TrimSpace(text(au)); v != "" {
				r.Audiences = append(r.Audiences, v)
			}
		}
	}
}

// siteOf tells the Alibaba Cloud site from the audience, else from the
// Destination or Recipient host.
func siteOf(r *Response) string {
	for _, au := range r.Audiences {
		switch au {
		case AudienceChina:
			return SiteChina
		case AudienceInternational:
			return SiteInternational
		}
	}
	for _, raw := range []string{r.Destination, r.Recipient} {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		switch strings.ToLower(u.Hostname()) {
		case "signin.aliyun.com":
			return SiteChina
		case "signin.alibabacloud.com":
			return SiteInternational
		}
	}
	return ""
}

// readAttributes reads the Role, RoleSessionName and SessionDuration
// attributes from every AttributeStatement.
func readAttributes(a *etree.Element, r *Response) error {
	seen := map[string]bool{}
	var bad []string
	roleAttrs := 0
	names := map[string]bool{}
	haveSessionName := false
	for _, st := range children(a, nsAssertion, "AttributeStatement") {
		for _, at := range children(st, nsAssertion, "Attribute") {
			name := attr(at, "Name")
			names[name] = true
			values := children(at, nsAssertion, "AttributeValue")
			switch name {
			case AttrRole:
				roleAttrs++
				for _, v := range values {
					raw := text(v)
					role, err := ParseRole(raw)
					if err != nil || role.ProviderArn == "" {
						if strings.TrimSpace(raw) != "" {
							bad = append(bad, raw)
						}
						continue
					}
					key := role.TargetRole()
					if seen[key] {
						continue
					}
					seen[key] = true
					r.Roles = append(r.Roles, role)
				}
			case AttrRoleSessionName:
				if !haveSessionName && len(values) > 0 {
					r.SessionName = strings.TrimSpace(text(values[0]))
					haveSessionName = true
				}
			case AttrSessionDuration:
				if r.SessionDuration == 0 && len(values) > 0 {
					// Lenient: a value that is not a whole number of
					// seconds counts as absent; STS has the last word.
					if n, err := strconv.Atoi(strings.TrimSpace(text(values[0]))); err == nil && n > 0 {
						r.SessionDuration = n
					}
				}
			}
		}
	}
	if len(r.Roles) > 0 {
		return nil
	}
	return noRoles(roleAttrs, bad, names)
}

func noRoles(roleAttrs int, bad []string, names map[string]bool) *Error {
	msg := "The assertion has no usable role: Alibaba Cloud needs the attribute " + AttrRole +
		" with values like acs:ram::<account-id>:role/<role>,acs:ram::<account-id>:saml-provider/<provider>; "
	switch {
	case len(bad) > 0:
		msg += fmt.Sprintf("it has %d value(s) that are not such a pair, for example %q", len(bad), oneLine(bad[0]))
	case roleAttrs > 0:
		msg += "the attribute is there but has no values"
	default:
		var near, other []string
		for n := range names {
			if strings.EqualFold(n, AttrRole) || strings.HasSuffix(strings.ToLower(n), "/role") {
				near = append(near, n)
			} else if n != "" {
				other = append(other, n)
			}
		}
		sort.Strings(near)
		sort.Strings(other)
		switch {
		case len(near) > 0:
			msg += fmt.Sprintf("it is missing, but %q looks similar (attribute names must match exactly)", oneLine(near[0]))
		case len(other) > 0:
			if len(other) > 5 {
				other = append(other[:5], "…")
			}
			msg += "it is missing; the attributes sent are " + oneLine(strings.Join(other, ", "))
		default:
			msg += "the assertion has no attributes at all"
		}
	}
	msg += "; map the Role attribute in the IdP's Alibaba Cloud application."
	return &Error{Code: CodeNoRoles, Message: msg}
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}

// parseTime parses an xs:dateTime leniently: fractional seconds of any
// length, 'Z', an offset or no zone (read as UTC). It returns the instant
// in UTC truncated to the second, or the zero time when s is empty or
// unreadable.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if len(s) < len("2006-01-02T15:04:05") {
		return time.Time{}
	}
	loc := time.UTC
	switch last := s[len(s)-1]; {
	case last == 'Z' || last == 'z':
		s = s[:len(s)-1]
	case len(s) >= 25 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') && s[len(s)-3] == ':':
		off := s[len(s)-6:]
		h, err1 := strconv.Atoi(off[1:3])
		m, err2 := strconv.Atoi(off[4:6])
		if err1 != nil || err2 != nil || h > 14 || m > 59 {
			return time.Time{}
		}
		secs := h*3600 + m*60
		if off[0] == '-' {
			secs = -secs
		}
		loc = time.FixedZone(off, secs)
		s = s[:len(s)-6]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac := s[i+1:]
		if frac == "" || strings.Trim(frac, "0123456789") != "" {
			return time.Time{}
		}
		s = s[:i]
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc)
	if err != nil {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}
