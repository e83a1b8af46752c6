// Package creds holds the temporary credential triple that STS returns and
// ramsso serves, and the one rule for when such credentials count as expired.
package creds

import "time"

// ExpiryMargin is how long before its real expiry a session counts as
// expired everywhere in ramsso. credentials-go re-runs External commands
// 180 s before expiry, so anything shorter would hand out keys that die
// mid-request.
const ExpiryMargin = 5 * time.Minute

// TimeFormat is the only expiration format credentials-go parses.
const TimeFormat = "2006-01-02T15:04:05Z"

// Credentials are Alibaba Cloud STS temporary credentials.
type Credentials struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	AccessKeySecret string    `json:"AccessKeySecret"`
	SecurityToken   string    `json:"SecurityToken"`
	Expiration      time.Time `json:"Expiration"`
}

// Expired reports whether c has less than ExpiryMargin left at now.
func (c Credentials) Expired(now time.Time) bool { return ExpiredAt(c.Expiration, now) }

// ExpiredAt reports whether something expiring at exp has less than
// ExpiryMargin left at now (a zero exp counts as expired).
func ExpiredAt(exp, now time.Time) bool {
	return exp.IsZero() || !now.Add(ExpiryMargin).Before(exp)
}

// ExpirationString formats the expiration as credentials-go expects it.
func (c Credentials) ExpirationString() string {
	return c.Expiration.UTC().Format(TimeFormat)
}

// String never prints secrets, so a stray %v cannot leak them.
func (c Credentials) String() string {
	return "Credentials{AccessKeyId:" + c.AccessKeyID + ", Expiration:" + c.ExpirationString() + "}"
}
