#!/bin/sh
# Build dist/ramsso_DEBVERSION_amd64.deb with Debian's dpkg-deb from the
# cgo-free binaries (ramsso, ramsso-host). Its postinst registers the host
# machine-wide (`ramsso install --system`: /etc/opt/chrome, /etc/chromium,
# /etc/opt/edge, /etc/opt/vivaldi, /usr/lib/mozilla); its prerm removes those
# manifests again. Reproducible: -trimpath, an empty build id, mtimes
# clamped to SOURCE_DATE_EPOCH (default: the last commit's time).
# Environment: VERSION, GO, OUT (default dist), GOARCH (default amd64).
set -eu

cd "$(dirname "$0")/.."
GO=${GO:-go}
OUT=${OUT:-dist}
ARCH=${GOARCH:-amd64}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH GOFLAGS=-mod=mod

# Debian versions start with a digit: v1.2.3 -> 1.2.3-1; a bare commit ->
# 0~abc123-1 (the -1 Debian revision: the packaging is not upstream's own).
debv=${VERSION#v}
case "$debv" in
[0-9]*) ;;
*) debv="0~$debv" ;;
esac
debv=$(printf '%s' "$debv" | tr -c 'A-Za-z0-9.+~\n' '+')-1

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/ramsso"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/ramsso" "$root/usr/share/lintian/overrides"

for cmd in ramsso ramsso-host; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH "$GO" build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X github.com/ramsso/ramsso/internal/version.Version=$VERSION" \
		-o "$root/usr/bin/$cmd" "./app/cmd/$cmd"
done
install -m 0644 build/deb/copyright "$root/usr/share/doc/ramsso/copyright"
sed "s/@VERSION@/$debv/; s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" build/deb/changelog | gzip -9n >"$root/usr/share/doc/ramsso/changelog.Debian.gz"
install -m 0644 build/deb/lintian-overrides "$root/usr/share/lintian/overrides/ramsso"
install -m 0755 build/deb/postinst build/deb/prerm "$root/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed "s/@VERSION@/$debv/; s/@ARCH@/$ARCH/; s/@SIZE@/$size/" build/deb/control >"$root/DEBIAN/control"
chmod 0755 "$root/usr/bin/"*
find "$root" -type d -exec chmod 0755 {} +
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUT"
deb="$OUT/ramsso_${debv}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb: $deb"
