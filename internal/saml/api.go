// Package saml decodes the SAML 2.0 Responses that identity providers POST
// to Alibaba Cloud's role-based SSO endpoint, and extracts the RAM roles and
// session attributes ramsso needs. It does not verify signatures: Alibaba
// STS does that. It imports no other ramsso package.
package saml

import "time"

// Attribute names Alibaba Cloud reads from the assertion.
const (
	AttrRole            = "https://www.aliyun.com/SAML-Role/Attributes/Role"
	AttrRoleSessionName = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"
	AttrSessionDuration = "https://www.aliyun.com/SAML-Role/Attributes/SessionDuration"
)

// Audiences and SSO endpoints of the two Alibaba Cloud sites.
const (
	AudienceChina         = "urn:alibaba:cloudcomputing"
	AudienceInternational = "urn:alibaba:cloudcomputing:international"
	SSOURLChina           = "https://signin.aliyun.com/saml-role/sso"
	SSOURLInternational   = "https://signin.alibabacloud.com/saml-role/sso"
)

// Site values.
const (
	SiteChina         = "china"
	SiteInternational = "international"
)

// MaxAssertionChars is the largest base64 SAMLAssertion Alibaba STS accepts.
const MaxAssertionChars = 100000

// Error codes, as printed by `ramsso decode --json`.
const (
	CodeInvalidEncoding    = "invalid_encoding"
	CodeInvalidXML         = "invalid_xml"
	CodeNotSAMLResponse    = "not_saml_response"
	CodeIDPError           = "idp_error"
	CodeEncryptedAssertion = "encrypted_assertion"
	CodeNoRoles            = "no_roles"
	CodeTooLarge           = "too_large"
	CodeMultipleAssertions = "multiple_assertions"
	CodeInvalidRole        = "invalid_role"
)

// Error is a decoding failure with a stable machine-readable Code and a
// one-line Message that says what is wrong and what to do.
type Error struct {
	Code    string
	Message string
	Err     error // underlying cause, may be nil
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Role is one RAM role the assertion allows, with the SAML provider that
// vouches for it.
type Role struct {
	RoleArn      string `json:"roleArn"`
	ProviderArn  string `json:"providerArn"`
	AccountID    string `json:"accountId"`
	RoleName     string `json:"roleName"`
	ProviderName string `json:"providerName"`
}

// TargetRole is the `roleArn,providerArn` form the console and STS use.
func (r Role) TargetRole() string { return r.RoleArn + "," + r.ProviderArn }

// Signed says where a ds:Signature element is present (not that it verifies).
type Signed struct {
	Response  bool `json:"response"`
	Assertion bool `json:"assertion"`
}

// Response is a decoded SAML Response.
type Response struct {
	Issuer              string
	Subject             string
	SubjectFormat       string
	Destination         string
	Recipient           string
	Audiences           []string
	Site                string // SiteChina, SiteInternational or ""
	NotBefore           time.Time
	NotOnOrAfter        time.Time // earliest of Conditions and SubjectConfirmationData
	SessionNotOnOrAfter time.Time
	SessionName         string
	SessionDuration     int // seconds; 0 when absent
	Signed              Signed
	Roles               []Role // document order, de-duplicated

	// Base64 is the Response in standard base64, exactly as STS wants it
	// in SAMLAssertion. It is a bearer secret: never log it.
	Base64 string
}
