package browsers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Managed browser policy: what IT sets and what can stop ramsso. On Linux
// the Chrome family reads every *.json in <dir>/policies/managed (Chrome's
// "Linux quick start" and Chromium's policy templates); Firefox reads
// /etc/firefox/policies/policies.json and distribution/policies.json beside
// its binary (Mozilla's policy-templates README). macOS and Windows keep
// policy in configuration profiles (plists under /Library/Managed
// Preferences) and the registry (HKLM\SOFTWARE\Policies\...): ramsso names
// those places (PolicyLocations) but reads only the Linux JSON files.

// linuxPolicyDirs are the managed policy directories per browser id.
var linuxPolicyDirs = map[string]string{
	"chrome":      "/etc/opt/chrome/policies/managed",
	"chrome-beta": "/etc/opt/chrome/policies/managed",
	"chromium":    "/etc/chromium/policies/managed",
	"edge":        "/etc/opt/edge/policies/managed",
	"brave":       "/etc/brave/policies/managed",
	"vivaldi":     "/etc/vivaldi/policies/managed",
}

// firefoxPolicyFiles are the policies.json files Firefox reads on Linux.
var firefoxPolicyFiles = []string{
	"/etc/firefox/policies/policies.json",
	"/usr/lib/firefox/distribution/policies.json",
	"/usr/lib/firefox-esr/distribution/policies.json",
	"/usr/lib64/firefox/distribution/policies.json",
}

// winPolicyKeys are the registry keys (under HKLM and HKCU) holding policy.
var winPolicyKeys = map[string]string{
	"chrome": `SOFTWARE\Policies\Google\Chrome`, "chrome-beta": `SOFTWARE\Policies\Google\Chrome`,
	"chromium": `SOFTWARE\Policies\Chromium`, "edge": `SOFTWARE\Policies\Microsoft\Edge`,
	"brave": `SOFTWARE\Policies\BraveSoftware\Brave`, "vivaldi": `SOFTWARE\Policies\Vivaldi`,
	"firefox": `SOFTWARE\Policies\Mozilla\Firefox`,
}

// macPolicyDomains are the preference domains of configuration profiles.
var macPolicyDomains = map[string]string{
	"chrome": "com.google.Chrome", "chrome-beta": "com.google.Chrome.beta", "chromium": "org.chromium.Chromium",
	"edge": "com.microsoft.Edge", "brave": "com.brave.Browser", "vivaldi": "com.vivaldi.Vivaldi",
	"firefox": "org.mozilla.firefox",
}

// PolicyLocations are where spec reads managed policy on goos, for doctor
// and the docs.
func PolicyLocations(spec Spec, goos string) []string {
	switch goos {
	case "windows":
		k := winPolicyKeys[spec.ID]
		return []string{`HKLM\` + k, `HKCU\` + k}
	case "darwin":
		d := macPolicyDomains[spec.ID]
		l := []string{"/Library/Managed Preferences/" + d + ".plist (configuration profile)"}
		if spec.Family == Firefox {
			l = append(l, "/Applications/Firefox.app/Contents/Resources/distribution/policies.json")
		}
		return l
	default:
		if spec.Family == Firefox {
			return append([]string(nil), firefoxPolicyFiles...)
		}
		return []string{linuxPolicyDirs[spec.ID] + "/*.json"}
	}
}

// ChromePolicy holds the Chrome-family policies that decide whether ramsso
// can run. Lists are the union over every file in the managed directory.
type ChromePolicy struct {
	ExtensionInstallBlocklist []string
	ExtensionInstallAllowlist []string
	ExtensionInstallForcelist []string // "id;update_url" or "id"
	// ExtensionSettings maps an id or "*" to its installation_mode.
	ExtensionSettings        map[string]string
	NativeMessagingBlocklist []string
	NativeMessagingAllowlist []string
	// NativeMessagingUserLevelHosts is nil when unset (allowed).
	NativeMessagingUserLevelHosts *bool
	// Files read.
	Files []string
}

// chromeFile is one policy file; the old names (…Blacklist/Whitelist) are
// still honoured by Chrome.
type chromeFile struct {
	ExtensionInstallBlocklist []string `json:"ExtensionInstallBlocklist"`
	ExtensionInstallBlacklist []string `json:"ExtensionInstallBlacklist"`
	ExtensionInstallAllowlist []string `json:"ExtensionInstallAllowlist"`
	ExtensionInstallWhitelist []string `json:"ExtensionInstallWhitelist"`
	ExtensionInstallForcelist []string `json:"ExtensionInstallForcelist"`
	ExtensionSettings         map[string]struct {
		InstallationMode string `json:"installation_mode"`
	} `json:"ExtensionSettings"`
	NativeMessagingBlocklist      []string `json:"NativeMessagingBlocklist"`
	NativeMessagingBlacklist      []string `json:"NativeMessagingBlacklist"`
	NativeMessagingAllowlist      []string `json:"NativeMessagingAllowlist"`
	NativeMessagingWhitelist      []string `json:"NativeMessagingWhitelist"`
	NativeMessagingUserLevelHosts *bool    `json:"NativeMessagingUserLevelHosts"`
}

// ReadChromePolicy reads spec's Linux managed policy directory under root
// ("" is /). No directory is no policy; a file that does not parse is an
// error naming it (Chrome ignores such a file too).
func ReadChromePolicy(spec Spec, root string) (*ChromePolicy, error) {
	dir := linuxPolicyDirs[spec.ID]
	if dir == "" {
		return &ChromePolicy{}, nil
	}
	dir = filepath.Join(root, filepath.FromSlash(dir))
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	p := &ChromePolicy{ExtensionSettings: map[string]string{}}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		var f chromeFile
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("managed policy %s is not valid JSON (%v): the browser ignores it", name, err)
		}
		p.Files = append(p.Files, name)
		p.ExtensionInstallBlocklist = append(p.ExtensionInstallBlocklist, append(f.ExtensionInstallBlocklist, f.ExtensionInstallBlacklist...)...)
		p.ExtensionInstallAllowlist = append(p.ExtensionInstallAllowlist, append(f.ExtensionInstallAllowlist, f.ExtensionInstallWhitelist...)...)
		p.ExtensionInstallForcelist = append(p.ExtensionInstallForcelist, f.ExtensionInstallForcelist...)
		p.NativeMessagingBlocklist = append(p.NativeMessagingBlocklist, append(f.NativeMessagingBlocklist, f.NativeMessagingBlacklist...)...)
		p.NativeMessagingAllowlist = append(p.NativeMessagingAllowlist, append(f.NativeMessagingAllowlist, f.NativeMessagingWhitelist...)...)
		for id, s := range f.ExtensionSettings {
			p.ExtensionSettings[id] = s.InstallationMode
		}
		if f.NativeMessagingUserLevelHosts != nil {
			p.NativeMessagingUserLevelHosts = f.NativeMessagingUserLevelHosts
		}
	}
	return p, nil
}

// Blocker is one policy that stops ramsso, and what IT must set.
type Blocker struct {
	Policy string // the policy's name
	Reason string
	Fix    string
}

// ChromeBlockers lists what in p stops ramsso's extension (any of ids) or
// its host; systemManifest says a machine-wide manifest exists (the only
// kind read when NativeMessagingUserLevelHosts is false).
func ChromeBlockers(p *ChromePolicy, ids []string, systemManifest bool) []Blocker {
	var out []Blocker
	if p == nil {
		return nil
	}
	if !extensionAllowed(p, ids) {
		pol := "ExtensionInstallBlocklist"
		if mode := p.ExtensionSettings["*"]; mode == "blocked" {
			pol = `ExtensionSettings "*" installation_mode "blocked"`
		}
		out = append(out, Blocker{Policy: pol,
			Reason: "blocks the ramsso extension (" + strings.Join(ids, ", ") + ")",
			Fix: fmt.Sprintf("IT: add %q to ExtensionInstallForcelist (with your update URL) or ExtensionInstallAllowlist, or set ExtensionSettings[%q] to force_installed (docs/deploy.md)",
				ids[0], ids[0])})
	}
	if listed(p.NativeMessagingBlocklist, HostName) && !slices.Contains(p.NativeMessagingAllowlist, HostName) {
		out = append(out, Blocker{Policy: "NativeMessagingBlocklist",
			Reason: "blocks the native messaging host " + HostName,
			Fix:    "IT: add \"" + HostName + "\" to NativeMessagingAllowlist"})
	}
	if p.NativeMessagingUserLevelHosts != nil && !*p.NativeMessagingUserLevelHosts && !systemManifest {
		out = append(out, Blocker{Policy: "NativeMessagingUserLevelHosts=false",
			Reason: "makes the browser ignore per-user host manifests, and no machine-wide one is installed",
			Fix:    "IT: install the ramsso package, or run `sudo ramsso install --system`"})
	}
	return out
}

// listed reports whether l names v or "*".
func listed(l []string, v string) bool {
	return slices.Contains(l, "*") || slices.Contains(l, v)
}

func extensionAllowed(p *ChromePolicy, ids []string) bool {
	blockAll := slices.Contains(p.ExtensionInstallBlocklist, "*") || p.ExtensionSettings["*"] == "blocked"
	for _, id := range ids {
		switch p.ExtensionSettings[id] {
		case "blocked", "removed":
			continue
		case "allowed", "force_installed", "normal_installed":
			return true
		}
		if slices.Contains(p.ExtensionInstallBlocklist, id) && !slices.Contains(p.ExtensionInstallAllowlist, id) {
			continue
		}
		if !blockAll || slices.Contains(p.ExtensionInstallAllowlist, id) || forced(p, id) {
			return true
		}
	}
	return false
}

func forced(p *ChromePolicy, id string) bool {
	for _, e := range p.ExtensionInstallForcelist {
		if strings.SplitN(e, ";", 2)[0] == id {
			return true
		}
	}
	return false
}

// FirefoxPolicy is what ramsso reads from Firefox's policies.json.
type FirefoxPolicy struct {
	// ExtensionSettings maps an add-on id or "*" to its installation_mode.
	ExtensionSettings map[string]string
	Files             []string
}

// ReadFirefoxPolicy reads Firefox's Linux policies.json files under root.
func ReadFirefoxPolicy(root string) (*FirefoxPolicy, error) {
	p := &FirefoxPolicy{ExtensionSettings: map[string]string{}}
	for _, f := range firefoxPolicyFiles {
		name := filepath.Join(root, filepath.FromSlash(f))
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		var doc struct {
			Policies struct {
				ExtensionSettings map[string]struct {
					InstallationMode string `json:"installation_mode"`
				} `json:"ExtensionSettings"`
			} `json:"policies"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("firefox policy %s is not valid JSON (%v): Firefox ignores it", name, err)
		}
		p.Files = append(p.Files, name)
		for id, s := range doc.Policies.ExtensionSettings {
			p.ExtensionSettings[id] = s.InstallationMode
		}
	}
	return p, nil
}

// FirefoxBlockers lists what in p stops the add-on id.
func FirefoxBlockers(p *FirefoxPolicy, id string) []Blocker {
	if p == nil {
		return nil
	}
	switch p.ExtensionSettings[id] {
	case "allowed", "force_installed", "normal_installed":
		return nil
	case "blocked":
		return []Blocker{{Policy: fmt.Sprintf("ExtensionSettings[%q] installation_mode \"blocked\"", id), Reason: "blocks the ramsso add-on",
			Fix: fmt.Sprintf("IT: set ExtensionSettings[%q] to {\"installation_mode\": \"force_installed\", \"install_url\": ...} (docs/deploy.md)", id)}}
	}
	if p.ExtensionSettings["*"] == "blocked" {
		return []Blocker{{Policy: `ExtensionSettings "*" installation_mode "blocked"`, Reason: "blocks every add-on not listed, ramsso's (" + id + ") included",
			Fix: fmt.Sprintf("IT: add ExtensionSettings[%q] with installation_mode \"force_installed\" or \"allowed\" (docs/deploy.md)", id)}}
	}
	return nil
}
