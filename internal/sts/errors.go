package sts

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

	"github.com/ramsso/ramsso/internal/saml"
)

// Retryable reports whether the same request may succeed if sent again
// later: HTTP 5xx, any Throttling* code whatever the status (STS answers
// Throttling.User with HTTP 400), InternalError and ServiceUnavailable.
func (e *APIError) Retryable() bool {
	if e == nil {
		return false
	}
	switch {
	case e.HTTPStatus >= 500:
		return true
	case strings.HasPrefix(e.Code, "Throttling"):
		return true
	case e.Code == "InternalError", e.Code == "ServiceUnavailable", e.Code == "UnknownError":
		return true
	}
	return false
}

// remedies maps exact STS codes to what the user should do. Codes not here
// are matched by prefix in Remedy.
var remedies = map[string]string{
	"MissingSAMLProviderArn":           "STS got no SAMLProviderArn: the chosen role has no SAML provider ARN. Each value of the IdP's Role attribute must be `acs:ram::<account>:role/<name>,acs:ram::<account>:saml-provider/<name>`; fix the IdP's Role attribute and log in again.",
	"MissingParameter.SAMLProviderArn": "STS got no SAMLProviderArn: the chosen role has no SAML provider ARN. Each value of the IdP's Role attribute must be `acs:ram::<account>:role/<name>,acs:ram::<account>:saml-provider/<name>`; fix the IdP's Role attribute and log in again.",
	"MissingRoleArn":                   "STS got no RoleArn: pick a role (--role) or fix the IdP's Role attribute so each value carries `acs:ram::<account>:role/<name>`, then log in again.",
	"MissingParameter.RoleArn":         "STS got no RoleArn: pick a role (--role) or fix the IdP's Role attribute so each value carries `acs:ram::<account>:role/<name>`, then log in again.",
	"MissingSAMLAssertion":             "STS got no SAML assertion: capture a fresh login (log in through your IdP again) or pass the whole base64 SAMLResponse with --saml.",
	"MissingParameter.SAMLAssertion":   "STS got no SAML assertion: capture a fresh login (log in through your IdP again) or pass the whole base64 SAMLResponse with --saml.",

	"InvalidParameter.DurationSeconds": "The role does not allow a session that long: ask for less (--duration, at least 900s) or raise the role's MaxSessionDuration in the RAM console (Roles > the role > Maximum session duration, up to 43200 s).",
	"InvalidParameter.RoleSessionName": "The RoleSessionName your IdP sends is not accepted: configure the IdP's `https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName` attribute to exactly one value of " + saml.RoleSessionNameRule + " (for example the user's e-mail or login name).",
	"InvalidParameter.RoleArn":         "The role ARN is malformed: it must look like `acs:ram::<account id>:role/<role name>`; check --role and the IdP's Role attribute.",
	"InvalidParameter.SAMLProviderArn": "The SAML provider ARN is malformed: it must look like `acs:ram::<account id>:saml-provider/<provider name>`; check the IdP's Role attribute.",
	"InvalidParameter.SAMLAssertion":   "STS could not read the assertion: send the whole SAMLResponse, base64-encoded as the IdP posted it (not the decoded XML and not only the Assertion element); capture a fresh login.",
	"InvalidParameter.PolicyGrammar":   "The --policy document is not a valid RAM policy: check its JSON and its Version/Statement/Effect/Action/Resource grammar.",
	"InvalidParameter.PolicySize":      "The --policy document is too long: STS accepts at most 2048 characters; shorten it.",

	"EntityNotExist.SAMLProvider": "The SAML provider named in the assertion does not exist in that account: check the provider ARN in the IdP's Role attribute (acs:ram::<account>:saml-provider/<name>) against the SAML identity providers in the account's RAM console (name and account id must match exactly).",
	"EntityNotExist.RoleArn":      "The role does not exist in that account: check the role ARN in the IdP's Role attribute (acs:ram::<account>:role/<name>) against the roles in the account's RAM console; role names are case-sensitive.",
	"EntityNotExist.Role":         "The role does not exist in that account: check the role ARN in the IdP's Role attribute (acs:ram::<account>:role/<name>) against the roles in the account's RAM console; role names are case-sensitive.",

	"AuthenticationFail.SAMLAssertion.Expired": "The SAML assertion has expired: log in through your IdP again (assertions are valid for minutes), and check that this machine's clock is correct.",
	"AuthenticationFail.SAMLAssertion.Invalid": "STS rejected the SAML assertion (signature, Audience or Recipient wrong, or the assertion was already used): check the IdP's Alibaba Cloud app (Audience `urn:alibaba:cloudcomputing`, or `urn:alibaba:cloudcomputing:international` for international accounts; Recipient/ACS `https://signin.aliyun.com/saml-role/sso` or the alibabacloud.com one; assertion signed with the certificate in the uploaded metadata), then log in again.",
	"AuthenticationFail.IDPMetadata.Invalid":   "The IdP metadata stored in RAM for this SAML provider is invalid or out of date (for example after a signing certificate rotation): download the IdP's current metadata and re-upload it to the SAML provider in the RAM console.",

	"NoPermission":          "The role does not trust this SAML provider: its trust policy must allow `sts:AssumeRole` for the principal `{\"Federated\": [\"acs:ram::<account>:saml-provider/<name>\"]}` (with the matching `saml:recipient` condition); edit the role's trust policy in the RAM console.",
	"InternalError":         "STS had an internal error: retry in a little while; if it persists, check the Alibaba Cloud status page and quote the RequestId to support.",
	"ServiceUnavailable":    "STS is temporarily unavailable: retry in a little while; if it persists, try a regional endpoint (--sts-region) or quote the RequestId to support.",
	"UnknownError":          "STS answered with an unknown error: retry in a little while; if it persists, quote the RequestId to Alibaba Cloud support.",
	"SignatureDoesNotMatch": "STS refused the request signature: check that the endpoint (--sts-endpoint / RAMSSO_STS_ENDPOINT) really is Alibaba Cloud STS and that no proxy rewrites requests.",
	"IncompleteSignature":   "STS refused the request signature: check that the endpoint (--sts-endpoint / RAMSSO_STS_ENDPOINT) really is Alibaba Cloud STS and that no proxy rewrites requests.",
}

// prefixRemedies maps code prefixes (checked in order) to remedies.
var prefixRemedies = []struct{ prefix, remedy string }{
	{"Throttling", "STS is throttling requests: slow down and try again in a minute; avoid running many logins or assume calls at once."},
	{"MissingParameter", "STS says a required parameter is missing: ramsso sends RoleArn, SAMLProviderArn and SAMLAssertion; capture a fresh login, and check that the IdP's Role attribute carries both the role and the provider ARN."},
	{"Missing", "STS says a required parameter is missing: ramsso sends RoleArn, SAMLProviderArn and SAMLAssertion; capture a fresh login, and check that the IdP's Role attribute carries both the role and the provider ARN."},
	{"InvalidParameter.Policy", "The --policy document was refused: check its JSON and RAM policy grammar, and keep it under 2048 characters."},
	{"EntityNotExist", "Something named in the request does not exist in that account: check the role and SAML provider ARNs in the IdP's Role attribute against the account's RAM console."},
	{"AuthenticationFail.SAMLAssertion", "STS rejected the SAML assertion: check the IdP's Alibaba Cloud app configuration (signature certificate, Audience, Recipient) and log in again."},
	{"AuthenticationFail", "STS could not authenticate the request: log in through your IdP again; if it persists, check the SAML provider's metadata in the RAM console."},
	{"NoPermission", "The role does not allow this: its trust policy must allow `sts:AssumeRole` for this SAML provider (`{\"Federated\": [\"acs:ram::<account>:saml-provider/<name>\"]}`); edit the role's trust policy in the RAM console."},
	{"Forbidden", "The role does not allow this: its trust policy must allow `sts:AssumeRole` for this SAML provider; edit the role's trust policy in the RAM console."},
	{"InvalidTimeStamp", "STS refused the request's timestamp: set this machine's clock correctly (enable NTP) and try again."},
	{"InvalidAccessKeyId", "STS refused the anonymous request: check that the endpoint (--sts-endpoint / RAMSSO_STS_ENDPOINT) really is Alibaba Cloud STS."},
	{"InvalidAction", "The endpoint does not offer AssumeRoleWithSAML: check that --sts-endpoint / RAMSSO_STS_ENDPOINT points at Alibaba Cloud STS (sts.aliyuncs.com or sts.<region>.aliyuncs.com)."},
	{"InvalidVersion", "The endpoint does not offer STS API version 2015-04-01: check that --sts-endpoint / RAMSSO_STS_ENDPOINT points at Alibaba Cloud STS."},
	{"UnsupportedHTTPMethod", "The endpoint refused the POST: check that --sts-endpoint / RAMSSO_STS_ENDPOINT points at Alibaba Cloud STS and that no proxy rewrites requests."},
	{"InvalidParameter", "STS refused a parameter: check --role, --duration (900s to 12h) and --policy, and the IdP's Role and RoleSessionName attributes."},
	{"InternalError", "STS had an internal error: retry in a little while."},
	{"ServiceUnavailable", "STS is temporarily unavailable: retry in a little while."},
}

// Remedy tells the user what to do about e, in one or two sentences. Every
// documented AssumeRoleWithSAML code has its own advice; other codes get
// general advice by family, and unknown ones point at STS's Recommend URL.
func (e *APIError) Remedy() string {
	if e == nil {
		return ""
	}
	if e.replayRefused() {
		return replayRemedy
	}
	if r, ok := remedies[e.Code]; ok {
		return r
	}
	for _, p := range prefixRemedies {
		if strings.HasPrefix(e.Code, p.prefix) {
			return p.remedy
		}
	}
	switch {
	case e.Code == "" && e.HTTPStatus >= 500:
		return "The STS endpoint (or a proxy in between) failed: retry in a little while; if it persists, check the proxy setting (RAMSSO_PROXY or \"proxy\" in settings.json) or choose another endpoint with --sts-endpoint / RAMSSO_STS_ENDPOINT."
	case e.Code == "":
		return "The endpoint did not answer like Alibaba Cloud STS: check --sts-endpoint / RAMSSO_STS_ENDPOINT and the proxy setting (RAMSSO_PROXY or \"proxy\" in settings.json)."
	case e.Recommend != "":
		return "STS refused the request with code " + e.Code + ": see " + e.Recommend + " for what it means, and check the IdP's Role attribute and the role's trust policy in RAM."
	default:
		return "STS refused the request with code " + e.Code + ": check the IdP's Role attribute, the SAML provider and the role's trust policy in the RAM console."
	}
}

// replayRemedy is what to do when STS refused an assertion because it had
// been used before. No Alibaba source says whether STS accepts an assertion
// the console already used, so the text claims nothing beyond what this STS
// answered.
const replayRemedy = "STS refused the assertion because it was already used (by the console sign-in or an earlier exchange): this IdP/STS refuses reuse, so run `ramsso login` (or log in through your IdP again) to get a fresh one."

// replayRefused reports whether e is STS refusing an assertion it has seen
// before: an AuthenticationFail.SAMLAssertion code whose message says so.
func (e *APIError) replayRefused() bool {
	if !strings.HasPrefix(e.Code, "AuthenticationFail.SAMLAssertion") {
		return false
	}
	m := strings.ToLower(e.Message)
	for _, w := range []string{"already been used", "already used", "replay", "reuse", "used before"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// IsCode reports whether err is (or wraps) an *APIError whose Code is
// prefix or starts with prefix followed by a dot: "Throttling" matches
// "Throttling" and "Throttling.User", "AuthenticationFail.SAMLAssertion"
// matches "AuthenticationFail.SAMLAssertion.Expired".
func IsCode(err error, prefix string) bool {
	var ae *APIError
	if !errors.As(err, &ae) || prefix == "" {
		return false
	}
	if ae.Code == prefix {
		return true
	}
	if strings.HasSuffix(prefix, ".") {
		return strings.HasPrefix(ae.Code, prefix)
	}
	return strings.HasPrefix(ae.Code, prefix+".")
}

// NetworkError means STS could not be reached (DNS, connect, TLS, timeout,
// connection reset). It names the endpoint and never the request URL.
type NetworkError struct {
	// Endpoint is the scheme://host[:port] that could not be reached.
	Endpoint string
	// Err is the underlying error, stripped of the request URL.
	Err error
}

// Error says which endpoint could not be reached and how to change it.
func (e *NetworkError) Error() string {
	return "cannot reach STS at " + e.Endpoint + ": " + e.Err.Error() +
		" (check the network; choose another endpoint with --sts-endpoint or RAMSSO_STS_ENDPOINT, or set a proxy with RAMSSO_PROXY or \"proxy\" in settings.json)"
}

// Unwrap returns the underlying error.
func (e *NetworkError) Unwrap() error { return e.Err }

// Retryable reports whether another attempt could get through: not for
// certificate errors or names that do not exist.
func (e *NetworkError) Retryable() bool {
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	var cve *tls.CertificateVerificationError
	if errors.As(e.Err, &uae) || errors.As(e.Err, &hne) || errors.As(e.Err, &cie) || errors.As(e.Err, &cve) {
		return false
	}
	var dns *net.DNSError
	if errors.As(e.Err, &dns) && dns.IsNotFound {
		return false
	}
	return true
}

// retryable classifies any error from one attempt.
func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne.Retryable()
	}
	return false
}
