package config

import (
	"context"
	"strings"
	"time"
)

// RoleMaxDuration is the longest session STS is known to allow for role
// (learned from a refusal, see RememberRoleMaxDuration), or 0 if unknown.
// Role ARNs compare case-insensitively, as RAM's do.
func (s *Settings) RoleMaxDuration(roleArn string) time.Duration {
	for arn, v := range s.RoleMaxDurations {
		if strings.EqualFold(arn, roleArn) {
			d, err := ParseDuration(v)
			if err != nil {
				return 0
			}
			return d
		}
	}
	return 0
}

// RoleMaxDurationMap is RoleMaxDurations parsed, for pickers.
func (s *Settings) RoleMaxDurationMap() map[string]time.Duration {
	m := make(map[string]time.Duration, len(s.RoleMaxDurations))
	for arn := range s.RoleMaxDurations {
		if d := s.RoleMaxDuration(arn); d > 0 {
			m[arn] = d
		}
	}
	return m
}

// RememberRoleMaxDuration records in home's settings that STS allowed role
// at most max (keeping every other key of the file), so later requests ask
// for no more. A zero max forgets it.
func RememberRoleMaxDuration(ctx context.Context, home, roleArn string, max time.Duration) error {
	return Update(ctx, home, func(s *Settings) error {
		for arn := range s.RoleMaxDurations {
			if strings.EqualFold(arn, roleArn) {
				delete(s.RoleMaxDurations, arn)
			}
		}
		if max <= 0 {
			return nil
		}
		if s.RoleMaxDurations == nil {
			s.RoleMaxDurations = map[string]string{}
		}
		s.RoleMaxDurations[roleArn] = max.Round(time.Second).String()
		return nil
	})
}
