package emulator

import (
	"crypto/subtle"
	"time"
)

// issuedCredentials is what the STS emulator remembers of credentials it
// minted: the secrets, so the federation emulator can check a sign-in
// request and the signed APIs can verify signatures, and the identity,
// for GetCallerIdentity and role trust checks.
type issuedCredentials struct {
	accessKeyID   string
	secret, token string
	expires       time.Time

	roleArn       string // acs:ram::<account>:role/<name>
	account       string
	arn           string // the assumed-role ARN
	assumedRoleID string // <role id>:<session name>
	roleID        string
}

// identityOf describes credentials minted for roleArn.
func identityOf(roleArn string, u assumedRoleUser, c credentials) *issuedCredentials {
	exp, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration)
	if err != nil {
		return nil
	}
	account := ""
	if m := roleArnRe.FindStringSubmatch(roleArn); m != nil {
		account = m[1]
	}
	return &issuedCredentials{
		accessKeyID: c.AccessKeyID, secret: c.AccessKeySecret, token: c.SecurityToken, expires: exp,
		roleArn: roleArn, account: account, arn: u.Arn, assumedRoleID: u.AssumedRoleID, roleID: roleID(roleArn),
	}
}

// Issued reports whether this emulator minted the credential triple and
// it has not expired (by the emulator's clock).
func (s *Server) Issued(accessKeyID, secret, token string) bool {
	v, ok := s.issued.Load(accessKeyID)
	if !ok {
		return false
	}
	c := v.(issuedCredentials)
	return subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) == 1 &&
		subtle.ConstantTimeCompare([]byte(c.token), []byte(token)) == 1 &&
		s.now().Before(c.expires)
}
