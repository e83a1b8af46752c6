package saml

import (
	"fmt"
	"strings"
)

const arnPrefix = "acs:ram::"

// ParseRole parses a Role attribute value or a console choice:
// "roleArn,providerArn" in either order, with any whitespace around the
// values and the comma, e.g.
//
//	acs:ram::1234567890123456:role/admin,acs:ram::1234567890123456:saml-provider/okta
//
// A lone role ARN is accepted too (for a --role flag); the returned Role
// then has an empty ProviderArn and ProviderName. Errors are *Error with
// Code CodeInvalidRole.
func ParseRole(value string) (Role, error) {
	parts := strings.Split(value, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	var role Role
	switch len(parts) {
	case 1:
		if parts[0] == "" {
			return Role{}, invalidRole(value, "it is empty")
		}
		account, name, ok := splitARN(parts[0], "role/")
		if !ok {
			return Role{}, invalidRole(value, "it is not a role ARN acs:ram::<account-id>:role/<role>")
		}
		return Role{RoleArn: parts[0], AccountID: account, RoleName: name}, nil
	case 2:
		a, b := parts[0], parts[1]
		if _, _, ok := splitARN(a, "saml-provider/"); ok {
			a, b = b, a
		}
		account, name, ok := splitARN(a, "role/")
		if !ok {
			return Role{}, invalidRole(value, "it has no role ARN acs:ram::<account-id>:role/<role>")
		}
		_, provider, ok := splitARN(b, "saml-provider/")
		if !ok {
			return Role{}, invalidRole(value, "it has no SAML provider ARN acs:ram::<account-id>:saml-provider/<provider>")
		}
		role = Role{RoleArn: a, ProviderArn: b, AccountID: account, RoleName: name, ProviderName: provider}
		return role, nil
	default:
		return Role{}, invalidRole(value, fmt.Sprintf("it has %d comma-separated parts, not a role ARN and a provider ARN", len(parts)))
	}
}

// splitARN splits "acs:ram::<account>:<kind><name>" (prefix and kind
// matched case-insensitively) into the account id and the name.
func splitARN(arn, kind string) (account, name string, ok bool) {
	if len(arn) < len(arnPrefix) || !strings.EqualFold(arn[:len(arnPrefix)], arnPrefix) {
		return "", "", false
	}
	rest := arn[len(arnPrefix):]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return "", "", false
	}
	account, res := rest[:i], rest[i+1:]
	if len(res) <= len(kind) || !strings.EqualFold(res[:len(kind)], kind) {
		return "", "", false
	}
	name = res[len(kind):]
	if strings.ContainsAny(account, " \t\r\n/") || strings.ContainsAny(name, " \t\r\n,") {
		return "", "", false
	}
	return account, name, true
}

func invalidRole(value, why string) *Error {
	return &Error{
		Code:    CodeInvalidRole,
		Message: fmt.Sprintf("%q is not a valid role: %s; expected acs:ram::<account-id>:role/<role>,acs:ram::<account-id>:saml-provider/<provider>.", oneLine(value), why),
	}
}

// Role returns the role in r whose RoleArn equals roleArn (compared
// case-insensitively, as RAM does), and whether there is one.
func (r *Response) Role(roleArn string) (Role, bool) {
	roleArn = strings.TrimSpace(roleArn)
	for _, role := range r.Roles {
		if strings.EqualFold(role.RoleArn, roleArn) {
			return role, true
		}
	}
	return Role{}, false
}
