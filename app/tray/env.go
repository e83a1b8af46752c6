package tray

import (
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/shellquote"
	"github.com/ramsso/ramsso/internal/store"
)

// EnvText is a session's variables in the shell syntax format (sh, fish or
// powershell), as `ramsso env` prints them.
func EnvText(s *store.Session, format, defaultRegion string) string {
	region := s.Region
	if region == "" {
		region = defaultRegion
	}
	c := s.Credentials
	vars := [][2]string{
		{"ALIBABA_CLOUD_ACCESS_KEY_ID", c.AccessKeyID},
		{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", c.AccessKeySecret},
		{"ALIBABA_CLOUD_SECURITY_TOKEN", c.SecurityToken},
	}
	if region != "" {
		vars = append(vars, [2]string{"ALIBABA_CLOUD_REGION_ID", region})
	}
	vars = append(vars,
		[2]string{"ALICLOUD_ACCESS_KEY", c.AccessKeyID},
		[2]string{"ALICLOUD_SECRET_KEY", c.AccessKeySecret},
		[2]string{"ALICLOUD_SECURITY_TOKEN", c.SecurityToken},
	)
	if region != "" {
		vars = append(vars, [2]string{"ALICLOUD_REGION", region})
	}
	var b strings.Builder
	for _, v := range vars {
		line, ok := shellquote.Assignment(format, v[0], v[1])
		if !ok {
			line, _ = shellquote.Assignment("sh", v[0], v[1])
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// DueWarnings returns the sessions that end within before and have not
// been warned about for their current expiration, and marks them warned.
func DueWarnings(sessions []store.Session, warned map[string]time.Time, now time.Time, before time.Duration) []store.Session {
	var due []store.Session
	for _, s := range sessions {
		left := s.Expiration.Sub(now)
		if left <= 0 || left > before {
			continue
		}
		if w, ok := warned[s.Profile]; ok && w.Equal(s.Expiration) {
			continue
		}
		warned[s.Profile] = s.Expiration
		due = append(due, s)
	}
	return due
}
