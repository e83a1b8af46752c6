#!/bin/sh
# Build release archives into dist/:
#   ramsso-VERSION-linux-amd64.tar.gz   bin/ramsso, bin/ramsso-host, bin/ramsso-tray and
#                                       bin/ramsso-tray-ui (when built), the extension packages, the
#                                       .desktop file, icons and install.sh
#   ramsso-VERSION-darwin-amd64.tar.gz, ramsso-VERSION-darwin-arm64.tar.gz,
#   ramsso-VERSION-windows-amd64.zip    the cgo-free ramsso and ramsso-host
#   ramsso-VERSION-firefox.xpi         the Firefox add-on (also inside the linux tarball)
#   ramsso_DEBVERSION_amd64.deb         (scripts/deb.sh; when dpkg-deb exists)
#   ramsso.rb, ramsso.json              the Homebrew formula and the Scoop
#                                       manifest for the macOS and Windows archives
#   SHA256SUMS
# Reproducible: -trimpath, an empty Go build id, no VCS stamp, and every
# archive's mtimes, owners and order fixed (SOURCE_DATE_EPOCH, default the
# last commit's time); scripts/test-repro.sh builds twice and compares.
# Signing and notarisation are a release step with keys CI does not hold:
# docs/deploy.md "Releasing".
# Environment: VERSION, GO, DIST_TRAY=0 (never build the tray),
# DIST_EXTENSION=0 (skip the extension), DIST_OTHER_OS=0 (linux only),
# DIST_DEB=0 (no .deb), DIST_URL (where the archives are published; the
# formula and manifest point there).
set -eu

cd "$(dirname "$0")/.."
GO=${GO:-go}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
LDFLAGS="-s -w -buildid= -X github.com/ramsso/ramsso/internal/version.Version=$VERSION"
OUT=dist
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
DIST_URL=${DIST_URL:-https://github.com/ramsso/ramsso/releases/download/$VERSION}
export GOFLAGS=-mod=mod SOURCE_DATE_EPOCH

# tgz DIR NAME OUTFILE / zipdir DIR NAME OUTFILE: archives whose bytes depend
# only on the files' contents and modes.
tgz() {
	find "$1/$2" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -cf - "$2" | gzip -9n >"$3"
}
zipdir() {
	find "$1/$2" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	(cd "$1" && find "$2" | LC_ALL=C sort | TZ=UTC zip -qX -@ "$3")
}

rm -rf "$OUT"
mkdir -p "$OUT"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

build() { # GOOS GOARCH DIR
	ext=""
	[ "$1" = windows ] && ext=.exe
	mkdir -p "$3/bin"
	for cmd in ramsso ramsso-host; do
		CGO_ENABLED=0 GOOS=$1 GOARCH=$2 "$GO" build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$3/bin/$cmd$ext" "./app/cmd/$cmd"
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
tgz "$stage" "$name" "$OUT/$name.tar.gz"
echo "dist: $OUT/$name.tar.gz"

if [ "${DIST_DEB:-1}" != 0 ] && command -v dpkg-deb >/dev/null 2>&1; then
	OUT="$OUT" VERSION="$VERSION" GO="$GO" ./scripts/deb.sh
fi

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
			zipdir "$stage" "$name" "$PWD/$OUT/$name.zip"
			echo "dist: $OUT/$name.zip"
		else
			tgz "$stage" "$name" "$OUT/$name.tar.gz"
			echo "dist: $OUT/$name.tar.gz"
		fi
	done
	sum() { sha256sum "$OUT/$1" | cut -d' ' -f1; }
	plain=${VERSION#v}
	sed -e "s|@VERSION@|$plain|g" -e "s|@URL@|$DIST_URL|g" \
		-e "s|@ARM64_SHA@|$(sum "ramsso-$VERSION-darwin-arm64.tar.gz")|" -e "s|@AMD64_SHA@|$(sum "ramsso-$VERSION-darwin-amd64.tar.gz")|" \
		-e "s|@ARM64_DIR@|ramsso-$VERSION-darwin-arm64|" -e "s|@AMD64_DIR@|ramsso-$VERSION-darwin-amd64|" \
		-e "s|@ARM64_FILE@|ramsso-$VERSION-darwin-arm64.tar.gz|" -e "s|@AMD64_FILE@|ramsso-$VERSION-darwin-amd64.tar.gz|" \
		build/homebrew/ramsso.rb.in >"$OUT/ramsso.rb"
	echo "dist: $OUT/ramsso.rb"
	sed -e "s|@VERSION@|$plain|g" -e "s|@URL@|$DIST_URL/ramsso-$VERSION-windows-amd64.zip|" \
		-e "s|@SHA@|$(sum "ramsso-$VERSION-windows-amd64.zip")|" -e "s|@DIR@|ramsso-$VERSION-windows-amd64|g" \
		build/scoop/ramsso.json.in >"$OUT/ramsso.json"
	echo "dist: $OUT/ramsso.json"
fi

(cd "$OUT" && sha256sum ramsso-* ramsso_*.deb ramsso.rb ramsso.json 2>/dev/null >SHA256SUMS || true)
[ -s "$OUT/SHA256SUMS" ] || { echo "dist: no archives to sum" >&2; exit 1; }
echo "dist: $OUT/SHA256SUMS"
