package browsers

import (
	"path/filepath"
	"strings"
)

// Note is something a user should know about one browser install; Warn
// notes say what to do in Fix, the others only explain.
type Note struct {
	Text string
	Warn bool
	Fix  string
}

// Files on the host that tell whether a sandboxed Firefox can reach
// ramsso-host, relative to Env.Root:
//
//   - The WebExtensions portal, which the Firefox Snap uses for native
//     messaging (the snap sets widget.use-xdg-desktop-portal.native-messaging,
//     canonical/firefox-snap patches/native-messaging-portal.patch; Ubuntu
//     ships the portal since 22.04). xdg-desktop-portal installs its D-Bus
//     interface description with the portal.
//   - xdg-native-messaging-proxy (github.com/flatpak/xdg-native-messaging-proxy),
//     the same service moved out of xdg-desktop-portal, which Flatpak
//     Firefox uses from Firefox 157 (bugzilla.mozilla.org 1955255, as
//     reported in flatpak/xdg-desktop-portal#655). Its D-Bus activation
//     file is how it is found.
//
// Both look up manifests on the host, outside the sandbox, in
// ~/.mozilla/native-messaging-hosts first, then
// $XDG_CONFIG_HOME/mozilla/native-messaging-hosts and
// /usr/lib{,64}/mozilla/native-messaging-hosts, and start the host there
// with the manifest path and the add-on id as its two arguments, as
// Firefox itself does (xdg-desktop-portal src/web-extensions.c,
// xdg-native-messaging-proxy src/xnmp-impl.c).
var (
	webExtensionsPortalFiles = []string{
		"usr/share/dbus-1/interfaces/org.freedesktop.portal.WebExtensions.xml",
	}
	nativeMessagingProxyFiles = []string{
		"usr/share/dbus-1/services/org.freedesktop.NativeMessagingProxy.service",
		"usr/lib/systemd/user/xdg-native-messaging-proxy.service",
	}
)

func (e Env) rooted(rel string) string {
	root := e.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

func (e Env) anyExists(rels []string) bool {
	for _, r := range rels {
		if exists(e.rooted(r)) {
			return true
		}
	}
	return false
}

// firefoxLinux detects Firefox on Linux: a binary on PATH (not the Snap
// wrapper), ~/.mozilla, or ~/.config/mozilla (where Firefox 147 and later
// create new profiles); the Snap (/snap/bin/firefox or ~/snap/firefox);
// the Flatpak (~/.var/app/org.mozilla.firefox). Every one of them reads
// ramsso's manifest from ~/.mozilla/native-messaging-hosts on the host —
// Snap and Flatpak through the portal / proxy, which start ramsso-host
// outside the sandbox — so a sandboxed install is found, not skipped; the
// notes say what the user will see and what the system must have.
func firefoxLinux(spec Spec, env Env) (found string, notes []Note) {
	for _, b := range spec.Binaries {
		if p := lookPath(b, env.Path); p != "" && !strings.HasPrefix(p, "/snap/") {
			found = p
			break
		}
	}
	dotMozilla := filepath.Join(env.Home, ".mozilla")
	xdgMozilla := filepath.Join(env.Home, ".config", "mozilla")
	if found == "" && isDir(dotMozilla) {
		found = dotMozilla
	}
	if isDir(xdgMozilla) {
		if found == "" {
			found = xdgMozilla
		}
		if !isDir(filepath.Join(dotMozilla, "firefox")) {
			notes = append(notes, Note{Text: "Firefox keeps its profiles in ~/.config/mozilla (Firefox 147 and later), but reads native messaging hosts only from ~/.mozilla/native-messaging-hosts: ramsso's manifest goes there"})
		}
	}
	if spec.Snap != "" && (exists(env.rooted("snap/bin/"+spec.Snap)) || isDir(filepath.Join(env.Home, "snap", spec.Snap))) {
		if found == "" {
			found = "Snap " + spec.Snap
		}
		if env.anyExists(webExtensionsPortalFiles) {
			notes = append(notes, Note{Text: "Firefox is a Snap: it reaches ramsso-host through the WebExtensions portal, which reads ~/.mozilla/native-messaging-hosts and starts ramsso-host outside the sandbox. The first sign-in shows \"Allow Firefox to start WebExtension backend?\" once: choose Allow"})
		} else {
			notes = append(notes, Note{Warn: true,
				Text: "Firefox is a Snap, which reaches native hosts only through the WebExtensions portal of xdg-desktop-portal, and this system's xdg-desktop-portal does not have it (Ubuntu ships it since 22.04)",
				Fix:  "update xdg-desktop-portal (Ubuntu 22.04 or later has the portal), or use a Firefox that is not a Snap (Mozilla's .deb or tarball)"})
		}
		notes = append(notes, Note{Text: "if you answered Don't allow to the portal's question, `flatpak permission-remove webextensions " + HostName + "` (or deleting ~/.local/share/flatpak/db/webextensions) makes it ask again"})
	}
	if spec.Flatpak != "" && isDir(filepath.Join(env.Home, ".var", "app", spec.Flatpak)) {
		if found == "" {
			found = "Flatpak " + spec.Flatpak
		}
		if env.anyExists(nativeMessagingProxyFiles) {
			notes = append(notes, Note{Text: "Firefox is a Flatpak (" + spec.Flatpak + "): from Firefox 157 it reaches ramsso-host through xdg-native-messaging-proxy, which reads ~/.mozilla/native-messaging-hosts and starts ramsso-host outside the sandbox (run `systemctl --user enable --now xdg-native-messaging-proxy.service` if it is not running)"})
		} else {
			notes = append(notes, Note{Warn: true,
				Text: "Firefox is a Flatpak (" + spec.Flatpak + "), which reaches native hosts only through xdg-native-messaging-proxy (Firefox 157 and later), and it is not installed here",
				Fix:  "install xdg-native-messaging-proxy from your distribution and run `systemctl --user enable --now xdg-native-messaging-proxy.service`; for an older Flatpak Firefox, point a manifest in ~/.var/app/" + spec.Flatpak + "/.mozilla/native-messaging-hosts at a wrapper running `flatpak-spawn --host /path/to/ramsso-host \"$@\"` after `flatpak override --user --talk-name=org.freedesktop.Flatpak " + spec.Flatpak + "`"})
		}
	}
	return found, notes
}
