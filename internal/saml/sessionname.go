package saml

import "regexp"

// RoleSessionNameRule says, for people, what Alibaba Cloud accepts as the
// RoleSessionName attribute's value. Source: Alibaba Cloud's "SAML
// assertion attributes for role-based SSO"
// (https://www.alibabacloud.com/help/en/ram/saml-response-for-role-based-sso):
// 2 to 64 characters; letters, digits and the special characters - _ . @ = , +.
// The STS emulator and the remedy for InvalidParameter.RoleSessionName
// both use this one rule.
const RoleSessionNameRule = "2 to 64 characters from letters, digits and - _ . @ = , +"

// roleSessionNameRe is RoleSessionNameRule as a pattern.
var roleSessionNameRe = regexp.MustCompile(`^[A-Za-z0-9\-_.@=,+]{2,64}$`)

// ValidRoleSessionName reports whether s follows RoleSessionNameRule.
func ValidRoleSessionName(s string) bool { return roleSessionNameRe.MatchString(s) }
