package demo

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// HostName is the native messaging host name the extension connects to.
const HostName = "com.ramsso.host"

// Flag is one Chromium command-line switch: Value true gives "--Name",
// a string gives "--Name=Value".
type Flag struct {
	Name  string
	Value any
}

// String renders the flag as Chromium expects it.
func (f Flag) String() string {
	if b, ok := f.Value.(bool); ok && b {
		return "--" + f.Name
	}
	return fmt.Sprintf("--%s=%v", f.Name, f.Value)
}

// BrowserOptions describe a Chromium run with the extension.
type BrowserOptions struct {
	UserDataDir   string // fresh profile directory
	ExtensionDir  string // the unpacked Chrome build (extension/build/chrome)
	ResolverRules string // from Signin.ResolverRules
	Headless      bool
}

// ChromiumFlags is the switch list that loads the unpacked extension in a
// quiet, isolated profile and sends the sign-in hosts to the stand-in.
// It deliberately omits --disable-extensions (chromedp's defaults have it).
func ChromiumFlags(o BrowserOptions) []Flag {
	f := []Flag{
		{"no-sandbox", true},
		{"disable-gpu", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-sync", true},
		{"disable-default-apps", true},
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"disable-quic", true},
		{"password-store", "basic"},
		{"user-data-dir", o.UserDataDir},
		{"load-extension", o.ExtensionDir},
		{"disable-extensions-except", o.ExtensionDir},
		{"host-resolver-rules", o.ResolverRules},
		{"ignore-certificate-errors", true},
	}
	if o.Headless {
		f = append([]Flag{{"headless", "new"}}, f...)
	}
	return f
}

// FindChromium returns the Chromium binary: $CHROMIUM, /usr/bin/chromium,
// or chromium / chromium-browser on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found (Debian: apt-get install chromium; or set CHROMIUM=/path/to/chromium)")
}

// ExtensionID computes the id Chromium gives an unpacked extension whose
// manifest pins a "key": the first 128 bits of the SHA-256 of the public
// key, written with the letters a–p.
func ExtensionID(extensionDir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(extensionDir, "manifest.json"))
	if err != nil {
		return "", fmt.Errorf("reading the extension manifest (build it with make -C extension build): %w", err)
	}
	var m struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("parsing %s: %w", filepath.Join(extensionDir, "manifest.json"), err)
	}
	if m.Key == "" {
		return "", fmt.Errorf("%s has no pinned key: use the unpacked Chrome build", filepath.Join(extensionDir, "manifest.json"))
	}
	der, err := base64.StdEncoding.DecodeString(m.Key)
	if err != nil {
		return "", fmt.Errorf("decoding the manifest key: %w", err)
	}
	sum := sha256.Sum256(der)
	var b strings.Builder
	for _, c := range sum[:16] {
		b.WriteByte('a' + c>>4)
		b.WriteByte('a' + c&0xf)
	}
	return b.String(), nil
}

// WriteHostWrapper writes dir/ramsso-host.sh, which runs hostBinary with
// RAMSSO_HOME=home. Chromium gives a host its own environment, so the
// wrapper pins the home; with noDisplay it also hides the display so the
// host never starts a tray.
func WriteHostWrapper(dir, hostBinary, home string, noDisplay bool) (string, error) {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	if noDisplay {
		b.WriteString("unset DISPLAY WAYLAND_DISPLAY\n")
	}
	fmt.Fprintf(&b, "RAMSSO_HOME=%s\nexport RAMSSO_HOME\nexec %s \"$@\"\n", shellQuote(home), shellQuote(hostBinary))
	p := filepath.Join(dir, "ramsso-host.sh")
	if err := os.WriteFile(p, []byte(b.String()), 0o755); err != nil {
		return "", fmt.Errorf("writing the host wrapper: %w", err)
	}
	return p, nil
}

// WriteHostManifest registers hostPath as com.ramsso.host for the profile
// in userDataDir (its NativeMessagingHosts directory), allowing only
// extensionID.
func WriteHostManifest(userDataDir, hostPath, extensionID string) (string, error) {
	dir := filepath.Join(userDataDir, "NativeMessagingHosts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	m := map[string]any{
		"name":            HostName,
		"description":     "ramsso native messaging host (demo profile)",
		"path":            hostPath,
		"type":            "stdio",
		"allowed_origins": []string{"chrome-extension://" + extensionID + "/"},
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding the host manifest: %w", err)
	}
	p := filepath.Join(dir, HostName+".json")
	if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("writing the host manifest: %w", err)
	}
	return p, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
