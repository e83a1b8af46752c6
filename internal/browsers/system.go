package browsers

import (
	"fmt"
	"path/filepath"
)

// System-wide (machine-level) host registration: where managed browsers
// read a manifest that no user can change, and the only place Chrome and
// Edge look when policy sets NativeMessagingUserLevelHosts=false.
//
// Sources: Chrome's native messaging docs ("Native messaging host
// location": /etc/opt/chrome/native-messaging-hosts, /etc/chromium/...,
// /Library/Google/Chrome/NativeMessagingHosts, /Library/Application
// Support/Chromium/NativeMessagingHosts, HKEY_LOCAL_MACHINE\SOFTWARE\Google\
// Chrome\NativeMessagingHosts), Edge's (/etc/opt/edge/..., /Library/
// Microsoft/Edge/NativeMessagingHosts, HKLM\SOFTWARE\Microsoft\Edge\...)
// and MDN's "Native manifests" (/usr/lib/mozilla/native-messaging-hosts,
// /Library/Application Support/Mozilla/NativeMessagingHosts,
// HKLM\SOFTWARE\Mozilla\NativeMessagingHosts).

// macSystemDirs are the documented machine-wide directories on macOS.
var macSystemDirs = map[string]string{
	"chrome":      "/Library/Google/Chrome/NativeMessagingHosts",
	"chrome-beta": "/Library/Google/Chrome Beta/NativeMessagingHosts",
	"chromium":    "/Library/Application Support/Chromium/NativeMessagingHosts",
	"edge":        "/Library/Microsoft/Edge/NativeMessagingHosts",
	"firefox":     "/Library/Application Support/Mozilla/NativeMessagingHosts",
}

// SystemEnv is what machine-level paths depend on.
type SystemEnv struct {
	GOOS string
	// ProgramData is %ProgramData% on Windows (default C:\ProgramData):
	// the manifest file lives there and HKLM points at it.
	ProgramData string
	// Root prefixes every file path (not registry keys); "" is the real
	// root. Packaging builds a tree with it (DESTDIR); tests use a temp dir.
	Root string
}

// SystemTarget is spec's machine-wide target: on Linux spec.SystemDir, on
// macOS the documented /Library directory, on Windows a manifest under
// %ProgramData%\ramsso registered under HKLM. Browsers without a
// documented machine-wide location get an error naming the per-user way.
func SystemTarget(spec Spec, env SystemEnv) (Target, error) {
	var dir string
	switch env.GOOS {
	case "darwin":
		dir = macSystemDirs[spec.ID]
	case "windows":
		base := env.ProgramData
		if base == "" {
			base = `C:\ProgramData`
		}
		t := Target{Spec: spec, System: true, RegistryKey: spec.WinKey + `\` + HostName,
			ManifestPath: winJoin(base, "ramsso", "NativeMessagingHosts", spec.ID, HostName+".json")}
		return t, nil
	default:
		dir = spec.SystemDir
	}
	if dir == "" {
		return Target{}, fmt.Errorf("%s documents no machine-wide native messaging location on %s: use `ramsso install --browser %s` per user", spec.Name, env.GOOS, spec.ID)
	}
	p := filepath.Join(env.Root, filepath.FromSlash(dir), HostName+".json")
	return Target{Spec: spec, System: true, ManifestPath: p}, nil
}

// SystemTargets lists the machine-wide targets for every known browser that
// has one on env.GOOS, each directory once (Chrome and Brave share
// /etc/opt/chrome on Linux; Chrome and Chrome Beta share a registry key).
func SystemTargets(env SystemEnv) []Target {
	var out []Target
	seen := map[string]bool{}
	for _, spec := range Known {
		t, err := SystemTarget(spec, env)
		if err != nil {
			continue
		}
		key := t.ManifestPath
		if t.RegistryKey != "" {
			key = t.RegistryKey
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

// winJoin joins Windows path elements with backslashes on any GOOS, so the
// Windows paths are testable on Linux.
func winJoin(base string, elem ...string) string {
	p := base
	for _, e := range elem {
		if len(p) > 0 && p[len(p)-1] != '\\' {
			p += `\`
		}
		p += e
	}
	return p
}
