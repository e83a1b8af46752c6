package console

import "strings"

// Site names, as saml and store spell them.
const (
	siteChina         = "china"
	siteInternational = "international"
)

// LegacyInternationalEndpoint is the federation host older international
// docs use. Alibaba Cloud's current docs name only signin.aliyun.com (for
// both sites), so it is never a default: set it per site if your account
// needs it.
const LegacyInternationalEndpoint = "https://signin-intl.aliyun.com"

// SiteEndpoints are per-site federation hosts from settings.json
// ("signinEndpoints": {"china": "...", "international": "..."}).
type SiteEndpoints map[string]string

// Resolved is the federation endpoint for one sign-in and where it came
// from, so doctor and errors can name the setting to change.
type Resolved struct {
	Endpoint string // "" means DefaultEndpoint
	// Source names what chose it: RAMSSO_SIGNIN_ENDPOINT, the
	// "signinEndpoint" or "signinEndpoints.<site>" setting, or the default.
	Source string
}

// ResolveEndpoint picks the federation endpoint for a session's site:
// the environment override (RAMSSO_SIGNIN_ENDPOINT), else the site's entry
// in "signinEndpoints", else "signinEndpoint" (every site), else
// DefaultEndpoint, signin.aliyun.com — the only host Alibaba documents,
// for China and international accounts alike.
func ResolveEndpoint(site, env, global string, perSite SiteEndpoints) Resolved {
	if e := strings.TrimSpace(env); e != "" {
		return Resolved{Endpoint: e, Source: "RAMSSO_SIGNIN_ENDPOINT"}
	}
	if site != siteInternational {
		site = siteChina
	}
	if e := strings.TrimSpace(perSite[site]); e != "" {
		return Resolved{Endpoint: e, Source: `the "signinEndpoints.` + site + `" setting`}
	}
	if e := strings.TrimSpace(global); e != "" {
		return Resolved{Endpoint: e, Source: `the "signinEndpoint" setting`}
	}
	return Resolved{Endpoint: DefaultEndpoint, Source: "the default (" + DefaultEndpoint + ", the host Alibaba documents)"}
}

// Remedy says what to change when sign-in through r failed.
func (r Resolved) Remedy(site string) string {
	s := "the sign-in endpoint " + r.Endpoint + " comes from " + r.Source
	if site == siteInternational && !strings.Contains(r.Endpoint, "signin-intl") {
		s += `; for an international account whose sign-in fails there, try "signinEndpoints": {"international": "` + LegacyInternationalEndpoint + `"} in settings.json`
	} else {
		s += `; change it with "signinEndpoints": {"` + siteOrChina(site) + `": "https://HOST"} in settings.json or RAMSSO_SIGNIN_ENDPOINT`
	}
	return s
}

func siteOrChina(site string) string {
	if site == siteInternational {
		return site
	}
	return siteChina
}
