package creds

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		exp  time.Time
		want bool
	}{
		{"zero", time.Time{}, true},
		{"past", now.Add(-time.Minute), true},
		{"inside margin", now.Add(4 * time.Minute), true},
		{"exactly margin", now.Add(ExpiryMargin), true},
		{"just outside margin", now.Add(ExpiryMargin + time.Second), false},
		{"hour", now.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Credentials{Expiration: tt.exp}).Expired(now); got != tt.want {
				t.Fatalf("Expired() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStringHidesSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "STS.id", AccessKeySecret: "topsecret", SecurityToken: "tok3n", Expiration: time.Unix(0, 0)}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v", c), c.String()} {
		if strings.Contains(s, "topsecret") || strings.Contains(s, "tok3n") {
			t.Fatalf("secret leaked: %s", s)
		}
	}
	if got := c.ExpirationString(); got != "1970-01-01T00:00:00Z" {
		t.Fatalf("ExpirationString = %q", got)
	}
}
