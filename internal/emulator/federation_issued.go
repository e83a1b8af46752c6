package emulator

import (
	"crypto/subtle"
	"time"
)

// issuedCredentials is what the STS emulator remembers of credentials it
// minted, so the federation emulator can check a sign-in request.
type issuedCredentials struct {
	secret, token string
	expires       time.Time
}

func (s *Server) recordIssued(c credentials) {
	exp, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration)
	if err != nil {
		return
	}
	s.issued.Store(c.AccessKeyID, issuedCredentials{secret: c.AccessKeySecret, token: c.SecurityToken, expires: exp})
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
