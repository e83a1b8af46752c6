#!/bin/sh
# Build release archives into dist/:
#   ramsso-VERSION-linux-amd64.tar.gz   bin/ramsso, bin/ramsso-host, bin/ramsso-tray and
#                                       bin/ramsso-tray-ui (when built), the extension packages, the
#                                       .desktop file, icons and install.sh
#   ramsso-VERSION-darwin-amd64.tar.gz, ramsso-VERSION-darwin-arm64.tar.gz,
#   ramsso-VERSION-windows-amd64.zip    the cgo-free ramsso and ramsso-host
#   ramsso-VERSION-firefox.xpi         the Firefox add-on (also inside the linux tarball)
#   SHA256SUMS
# Environment: VERSION, GO, DIST_TRAY=0 (never build the tray),
# DIST_EXTENSION=0 (skip the extension), DIST_OTHER_OS=0 (linux only).
set -eu

cd "$(dirname "$0")/.."
GO=${GO:-go}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
LDFLAGS="-s -w -X github.com/ramsso/ramsso/internal/version.Version=$VERSION"
OUT=dist
export GOFLAGS=-mod=mod

rm -rf "$OUT"
mkdir -p "$OUT"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

build() { # GOOS GOARCH DIR
	ext=""
	[ "$1" = windows ] && ext=.exe
	mkdir -p "$3/bin"
	for cmd in ramsso ramsso-host; do
		CGO_ENABLED=0 GOOS=$1 GOARCH=$2 "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$3/bin/$cmd$ext" "./app/cmd/$cmd"
	done
}

# linux/amd64: the full desktop package.
name="ramsso-$VERSION-linux-amd64"
dir="$stage/$name"
build linux amd64 "$dir"

if [ "${DIST_TRAY:-1}" != 0 ] && { [ ! -x bin/ramsso-tray ] || [ ! -x bin/ramsso-tray-ui ]; } && grep -q '^build-tray:' Makefile; then
	make build-tray || echo "dist: make build-tray failed; the tarball has no ramsso-tray" >&2
fi
if [ "${DIST_TRAY:-1}" != 0 ] && [ -x bin/ramsso-tray ]; then
	cp bin/ramsso-tray "$dir/bin/ramsso-tray"
	# The window process the resident tray starts on demand.
	[ -x bin/ramsso-tray-ui ] && cp bin/ramsso-tray-ui "$dir/bin/ramsso-tray-ui"
else
	echo "dist: note: no bin/ramsso-tray (make build-tray builds it); the linux tarball ships without the tray" >&2
fi

if [ "${DIST_EXTENSION:-1}" != 0 ] && command -v node >/dev/null 2>&1 && make -C extension build >/dev/null; then
	mkdir -p "$dir/extension"
	for z in extension/build/*.zip extension/build/*.xpi; do
		[ -f "$z" ] && cp "$z" "$dir/extension/"
	done
	# The Firefox add-on on its own (gecko id ramsso@ramsso.dev): what a
	# Firefox user downloads, or what goes to addons.mozilla.org for signing.
	[ -f extension/build/ramsso.xpi ] && cp extension/build/ramsso.xpi "$OUT/ramsso-$VERSION-firefox.xpi" && echo "dist: $OUT/ramsso-$VERSION-firefox.xpi"
	# The unpacked Chrome build keeps the pinned key, so its id matches the
	# host manifest's allowed_origins: load it with "Load unpacked".
	[ -d extension/build/chrome ] && cp -R extension/build/chrome "$dir/extension/chrome-unpacked"
	[ -f extension/build/ids.json ] && cp extension/build/ids.json "$dir/extension/"
else
	echo "dist: note: extension not built (needs node; DIST_EXTENSION=0 skips it)" >&2
fi

mkdir -p "$dir/share/applications"
cp build/linux/ramsso.desktop "$dir/share/applications/ramsso.desktop"
for png in build/icons/ramsso-*.png; do
	size=$(basename "$png" .png)
	size=${size#ramsso-}
	mkdir -p "$dir/share/icons/hicolor/${size}x${size}/apps"
	cp "$png" "$dir/share/icons/hicolor/${size}x${size}/apps/ramsso.png"
done
cp build/linux/install.sh "$dir/install.sh"
chmod 0755 "$dir/install.sh"
[ -f README.md ] && cp README.md "$dir/"
[ -f LICENSE ] && cp LICENSE "$dir/"
tar -C "$stage" -czf "$OUT/$name.tar.gz" "$name"
echo "dist: $OUT/$name.tar.gz"

# The cgo-free binaries for macOS and Windows.
if [ "${DIST_OTHER_OS:-1}" != 0 ]; then
	for target in darwin/amd64 darwin/arm64 windows/amd64; do
		os=${target%/*}
		arch=${target#*/}
		name="ramsso-$VERSION-$os-$arch"
		dir="$stage/$name"
		build "$os" "$arch" "$dir"
		[ -f README.md ] && cp README.md "$dir/"
		if [ "$os" = windows ]; then
			(cd "$stage" && zip -qr "$OLDPWD/$OUT/$name.zip" "$name")
			echo "dist: $OUT/$name.zip"
		else
			tar -C "$stage" -czf "$OUT/$name.tar.gz" "$name"
			echo "dist: $OUT/$name.tar.gz"
		fi
	done
fi

(cd "$OUT" && sha256sum ramsso-* >SHA256SUMS)
echo "dist: $OUT/SHA256SUMS"
