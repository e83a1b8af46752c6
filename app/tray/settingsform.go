package tray

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/urlcheck"
)

// SettingsForm is the settings window's fields as text, with the parsing
// and validation kept out of the widgets.
type SettingsForm struct {
	Aliases           string // one "account-id = alias" per line
	DefaultDuration   time.Duration
	STSRegion         string
	STSEndpoint       string
	Proxy             string
	ClipboardTimeout  string
	Notifications     bool
	LoginURLs         string // one "issuer-or-profile = URL" per line
	ConsoleChoiceWait string
	EnvFormat         string
	StartAtLogin      bool
}

// FormFromSettings fills a form from s.
func FormFromSettings(s *config.Settings) SettingsForm {
	d, err := s.Duration()
	if err != nil {
		d = config.DefaultDuration
	}
	return SettingsForm{
		Aliases:           pairs(s.AccountAliases),
		DefaultDuration:   d,
		STSRegion:         s.STS.Region,
		STSEndpoint:       s.STS.Endpoint,
		Proxy:             s.Proxy,
		ClipboardTimeout:  s.ClipboardTimeout,
		Notifications:     s.NotificationsEnabled(),
		LoginURLs:         pairs(s.IdPLoginURLs),
		ConsoleChoiceWait: s.ConsoleChoiceWait,
		EnvFormat:         EnvFormatLabel(s.EnvFormat),
		StartAtLogin:      s.StartAtLogin,
	}
}

func pairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, m[k])
	}
	return b.String()
}

// parsePairs reads "key = value" lines; blank lines and lines starting
// with # are skipped.
func parsePairs(field, text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s, line %d: write KEY = VALUE", field, i+1)
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Apply validates the form and writes it into s (keeping whatever the form
// does not show).
func (f SettingsForm) Apply(s *config.Settings) error {
	aliases, err := parsePairs("Account aliases", f.Aliases)
	if err != nil {
		return err
	}
	urls, err := parsePairs("IdP login URLs", f.LoginURLs)
	if err != nil {
		return err
	}
	for k, u := range urls {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("IdP login URL for %s must start with https://", k)
		}
	}
	for name, v := range map[string]string{"Clipboard timeout": f.ClipboardTimeout, "Console-choice wait": f.ConsoleChoiceWait} {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if _, err := config.ParseDuration(v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if f.DefaultDuration < 15*time.Minute || f.DefaultDuration > 12*time.Hour {
		return fmt.Errorf("default duration %s: use 15m to 12h", f.DefaultDuration)
	}
	if p := strings.TrimSpace(f.Proxy); p != "" && !strings.Contains(p, "://") {
		return fmt.Errorf("proxy %s: write a URL such as http://proxy.example:3128", urlcheck.Redact(p))
	}
	s.AccountAliases = aliases
	s.IdPLoginURLs = urls
	s.DefaultDuration = f.DefaultDuration.String()
	s.STS.Region = strings.TrimSpace(f.STSRegion)
	s.STS.Endpoint = strings.TrimSpace(f.STSEndpoint)
	s.Proxy = strings.TrimSpace(f.Proxy)
	s.ClipboardTimeout = strings.TrimSpace(f.ClipboardTimeout)
	s.ConsoleChoiceWait = strings.TrimSpace(f.ConsoleChoiceWait)
	on := f.Notifications
	s.Notifications = &on
	s.EnvFormat = strings.ToLower(f.EnvFormat)
	if s.EnvFormat == "sh" {
		s.EnvFormat = ""
	}
	s.StartAtLogin = f.StartAtLogin
	return nil
}
