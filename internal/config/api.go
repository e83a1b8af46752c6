// Package config finds RAMSSO_HOME and reads and writes the user's
// human-editable settings file there (settings.json). The host is started
// by a browser without the user's shell environment, so everything it needs
// must be expressible here. Precedence everywhere: flag > environment >
// settings file > default.
package config

import "encoding/json"

// Environment variables ramsso reads.
const (
	EnvHome           = "RAMSSO_HOME"
	EnvStore          = "RAMSSO_STORE"
	EnvSTSEndpoint    = "RAMSSO_STS_ENDPOINT"
	EnvSigninEndpoint = "RAMSSO_SIGNIN_ENDPOINT"
	EnvNoBrowser      = "RAMSSO_NO_BROWSER"
	EnvProxy          = "RAMSSO_PROXY"
	// EnvSTSTimeout bounds one STS exchange, retries included ("60s").
	EnvSTSTimeout = "RAMSSO_STS_TIMEOUT"
)

// SettingsFile is the settings file's name under RAMSSO_HOME.
const SettingsFile = "settings.json"

// Settings is the user's settings. Durations are strings a user can write
// ("1h", "90s") or whole seconds. Unknown keys in the file are kept when
// ramsso writes it back.
type Settings struct {
	// AccountAliases maps account ids to the names users know them by;
	// profiles are named `<alias or id>-<role name>`.
	AccountAliases map[string]string `json:"accountAliases,omitempty"`
	// DefaultDuration of new sessions ("1h"); empty: 3600 s.
	DefaultDuration string `json:"defaultDuration,omitempty"`
	// Store is "keyring" (default) or "file".
	Store string `json:"store,omitempty"`
	// STS endpoint settings.
	STS STSSettings `json:"sts,omitempty"`
	// SigninEndpoint overrides the federation sign-in host/URL.
	SigninEndpoint string `json:"signinEndpoint,omitempty"`
	// SigninEndpoints overrides it per site ("china", "international");
	// the default for both is signin.aliyun.com, the host Alibaba documents.
	SigninEndpoints map[string]string `json:"signinEndpoints,omitempty"`
	// Proxy is an HTTPS proxy URL for STS and sign-in calls.
	Proxy string `json:"proxy,omitempty"`
	// Region is the default region for env/exec (ALIBABA_CLOUD_REGION_ID).
	Region string `json:"region,omitempty"`
	// IdPLoginURLs maps an IdP (Issuer) or a profile to the URL that starts
	// a login to Alibaba Cloud there.
	IdPLoginURLs map[string]string `json:"idpLoginURLs,omitempty"`
	// ConsoleChoiceWait bounds the wait for the console's role chooser ("90s").
	ConsoleChoiceWait string `json:"consoleChoiceWait,omitempty"`
	// ClipboardTimeout clears copied secrets after this long ("30s").
	ClipboardTimeout string `json:"clipboardTimeout,omitempty"`
	// Notifications enables desktop notifications (default true).
	Notifications *bool `json:"notifications,omitempty"`
	// StartAtLogin starts the tray at login.
	StartAtLogin bool `json:"startAtLogin,omitempty"`
	// EnvFormat is the tray's copy format: sh, fish or powershell.
	EnvFormat string `json:"envFormat,omitempty"`
	// AllowedExtensionIDs lists extra browser extension ids the host accepts.
	AllowedExtensionIDs []string `json:"allowedExtensionIds,omitempty"`
	// ConfigureCLI writes an aliyun CLI profile on every new session.
	ConfigureCLI bool `json:"configureCli,omitempty"`
	// ChainedProfiles defines profiles assumed (STS AssumeRole) from
	// another profile's session, by name. See ChainedProfile.
	ChainedProfiles map[string]ChainedProfile `json:"chainedProfiles,omitempty"`
	// Regions maps a profile name or an account id to the region every
	// output uses for it (ALIBABA_CLOUD_REGION_ID, the aliyun CLI profile).
	Regions map[string]string `json:"regions,omitempty"`
	// RoleMaxDurations maps a role ARN to the longest session STS gave it
	// after refusing a longer one ("2h"); ramsso asks for no more next time.
	RoleMaxDurations map[string]string `json:"roleMaxDurations,omitempty"`

	// raw is the file as read, so keys this version does not know survive
	// a Save.
	raw map[string]json.RawMessage
}

// STSSettings selects the STS endpoint.
type STSSettings struct {
	Endpoint string `json:"endpoint,omitempty"`
	Region   string `json:"region,omitempty"`
	VPC      bool   `json:"vpc,omitempty"`
	// Timeout bounds one exchange with STS, retries included ("60s");
	// empty: 30 s.
	Timeout string `json:"timeout,omitempty"`
}
