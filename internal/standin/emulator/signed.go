package emulator

// The signed STS APIs: AssumeRole (role chaining from an STS session the
// emulator issued) and GetCallerIdentity. Unlike AssumeRoleWithSAML they are
// authenticated by Alibaba's RPC signature (signature version 1.0):
//
//	StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" +
//	               percentEncode(CanonicalizedQueryString)
//	Signature    = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//
// where CanonicalizedQueryString is every request parameter (query and
// form, except Signature) sorted by name, each name and value
// percent-encoded per RFC 3986 (space as %20, '*' as %2A, '~' kept), joined
// with '=' and '&'. Source: Alibaba Cloud's "Signature mechanism" for RPC
// APIs, https://www.alibabacloud.com/help/doc-detail/196741.htm (and the
// per-product copies of the same page, e.g.
// https://help.aliyun.com/en/document_detail/145075.html): SignatureMethod
// HMAC-SHA1 only, SignatureVersion 1.0, SignatureNonce unique per request
// to prevent replay, Timestamp in ISO 8601 UTC (yyyy-MM-ddTHH:mm:ssZ).
//
// Error codes are the ones Alibaba's STS troubleshooting page lists for
// AssumeRole (https://www.alibabacloud.com/help/doc-detail/42775.htm:
// NoPermission, MissingSecurityToken, InvalidAccessKeyId.NotFound,
// InvalidParameter.PolicyGrammar, InvalidParameter.RoleSessionName,
// InvalidParameter.DurationSeconds) and the gateway's common codes as its
// API troubleshooter spells them (SignatureDoesNotMatch,
// SignatureNonceUsed, InvalidTimeStamp.Expired, InvalidTimeStamp.Format,
// InvalidSecurityToken.Expired, InvalidSecurityToken.Malformed,
// InvalidSecurityToken.MismatchWithAccessKey). The HTTP statuses of the
// common codes are not in those pages; the emulator answers 400 for
// request errors, 404 for unknown keys and entities and 403 for refusals,
// which is what clients classify by (they look at Code, not status).

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// TimestampWindow is how far a signed request's Timestamp may be from the
// emulator's clock. Alibaba documents that a request's timestamp must be
// within 15 minutes of the server's time.
const TimestampWindow = 15 * time.Minute

// externalIDRe is AssumeRole's documented ExternalId rule (2 to 1,224
// characters of `[\w+=,.@:\/-]`), from the AssumeRole API reference
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole.
var externalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// caller is the identity a signed request was made with.
type caller struct {
	accessKeyID string
	id          issuedCredentials
}

// RPCStringToSign builds Alibaba's RPC signature string for method and
// the request parameters params (Signature itself is left out).
func RPCStringToSign(method string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		b.WriteString(percentEncode(params.Get(k)))
	}
	return strings.ToUpper(method) + "&" + percentEncode("/") + "&" + percentEncode(b.String())
}

// RPCSignature signs stringToSign with the AccessKey secret.
func RPCSignature(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// percentEncode is RFC 3986 encoding as Alibaba's signature uses it:
// unreserved characters (A-Z a-z 0-9 - _ . ~) kept, everything else %XX
// in upper case, space as %20.
func percentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

func mandatory(name string) *apiError {
	return &apiError{Status: 400, Code: "MissingParameter",
		Message: `The input parameter "` + name + `" that is mandatory for processing this request is not supplied.`}
}

// authenticate checks a signed request: the signature parameters, the
// timestamp window, the nonce, the AccessKey (one this emulator issued),
// its SecurityToken, and finally the signature itself.
func (s *Server) authenticate(method string, f url.Values) (*caller, *apiError) {
	for _, p := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if f.Get(p) == "" {
			return nil, mandatory(p)
		}
	}
	if m := f.Get("SignatureMethod"); m != "HMAC-SHA1" {
		return nil, &apiError{Status: 400, Code: "InvalidSignatureMethod", Message: "Specified signature method " + m + " is not supported; use HMAC-SHA1."}
	}
	if v := f.Get("SignatureVersion"); v != "1.0" {
		// No Alibaba page names the code for a wrong version; this is
		// the generic parameter error the gateway uses.
		return nil, &apiError{Status: 400, Code: "InvalidParameter", Message: "Specified signature version " + v + " is not supported; use 1.0."}
	}
	if t := f.Get("SignatureType"); t != "" {
		return nil, &apiError{Status: 400, Code: "InvalidParameter", Message: "Specified SignatureType " + t + " is not supported by this emulator."}
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", f.Get("Timestamp"))
	if err != nil {
		return nil, &apiError{Status: 400, Code: "InvalidTimeStamp.Format", Message: "Specified time stamp or date value is not well formatted: use yyyy-MM-ddTHH:mm:ssZ in UTC."}
	}
	now := s.now()
	if d := now.Sub(ts); d > TimestampWindow || d < -TimestampWindow {
		return nil, &apiError{Status: 400, Code: "InvalidTimeStamp.Expired",
			Message: fmt.Sprintf("Specified time stamp or date value is expired: the request's Timestamp %s is more than %s from the server's time %s.",
				ts.Format(time.RFC3339), TimestampWindow, now.UTC().Format(time.RFC3339))}
	}
	akid := f.Get("AccessKeyId")
	v, ok := s.issued.Load(akid)
	if !ok {
		return nil, &apiError{Status: 404, Code: "InvalidAccessKeyId.NotFound", Message: "Specified access key is not found."}
	}
	id := v.(issuedCredentials)
	tok := f.Get("SecurityToken")
	switch {
	case tok == "":
		return nil, &apiError{Status: 400, Code: "MissingSecurityToken", Message: "SecurityToken is mandatory for this action."}
	case !strings.HasPrefix(tok, "CAIS") || len(tok) < 100:
		return nil, &apiError{Status: 400, Code: "InvalidSecurityToken.Malformed", Message: "Specified SecurityToken is malformed."}
	case subtle.ConstantTimeCompare([]byte(tok), []byte(id.token)) != 1:
		return nil, &apiError{Status: 400, Code: "InvalidSecurityToken.MismatchWithAccessKey", Message: "Specified SecurityToken mismatch with the AccessKey."}
	case !now.Before(id.expires):
		return nil, &apiError{Status: 400, Code: "InvalidSecurityToken.Expired", Message: "Specified SecurityToken is expired."}
	}
	want := RPCSignature(id.secret, RPCStringToSign(method, f))
	if subtle.ConstantTimeCompare([]byte(want), []byte(f.Get("Signature"))) != 1 {
		return nil, &apiError{Status: 400, Code: "SignatureDoesNotMatch",
			Message: "Specified signature is not matched with our calculation. Check the AccessKey secret and how the string to sign is built."}
	}
	// The nonce is recorded only for a request whose signature verified,
	// so nobody can burn another caller's nonce.
	if !s.useNonce(akid+"\x00"+f.Get("SignatureNonce"), now) {
		return nil, &apiError{Status: 400, Code: "SignatureNonceUsed", Message: "Specified signature nonce was used already."}
	}
	return &caller{accessKeyID: akid, id: id}, nil
}

// useNonce records a nonce; false when it was seen within the window.
func (s *Server) useNonce(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces == nil {
		s.nonces = map[string]time.Time{}
	}
	for k, at := range s.nonces {
		if now.Sub(at) > 2*TimestampWindow {
			delete(s.nonces, k)
		}
	}
	if _, seen := s.nonces[key]; seen {
		return false
	}
	s.nonces[key] = now
	return true
}

// assumeRoleSuccess is the AssumeRole answer.
type assumeRoleSuccess struct {
	XMLName         xml.Name        `json:"-" xml:"AssumeRoleResponse"`
	RequestID       string          `json:"RequestId" xml:"RequestId"`
	Credentials     credentials     `json:"Credentials" xml:"Credentials"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser" xml:"AssumedRoleUser"`
}

// callerIdentity is the GetCallerIdentity answer (field names from the
// API reference and the SDK's GetCallerIdentityResponse).
type callerIdentity struct {
	XMLName      xml.Name `json:"-" xml:"GetCallerIdentityResponse"`
	RequestID    string   `json:"RequestId" xml:"RequestId"`
	IdentityType string   `json:"IdentityType" xml:"IdentityType"`
	AccountID    string   `json:"AccountId" xml:"AccountId"`
	UserID       string   `json:"UserId" xml:"UserId"`
	Arn          string   `json:"Arn" xml:"Arn"`
	PrincipalID  string   `json:"PrincipalId" xml:"PrincipalId"`
	RoleID       string   `json:"RoleId" xml:"RoleId"`
}

func (c *callerIdentity) setRequestID(id string)    { c.RequestID = id }
func (a *assumeRoleSuccess) setRequestID(id string) { a.RequestID = id }

// getCallerIdentity answers who signed the request.
func (s *Server) getCallerIdentity(c *caller) *callerIdentity {
	return &callerIdentity{
		IdentityType: "AssumedRoleUser",
		AccountID:    c.id.account,
		UserID:       c.id.assumedRoleID,
		Arn:          c.id.arn,
		PrincipalID:  c.id.assumedRoleID,
		RoleID:       c.id.roleID,
	}
}

// assumeRole checks AssumeRole's parameters, the target role and its trust
// policy, and mints credentials.
// assumeRoleSessionNameRe is AssumeRole's RoleSessionName parameter rule
// (2 to 64 letters, digits, '.', '@', '-', '_'), which is the API's own and
// differs from what the SAML RoleSessionName attribute allows
// (saml.RoleSessionNameRule).
var assumeRoleSessionNameRe = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)

func (s *Server) assumeRole(c *caller, f url.Values) (*assumeRoleSuccess, *issuedCredentials, *apiError) {
	roleArn, name := f.Get("RoleArn"), f.Get("RoleSessionName")
	switch {
	case roleArn == "":
		return nil, nil, missing("RoleArn")
	case name == "":
		return nil, nil, missing("RoleSessionName")
	}
	if !assumeRoleSessionNameRe.MatchString(name) {
		return nil, nil, &apiError{Status: 400, Code: "InvalidParameter.RoleSessionName",
			Message: "The parameter RoleSessionName is wrongly formed: use 2 to 64 letters, digits, '.', '@', '-' or '_'."}
	}
	if !roleArnRe.MatchString(roleArn) {
		return nil, nil, &apiError{Status: 400, Code: "InvalidParameter.RoleArn", Message: "The parameter RoleArn is wrongly formed."}
	}
	dur, ok := durationParam(f.Get("DurationSeconds"))
	if !ok {
		return nil, nil, &apiError{Status: 400, Code: "InvalidParameter.DurationSeconds", Message: "The Min/Max value of DurationSeconds is 15min/the role's MaxSessionDuration."}
	}
	if ext := f.Get("ExternalId"); ext != "" && (len(ext) < 2 || len(ext) > 1224 || !externalIDRe.MatchString(ext)) {
		return nil, nil, &apiError{Status: 400, Code: "InvalidParameter.ExternalId", Message: "The parameter ExternalId is wrongly formed: 2 to 1224 characters of letters, digits and = , . @ : / - _."}
	}
	if apiErr := checkPolicy(f.Get("Policy")); apiErr != nil {
		return nil, nil, apiErr
	}
	role, ok := s.cfg.roles[roleArn]
	if !ok {
		return nil, nil, &apiError{Status: 404, Code: "EntityNotExist.Role", Message: "The role not exists: " + roleArn + "."}
	}
	if dur > role.MaxSessionDuration {
		return nil, nil, &apiError{Status: 400, Code: "InvalidParameter.DurationSeconds",
			Message: fmt.Sprintf("The Min/Max value of DurationSeconds is 15min/%d seconds (the role's MaxSessionDuration).", role.MaxSessionDuration)}
	}
	if len(role.TrustedRoles) > 0 && !contains(role.TrustedRoles, c.id.roleArn) {
		return nil, nil, &apiError{Status: 403, Code: "NoPermission",
			Message: "You are not authorized to do this action. You should be authorized by RAM: the role's trust policy does not allow " + c.id.arn + "."}
	}
	if role.ExternalID != "" && subtle.ConstantTimeCompare([]byte(role.ExternalID), []byte(f.Get("ExternalId"))) != 1 {
		return nil, nil, &apiError{Status: 403, Code: "NoPermission",
			Message: "You are not authorized to do this action. You should be authorized by RAM: the role's trust policy requires a matching ExternalId."}
	}
	now := s.now()
	m := roleArnRe.FindStringSubmatch(roleArn)
	res := &assumeRoleSuccess{
		Credentials: newCredentials(now, dur),
		AssumedRoleUser: assumedRoleUser{
			Arn:           "acs:ram::" + m[1] + ":assumed-role/" + m[2] + "/" + name,
			AssumedRoleID: roleID(roleArn) + ":" + name,
		},
	}
	return res, identityOf(roleArn, res.AssumedRoleUser, res.Credentials), nil
}

// checkPolicy applies STS's session policy limits.
func checkPolicy(pol string) *apiError {
	if pol == "" {
		return nil
	}
	if len(pol) > 2048 {
		return &apiError{Status: 400, Code: "InvalidParameter.PolicySize", Message: "The max size of policy string is 2048."}
	}
	if !jsonValid(pol) {
		return &apiError{Status: 400, Code: "InvalidParameter.PolicyGrammar", Message: "The parameter Policy has not passed grammar check."}
	}
	return nil
}
