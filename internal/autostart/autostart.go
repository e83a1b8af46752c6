// Package autostart starts the ramsso tray when the user logs in: an XDG
// autostart entry on Linux and BSDs, a LaunchAgent on macOS, a Run key
// value on Windows. It is cgo-free; the file-writing parts are plain
// functions over a base directory so they can be tested anywhere.
package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ramsso/ramsso/internal/config"
)

// Name identifies the entry on every platform.
const Name = "ramsso-tray"

// LaunchAgentLabel is the macOS LaunchAgent's label.
const LaunchAgentLabel = "com.ramsso.tray"

// Entry is what starts at login.
type Entry struct {
	// Exe is the absolute path of ramsso-tray.
	Exe string
	// Home is the RAMSSO_HOME to pass, or "" for the default.
	Home string
}

// DesktopFile is the XDG autostart entry for e.
func DesktopFile(e Entry) string {
	exec := desktopQuote(e.Exe)
	if e.Home != "" {
		exec = "env " + desktopQuote(config.EnvHome+"="+e.Home) + " " + exec
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=ramsso\n" +
		"Comment=Alibaba Cloud SSO sessions in the system tray\n" +
		"Exec=" + exec + "\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// desktopQuote quotes an Exec argument per the Desktop Entry spec.
func desktopQuote(s string) string {
	if !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`%") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", "$", `\\$`, "%", "%%")
	return `"` + r.Replace(s) + `"`
}

// LaunchAgentPlist is the macOS LaunchAgent for e.
func LaunchAgentPlist(e Entry) string {
	var env string
	if e.Home != "" {
		env = "\t<key>EnvironmentVariables</key>\n\t<dict>\n\t\t<key>" + config.EnvHome + "</key>\n\t\t<string>" + xmlEscape(e.Home) + "</string>\n\t</dict>\n"
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + LaunchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + xmlEscape(e.Exe) + `</string>
	</array>
` + env + `	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// XDGPath is the autostart file under configDir (~/.config or
// $XDG_CONFIG_HOME).
func XDGPath(configDir string) string {
	return filepath.Join(configDir, "autostart", Name+".desktop")
}

// LaunchAgentPath is the plist under a macOS home directory.
func LaunchAgentPath(userHome string) string {
	return filepath.Join(userHome, "Library", "LaunchAgents", LaunchAgentLabel+".plist")
}

// writeFile writes data to path (parents 0755 as desktops expect; the file
// holds no secret), or removes it when data is "".
func writeFile(path, data string) error {
	if data == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := config.WriteFileAtomic(path, []byte(data), 0o644); err != nil {
		return fmt.Errorf("writing the login item: %w", err)
	}
	return nil
}

// Enabled reports whether a login entry exists.
func Enabled() (bool, error) {
	p, err := entryPath()
	if err != nil {
		return false, err
	}
	if p == "" {
		return registryEnabled()
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", p, err)
	}
	return true, nil
}
