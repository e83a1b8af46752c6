// Package browsers knows where each browser looks for native messaging host
// manifests on Linux, macOS and Windows, writes and removes ramsso's
// manifest (com.ramsso.host), and detects installed browsers, including
// Snap and Flatpak ones whose sandbox needs extra steps.
package browsers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/ramsso/ramsso/internal/config"
)

// HostName is the native messaging host's name.
const HostName = "com.ramsso.host"

// Extension ids accepted by default.
const (
	// ChromeExtensionID is the unpacked build's id, pinned by the manifest
	// `key` (extension/EXTENSION_ID; a test keeps them in sync).
	ChromeExtensionID = "bbpkgocgnbgocfjgplkpdplhiiagnaon"
	// FirefoxExtensionID is the add-on's gecko id.
	FirefoxExtensionID = "ramsso@ramsso.dev"
)

// DefaultChromeIDs are the Chrome-family extension ids ramsso trusts
// without configuration (store ids are added here once published).
var DefaultChromeIDs = []string{ChromeExtensionID}

var chromeIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-p]{32}$`) })

// IsChromeID reports whether id looks like a Chrome extension id.
func IsChromeID(id string) bool { return chromeIDPattern().MatchString(id) }

// Kind of browser family.
const (
	Chromium = "chromium" // Chrome family: allowed_origins
	Firefox  = "firefox"  // allowed_extensions
)

// Spec is one known browser.
type Spec struct {
	ID     string // short name for --browser: chrome, chromium, edge, ...
	Name   string // display name
	Family string // Chromium or Firefox
	// LinuxDir is the per-user config dir under ~/.config (Chrome family)
	// or under ~ (Firefox).
	LinuxDir string
	// MacDir is under ~/Library/Application Support.
	MacDir string
	// WinKey is the registry key under HKCU (without the host name).
	WinKey string
	// Binaries are the commands that start it on Linux.
	Binaries []string
	// SystemDir is the Linux system-wide manifest directory (reference only).
	SystemDir string
	// Snap and Flatpak names, when the browser is distributed that way.
	Snap, Flatpak string
}

// Known lists the supported browsers.
var Known = []Spec{
	{ID: "chrome", Name: "Google Chrome", Family: Chromium, LinuxDir: "google-chrome", MacDir: "Google/Chrome",
		WinKey: `Software\Google\Chrome\NativeMessagingHosts`, Binaries: []string{"google-chrome", "google-chrome-stable"},
		SystemDir: "/etc/opt/chrome/native-messaging-hosts", Flatpak: "com.google.Chrome"},
	{ID: "chrome-beta", Name: "Google Chrome Beta", Family: Chromium, LinuxDir: "google-chrome-beta", MacDir: "Google/Chrome Beta",
		WinKey: `Software\Google\Chrome\NativeMessagingHosts`, Binaries: []string{"google-chrome-beta"},
		SystemDir: "/etc/opt/chrome/native-messaging-hosts"},
	{ID: "chromium", Name: "Chromium", Family: Chromium, LinuxDir: "chromium", MacDir: "Chromium",
		WinKey: `Software\Chromium\NativeMessagingHosts`, Binaries: []string{"chromium", "chromium-browser"},
		SystemDir: "/etc/chromium/native-messaging-hosts", Snap: "chromium", Flatpak: "org.chromium.Chromium"},
	{ID: "edge", Name: "Microsoft Edge", Family: Chromium, LinuxDir: "microsoft-edge", MacDir: "Microsoft Edge",
		WinKey: `Software\Microsoft\Edge\NativeMessagingHosts`, Binaries: []string{"microsoft-edge", "microsoft-edge-stable"},
		SystemDir: "/etc/opt/edge/native-messaging-hosts", Flatpak: "com.microsoft.Edge"},
	{ID: "brave", Name: "Brave", Family: Chromium, LinuxDir: "BraveSoftware/Brave-Browser", MacDir: "BraveSoftware/Brave-Browser",
		WinKey: `Software\BraveSoftware\Brave-Browser\NativeMessagingHosts`, Binaries: []string{"brave-browser", "brave"},
		SystemDir: "/etc/opt/chrome/native-messaging-hosts", Snap: "brave", Flatpak: "com.brave.Browser"},
	{ID: "vivaldi", Name: "Vivaldi", Family: Chromium, LinuxDir: "vivaldi", MacDir: "Vivaldi",
		WinKey: `Software\Vivaldi\NativeMessagingHosts`, Binaries: []string{"vivaldi", "vivaldi-stable"},
		SystemDir: "/etc/opt/vivaldi/native-messaging-hosts", Flatpak: "com.vivaldi.Vivaldi"},
	{ID: "firefox", Name: "Firefox", Family: Firefox, LinuxDir: ".mozilla/native-messaging-hosts", MacDir: "Mozilla/NativeMessagingHosts",
		WinKey: `Software\Mozilla\NativeMessagingHosts`, Binaries: []string{"firefox", "firefox-esr"},
		SystemDir: "/usr/lib/mozilla/native-messaging-hosts", Snap: "firefox", Flatpak: "org.mozilla.firefox"},
}

// Lookup returns the spec with id (case-insensitive; "google-chrome" and
// "msedge" are accepted too).
func Lookup(id string) (Spec, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	switch id {
	case "google-chrome":
		id = "chrome"
	case "msedge", "microsoft-edge":
		id = "edge"
	case "brave-browser":
		id = "brave"
	case "firefox-esr":
		id = "firefox"
	}
	for _, s := range Known {
		if s.ID == id {
			return s, true
		}
	}
	return Spec{}, false
}

// IDs lists the known browser ids, for help and errors.
func IDs() []string {
	out := make([]string, len(Known))
	for i, s := range Known {
		out[i] = s.ID
	}
	return out
}

// Env is what detection and paths depend on; tests fake it.
type Env struct {
	GOOS string // runtime.GOOS
	Home string // the user's home directory
	// Path is $PATH (list separated by os.PathListSeparator).
	Path string
	// LocalAppData is %LOCALAPPDATA% on Windows (manifests are stored
	// there and the registry points at them).
	LocalAppData string
	// Root is where system files (/snap/bin, /usr/share/dbus-1) are
	// looked up; "" means "/". Tests point it at a fake tree.
	Root string
}

// Target is where one browser (or one user data dir) reads ramsso's
// manifest.
type Target struct {
	Spec Spec
	// ManifestPath is the manifest file's absolute path.
	ManifestPath string
	// RegistryKey is set on Windows: HKCU\<RegistryKey> must point to
	// ManifestPath.
	RegistryKey string
	// Found says how the browser was detected ("" when named explicitly).
	Found string
	// Sandbox notes for Snap/Flatpak installs of this browser that keep
	// it from reaching the host.
	Sandbox []string
	// Notes explain how this install reaches the host (Firefox's Snap
	// portal, Flatpak proxy, ~/.config/mozilla); they do not stop
	// `ramsso install` from writing the manifest.
	Notes []Note
	// UserDataDir is set for --user-data-dir targets.
	UserDataDir string
	// System marks a machine-wide target (SystemTarget): the registry key
	// is under HKLM instead of HKCU.
	System bool
}

// Hive names the registry root of t's key, for messages.
func (t Target) Hive() string {
	if t.System {
		return "HKLM"
	}
	return "HKCU"
}

// ManifestDir is where spec reads per-user manifests for env.
func ManifestDir(spec Spec, env Env) (string, error) {
	if env.Home == "" && env.GOOS != "windows" {
		return "", errors.New("home directory unknown: set HOME")
	}
	switch env.GOOS {
	case "darwin":
		dir := filepath.Join(env.Home, "Library", "Application Support", filepath.FromSlash(spec.MacDir))
		if spec.Family == Chromium {
			dir = filepath.Join(dir, "NativeMessagingHosts")
		}
		return dir, nil
	case "windows":
		base := env.LocalAppData
		if base == "" {
			base = filepath.Join(env.Home, "AppData", "Local")
		}
		return filepath.Join(base, "ramsso", "NativeMessagingHosts", spec.ID), nil
	default:
		if spec.Family == Firefox {
			return filepath.Join(env.Home, filepath.FromSlash(spec.LinuxDir)), nil
		}
		return filepath.Join(env.Home, ".config", filepath.FromSlash(spec.LinuxDir), "NativeMessagingHosts"), nil
	}
}

// TargetFor returns spec's per-user target.
func TargetFor(spec Spec, env Env) (Target, error) {
	dir, err := ManifestDir(spec, env)
	if err != nil {
		return Target{}, err
	}
	t := Target{Spec: spec, ManifestPath: filepath.Join(dir, HostName+".json")}
	if env.GOOS == "windows" {
		t.RegistryKey = spec.WinKey + `\` + HostName
	}
	return t, nil
}

// UserDataDirTarget is a Chrome-family browser started with
// --user-data-dir=dir: it reads dir/NativeMessagingHosts/.
func UserDataDirTarget(spec Spec, dir string) (Target, error) {
	if spec.Family != Chromium {
		return Target{}, fmt.Errorf("--user-data-dir is a Chrome-family option; %s reads %s", spec.Name, spec.LinuxDir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Target{}, fmt.Errorf("user data dir %s: %w", dir, err)
	}
	return Target{Spec: spec, UserDataDir: abs, ManifestPath: filepath.Join(abs, "NativeMessagingHosts", HostName+".json")}, nil
}

// Detect lists the browsers installed for env: a binary on PATH or the
// browser's config directory present (Linux); the config directory
// (macOS); the browser's registry vendor key or config (Windows: the
// config dir under LocalAppData). Snap and Flatpak installs get notes.
func Detect(env Env) []Target {
	var out []Target
	for _, spec := range Known {
		t, err := TargetFor(spec, env)
		if err != nil {
			continue
		}
		if spec.Family == Firefox && (env.GOOS == "linux" || env.GOOS == "") {
			t.Found, t.Notes = firefoxLinux(spec, env)
		} else {
			t.Found = foundBy(spec, env)
			t.Sandbox = sandboxNotes(spec, env)
		}
		if t.Found != "" || len(t.Sandbox) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func foundBy(spec Spec, env Env) string {
	switch env.GOOS {
	case "darwin":
		dir := filepath.Join(env.Home, "Library", "Application Support", filepath.FromSlash(spec.MacDir))
		if spec.Family == Firefox {
			dir = filepath.Join(env.Home, "Library", "Application Support", "Firefox")
		}
		if isDir(dir) {
			return dir
		}
		return ""
	case "windows":
		return windowsFound(spec, env)
	}
	for _, b := range spec.Binaries {
		if p := lookPath(b, env.Path); p != "" && !strings.HasPrefix(p, "/snap/") {
			return p
		}
	}
	dir := filepath.Join(env.Home, ".config", filepath.FromSlash(spec.LinuxDir))
	if spec.Family == Firefox {
		dir = filepath.Join(env.Home, ".mozilla")
	}
	if isDir(dir) {
		return dir
	}
	return ""
}

// sandboxNotes explains Snap and Flatpak installs (Linux only).
func sandboxNotes(spec Spec, env Env) []string {
	if env.GOOS != "linux" && env.GOOS != "" {
		return nil
	}
	var notes []string
	if spec.Snap != "" {
		snapBin := filepath.Join("/snap/bin", spec.Snap)
		if exists(snapBin) || isDir(filepath.Join(env.Home, "snap", spec.Snap)) {
			notes = append(notes, fmt.Sprintf("%s is a Snap: it sees its own HOME (~/snap/%s/) and runs native hosts inside its confinement, where ramsso-host cannot reach your keyring or ~/.config/ramsso. Install %s from a .deb or your distribution's non-Snap package (or use another browser); or, at your own risk, run `ramsso install --user-data-dir ~/snap/%s/common/%s` with \"store\": \"file\" in settings.json",
				spec.Name, spec.Snap, spec.Name, spec.Snap, spec.Snap))
		}
	}
	if spec.Flatpak != "" {
		dir := filepath.Join(env.Home, ".var", "app", spec.Flatpak)
		if isDir(dir) {
			notes = append(notes, fmt.Sprintf("%s is a Flatpak (%s): it sees ~/.var/app/%s as its config and cannot run host programs outside its sandbox. Either install a non-Flatpak %s, or allow it with `flatpak override --user --talk-name=org.freedesktop.Flatpak %s` and point a manifest in ~/.var/app/%s/config/.../NativeMessagingHosts at a wrapper running `flatpak-spawn --host /path/to/ramsso-host \"$@\"`",
				spec.Name, spec.Flatpak, spec.Flatpak, spec.Name, spec.Flatpak, spec.Flatpak))
		}
	}
	return notes
}

func lookPath(name, path string) string {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Manifest is a native messaging host manifest.
type Manifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	AllowedExtensions []string `json:"allowed_extensions,omitempty"`
}

// NewManifest builds ramsso's manifest for a browser family. extraIDs are
// settings.AllowedExtensionIDs: Chrome-style ids go to allowed_origins,
// the others (gecko ids) to allowed_extensions.
func NewManifest(family, hostPath string, extraIDs []string) Manifest {
	m := Manifest{Name: HostName, Description: "ramsso: Alibaba Cloud credentials from your SAML SSO login", Path: hostPath, Type: "stdio"}
	if family == Firefox {
		m.AllowedExtensions = []string{FirefoxExtensionID}
		for _, id := range extraIDs {
			if !IsChromeID(id) && id != FirefoxExtensionID && strings.TrimSpace(id) != "" {
				m.AllowedExtensions = append(m.AllowedExtensions, strings.TrimSpace(id))
			}
		}
		return m
	}
	for _, id := range DefaultChromeIDs {
		m.AllowedOrigins = append(m.AllowedOrigins, Origin(id))
	}
	for _, id := range extraIDs {
		if IsChromeID(id) && !contains(DefaultChromeIDs, id) {
			m.AllowedOrigins = append(m.AllowedOrigins, Origin(id))
		}
	}
	return m
}

// Origin is the chrome-extension:// origin of a Chrome extension id.
func Origin(id string) string { return "chrome-extension://" + id + "/" }

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// ReadManifest reads a manifest file.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s is not valid JSON: %w", path, err)
	}
	return &m, nil
}

// Ours reports whether m is a manifest ramsso wrote: our host name and a
// path to a ramsso-host binary.
func (m *Manifest) Ours() bool {
	base := strings.ToLower(filepath.Base(m.Path))
	return m.Name == HostName && strings.HasPrefix(base, "ramsso-host")
}

// Write writes m to t atomically (0644: a manifest is not secret),
// creating the directory (0755 for browser config trees, as browsers do),
// and registers it on Windows.
func Write(t Target, m Manifest) error {
	dir := filepath.Dir(t.ManifestPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := config.WriteFileAtomic(t.ManifestPath, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", t.ManifestPath, err)
	}
	if t.RegistryKey != "" {
		if err := setRegistry(t.System, t.RegistryKey, t.ManifestPath); err != nil {
			return fmt.Errorf("register %s: %w", t.RegistryKey, err)
		}
	}
	return nil
}

// ErrNotOurs is returned by Remove for a manifest ramsso did not write.
var ErrNotOurs = errors.New("not written by ramsso")

// Remove deletes t's manifest (and registry key) if ramsso wrote it. It
// returns fs.ErrNotExist when there is nothing to remove and ErrNotOurs
// when the file belongs to something else.
func Remove(t Target) error {
	m, err := ReadManifest(t.ManifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		if t.RegistryKey != "" {
			_ = deleteRegistry(t.System, t.RegistryKey, t.ManifestPath)
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotOurs, err)
	}
	if !m.Ours() {
		return fmt.Errorf("%s: %w (name %q, path %q)", t.ManifestPath, ErrNotOurs, m.Name, m.Path)
	}
	if err := os.Remove(t.ManifestPath); err != nil {
		return fmt.Errorf("remove %s: %w", t.ManifestPath, err)
	}
	if t.RegistryKey != "" {
		if err := deleteRegistry(t.System, t.RegistryKey, t.ManifestPath); err != nil {
			return fmt.Errorf("unregister %s: %w", t.RegistryKey, err)
		}
	}
	return nil
}

// Registered returns the manifest path the registry names for t (Windows),
// or "" elsewhere.
func Registered(t Target) (string, error) {
	if t.RegistryKey == "" {
		return "", nil
	}
	return getRegistry(t.System, t.RegistryKey)
}

// Problem checks an installed manifest for t; "" means it is right. fix
// says what to do.
func Problem(t Target, wantChromeID string) (problem, fix string) {
	if t.RegistryKey != "" {
		p, err := Registered(t)
		if err != nil || !strings.EqualFold(p, t.ManifestPath) {
			return "registry key " + t.Hive() + "\\" + t.RegistryKey + " does not point to " + t.ManifestPath, "run `ramsso install`"
		}
	}
	m, err := ReadManifest(t.ManifestPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no host manifest at " + t.ManifestPath, "run `ramsso install`"
	case err != nil:
		return err.Error(), "run `ramsso install` to rewrite it"
	case m.Name != HostName:
		return fmt.Sprintf("manifest name is %q, want %q", m.Name, HostName), "run `ramsso install` to rewrite it"
	case m.Type != "stdio":
		return fmt.Sprintf("manifest type is %q, want \"stdio\"", m.Type), "run `ramsso install` to rewrite it"
	case !filepath.IsAbs(m.Path):
		return fmt.Sprintf("manifest path %q is not absolute", m.Path), "run `ramsso install` to rewrite it"
	}
	fi, err := os.Stat(m.Path)
	switch {
	case err != nil:
		return fmt.Sprintf("host binary %s is missing", m.Path), "run `make build` then `ramsso install` (or `ramsso install --host PATH`)"
	case fi.IsDir() || (t.RegistryKey == "" && fi.Mode()&0o111 == 0):
		return fmt.Sprintf("host binary %s is not executable", m.Path), "run `chmod 755 " + m.Path + "`"
	}
	if t.Spec.Family == Firefox {
		if !contains(m.AllowedExtensions, FirefoxExtensionID) {
			return "allowed_extensions does not include " + FirefoxExtensionID, "run `ramsso install` to rewrite it"
		}
		return "", ""
	}
	if wantChromeID == "" {
		wantChromeID = ChromeExtensionID
	}
	if !contains(m.AllowedOrigins, Origin(wantChromeID)) {
		return "allowed_origins does not include the ramsso extension (" + Origin(wantChromeID) + ")", "run `ramsso install` to rewrite it"
	}
	return "", ""
}
