package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Effective is the configuration a process runs with: every value that
// the environment or a settings key can set, resolved once by Resolve
// (environment > settings file > default; command-line flags are applied
// on top by With* methods, so a flag always wins). Every binary resolves
// once and passes the result on; nothing else reads these variables.
type Effective struct {
	// Settings is the settings file as read (never nil), for the values
	// only the file holds (aliases, durations, idpLoginURLs, ...).
	Settings *Settings
	// Store is "keyring" or "file".
	Store string
	// STS selects the STS endpoint (internal/sts resolves and checks it).
	STS STSSettings
	// SigninEndpoint is the federation sign-in host or URL ("": default).
	SigninEndpoint string
	// SigninEnv is RAMSSO_SIGNIN_ENDPOINT as set ("": unset); it wins over
	// every setting, for every site.
	SigninEnv string
	// SigninEndpoints is the per-site "signinEndpoints" setting ("china",
	// "international"), which wins over "signinEndpoint" for its site.
	SigninEndpoints map[string]string
	// Proxy is the HTTPS proxy URL ("": none).
	Proxy string
	// NoBrowser says never to open a browser (RAMSSO_NO_BROWSER).
	NoBrowser bool
	// Region is the "region" setting: recorded on new sessions.
	Region string
	// EnvRegion is the region this process's environment names
	// (ALIBABA_CLOUD_REGION_ID, ALICLOUD_REGION, ALIBABA_CLOUD_REGION).
	EnvRegion string
}

// RegionFor is the one region rule for every output (env, exec, process,
// configure-cli, console): the session's own region (which the "regions"
// setting for its profile or account replaces, see Settings.RegionFor),
// else the region the environment names, else the "region" setting; ""
// when none is known
// (a consumer that must have one, like the aliyun CLI's profile, applies
// its own documented default and says so).
func (e Effective) RegionFor(sessionRegion string) string {
	return first(sessionRegion, e.EnvRegion, e.Region)
}

// Resolve computes the effective configuration from getenv and the
// settings file. It is pure: a nil getenv sees an empty environment (what
// ramsso-host, started by a browser, can rely on), so doctor's view of the
// host is Resolve(nil, hostSettings). A nil s is the defaults.
func Resolve(getenv func(string) string, s *Settings) Effective {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if s == nil {
		s = &Settings{}
	}
	return Effective{
		Settings: s,
		Store:    first(getenv(EnvStore), s.Store, DefaultStore),
		STS: STSSettings{
			Endpoint: first(getenv(EnvSTSEndpoint), s.STS.Endpoint),
			Region:   first(s.STS.Region),
			VPC:      s.STS.VPC,
			Timeout:  first(getenv(EnvSTSTimeout), s.STS.Timeout),
		},
		SigninEndpoint:  first(getenv(EnvSigninEndpoint), s.SigninEndpoint),
		SigninEnv:       first(getenv(EnvSigninEndpoint)),
		SigninEndpoints: s.SigninEndpoints,
		Proxy:           first(getenv(EnvProxy), s.Proxy, getenv("HTTPS_PROXY"), getenv("https_proxy")),
		NoBrowser:       ParseNoBrowser(getenv(EnvNoBrowser)),
		Region:          first(s.Region),
		EnvRegion:       first(getenv("ALIBABA_CLOUD_REGION_ID"), getenv("ALICLOUD_REGION"), getenv("ALIBABA_CLOUD_REGION")),
	}
}

// STSTimeout is the bound on one STS exchange, retries included, from
// RAMSSO_STS_TIMEOUT or "sts.timeout" (0: the client's default); a value
// that is not a positive duration is an error naming both.
func (e Effective) STSTimeout() (time.Duration, error) {
	t := strings.TrimSpace(e.STS.Timeout)
	if t == "" {
		return 0, nil
	}
	d, err := ParseDuration(t)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("STS timeout %q (RAMSSO_STS_TIMEOUT or \"sts.timeout\") is not a duration like 60s", t)
	}
	return d, nil
}

// ErrBothSTSFlags is returned by WithSTSFlags when both flags are given.
var ErrBothSTSFlags = errors.New("--sts-endpoint and --sts-region both choose the STS endpoint: give one of them")

// WithSTSFlags applies the --sts-endpoint and --sts-region flags: either
// one replaces whatever the environment and the settings chose (a region
// flag clears an endpoint from RAMSSO_STS_ENDPOINT, so it is never
// silently ignored); both at once is an error. The values are checked
// when the STS client is built, so an invalid flag is always an error.
func (e Effective) WithSTSFlags(endpoint, region string) (Effective, error) {
	endpoint, region = strings.TrimSpace(endpoint), strings.TrimSpace(region)
	switch {
	case endpoint != "" && region != "":
		return e, ErrBothSTSFlags
	case endpoint != "":
		e.STS.Endpoint = endpoint
	case region != "":
		e.STS.Endpoint, e.STS.Region = "", region
	}
	return e, nil
}

// WithStore applies a store flag ("" keeps the resolved one).
func (e Effective) WithStore(kind string) Effective {
	if k := strings.TrimSpace(kind); k != "" {
		e.Store = k
	}
	return e
}

// Knob is one value both the environment and settings.json can set: what
// doctor compares between this shell's view and the host's.
type Knob struct {
	Env     string // the variable(s), as the user knows them
	Key     string // the settings key
	Example string // a settings.json line with %s for the value
	Value   func(Effective) string
}

// Knobs lists every environment-settable value of Effective.
var Knobs = []Knob{
	{EnvStore, "store", `"store": "%s"`, func(e Effective) string { return e.Store }},
	{EnvSTSEndpoint, "sts.endpoint", `"sts": {"endpoint": "%s"}`, func(e Effective) string { return e.STS.Endpoint }},
	{EnvSTSTimeout, "sts.timeout", `"sts": {"timeout": "%s"}`, func(e Effective) string { return e.STS.Timeout }},
	{EnvSigninEndpoint, "signinEndpoint", `"signinEndpoint": "%s"`, func(e Effective) string { return e.SigninEndpoint }},
	{EnvProxy + "/HTTPS_PROXY", "proxy", `"proxy": "%s"`, func(e Effective) string { return e.Proxy }},
}

// ParseNoBrowser reads RAMSSO_NO_BROWSER: set and not a false value
// ("0", "false", "no", "off") means never open a browser.
func ParseNoBrowser(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "", "no", "off":
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// HomeFrom finds ramsso's home under getenv (nil: os.Getenv) on goos:
// $RAMSSO_HOME, else the OS user config directory + "/ramsso" as
// os.UserConfigDir computes it. HomeFrom(nil-RAMSSO_HOME view) is the home
// a browser-started host uses.
func HomeFrom(goos string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if h := getenv(EnvHome); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvHome, h, err)
		}
		return abs, nil
	}
	dir, err := userConfigDir(goos, getenv)
	if err != nil {
		return "", fmt.Errorf("finding the user config directory (set %s instead): %w", EnvHome, err)
	}
	return filepath.Join(dir, "ramsso"), nil
}

// DefaultHome is the home a process without RAMSSO_HOME uses (the
// browser-started host): HomeFrom with RAMSSO_HOME hidden.
func DefaultHome(goos string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	return HomeFrom(goos, func(k string) string {
		if k == EnvHome {
			return ""
		}
		return getenv(k)
	})
}

// userConfigDir is os.UserConfigDir over getenv.
func userConfigDir(goos string, getenv func(string) string) (string, error) {
	switch goos {
	case "windows":
		if v := getenv("AppData"); v != "" {
			return v, nil
		}
		if v := getenv("APPDATA"); v != "" {
			return v, nil
		}
		return "", errors.New("%AppData% is not defined")
	case "darwin", "ios":
		if v := getenv("HOME"); v != "" {
			return filepath.Join(v, "Library", "Application Support"), nil
		}
		return "", errors.New("$HOME is not defined")
	case "plan9":
		if v := getenv("home"); v != "" {
			return filepath.Join(v, "lib"), nil
		}
		return "", errors.New("$home is not defined")
	}
	if v := getenv("XDG_CONFIG_HOME"); v != "" {
		if !filepath.IsAbs(v) {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
		return v, nil
	}
	if v := getenv("HOME"); v != "" {
		return filepath.Join(v, ".config"), nil
	}
	return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
}
