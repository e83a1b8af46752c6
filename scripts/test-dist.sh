#!/bin/sh
# Test the release tarball: build it (linux only unless DIST_OTHER_OS=1),
# unpack it, run install.sh into a temporary PREFIX and HOME, and check
# what was installed.
set -eu

cd "$(dirname "$0")/.."
DIST_OTHER_OS=${DIST_OTHER_OS:-0} DIST_TRAY=${DIST_TRAY:-0} VERSION=${VERSION:-test} ./scripts/dist.sh
version=${VERSION:-test}
tarball="dist/ramsso-$version-linux-amd64.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-dist: FAIL: $*" >&2; exit 1; }

tar -C "$work" -xzf "$tarball"
pkg="$work/ramsso-$version-linux-amd64"
for f in bin/ramsso bin/ramsso-host install.sh share/applications/ramsso.desktop share/icons/hicolor/128x128/apps/ramsso.png; do
	[ -e "$pkg/$f" ] || fail "tarball lacks $f"
done

prefix="$work/prefix"
home="$work/home"
mkdir -p "$home"
HOME="$home" XDG_CONFIG_HOME="$home/.config" RAMSSO_HOME="$home/ramsso" PREFIX="$prefix" PATH="/usr/bin:/bin" \
	"$pkg/install.sh" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "install.sh failed"; }

for f in bin/ramsso bin/ramsso-host share/applications/ramsso.desktop share/icons/hicolor/16x16/apps/ramsso.png share/icons/hicolor/256x256/apps/ramsso.png; do
	[ -e "$prefix/$f" ] || fail "install.sh did not install $f"
done
[ -x "$prefix/bin/ramsso" ] || fail "ramsso is not executable"
grep -q "^Exec=$prefix/bin/ramsso tray\$" "$prefix/share/applications/ramsso.desktop" || fail "the .desktop Exec line does not point at $prefix/bin"
if command -v desktop-file-validate >/dev/null 2>&1; then
	desktop-file-validate "$prefix/share/applications/ramsso.desktop" || fail "desktop-file-validate"
fi
if [ -d "$pkg/extension" ]; then
	[ -f "$prefix/share/ramsso/extension/chrome-store.zip" ] || fail "install.sh did not install the extension packages"
	[ -f "$prefix/share/ramsso/extension/ramsso.xpi" ] || fail "install.sh did not install the Firefox add-on (ramsso.xpi)"
	[ -s "dist/ramsso-$version-firefox.xpi" ] || fail "make dist did not produce dist/ramsso-$version-firefox.xpi"
fi
"$prefix/bin/ramsso" --version | grep -q "$version" || fail "installed ramsso does not report version $version"
grep -q "is not on your PATH" "$work/install.log" || fail "install.sh did not warn that PREFIX/bin is off PATH"

# A PREFIX with a space is refused.
if PREFIX="$work/with space" "$pkg/install.sh" >/dev/null 2>&1; then
	fail "install.sh accepted a PREFIX with a space"
fi
echo "test-dist: OK ($tarball installs into a fresh PREFIX)"

# The .deb (dpkg install/remove in a private mount namespace, lintian) and
# reproducible builds with the Homebrew formula and Scoop manifest.
./scripts/test-deb.sh
./scripts/test-repro.sh
