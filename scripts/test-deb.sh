#!/bin/sh
# Test the .deb: build it, check it with lintian (overrides and why:
# build/deb/lintian-overrides), then install and remove it with dpkg and
# check that postinst registered ramsso-host machine-wide and that removal
# leaves nothing behind.
#
# The install runs as root inside a private mount namespace whose /usr, /etc
# and /var/lib/dpkg are overlays on a temp dir, so nothing it writes (the
# binaries, the manifests Chromium and Firefox read for every profile, the
# dpkg database) is ever visible to other processes on the machine. Needs
# root and unshare (CI runs as root); anything else is a failure, not a skip.
set -eu

cd "$(dirname "$0")/.."
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || fail "dpkg-deb missing (Debian's dpkg)"
command -v lintian >/dev/null || fail "lintian missing (apt-get install lintian)"
[ "$(id -u)" = 0 ] || fail "installing a .deb needs root (CI runs as root)"
command -v unshare >/dev/null || fail "unshare missing (util-linux)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
VERSION=${VERSION:-1.2.3} OUT="$work/out" ./scripts/deb.sh >/dev/null
deb=$(ls "$work"/out/*.deb)

lintian --tag-display-limit 0 --fail-on warning,error "$deb" >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian found warnings or errors"; }

mkdir -p "$work/ov"
cat >"$work/inner.sh" <<'INNER'
set -eu
w=$1 deb=$2
for d in usr etc var/lib/dpkg; do
	n=$(echo "$d" | tr / _)
	mkdir -p "$w/ov/$n.up" "$w/ov/$n.work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$w/ov/$n.up,workdir=$w/ov/$n.work" "/$d"
done
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
manifests="/etc/opt/chrome/native-messaging-hosts/com.ramsso.host.json
/etc/chromium/native-messaging-hosts/com.ramsso.host.json
/etc/opt/edge/native-messaging-hosts/com.ramsso.host.json
/usr/lib/mozilla/native-messaging-hosts/com.ramsso.host.json"
# Someone else's manifest beside ours must survive the removal.
mkdir -p /etc/chromium/native-messaging-hosts
echo '{"name":"com.other.host","path":"/opt/other","type":"stdio"}' >/etc/chromium/native-messaging-hosts/com.other.host.json

dpkg -i "$deb" >"$w/dpkg-i.log" 2>&1 || { cat "$w/dpkg-i.log"; fail "dpkg -i"; }
[ -x /usr/bin/ramsso ] && [ -x /usr/bin/ramsso-host ] || fail "binaries not installed"
/usr/bin/ramsso --version | grep -q 1.2.3 || fail "installed ramsso does not report 1.2.3"
for m in $manifests; do
	[ -f "$m" ] || fail "postinst did not write $m"
	grep -q '"path": "/usr/bin/ramsso-host"' "$m" || fail "$m does not name /usr/bin/ramsso-host"
	[ "$(stat -c %a "$m")" = 644 ] || fail "$m mode $(stat -c %a "$m"), want 644"
done
grep -q 'chrome-extension://bbpkgocgnbgocfjgplkpdplhiiagnaon/' /etc/chromium/native-messaging-hosts/com.ramsso.host.json || fail "chromium manifest lacks the pinned extension id"
grep -q 'ramsso@ramsso.dev' /usr/lib/mozilla/native-messaging-hosts/com.ramsso.host.json || fail "firefox manifest lacks the gecko id"
dpkg -s ramsso >/dev/null 2>&1 || fail "dpkg does not know ramsso after install"

dpkg --purge ramsso >"$w/dpkg-r.log" 2>&1 || { cat "$w/dpkg-r.log"; fail "dpkg --purge"; }
for m in $manifests; do
	[ ! -e "$m" ] || fail "removal left $m"
done
[ ! -e /usr/bin/ramsso ] && [ ! -e /usr/bin/ramsso-host ] || fail "removal left the binaries"
[ -f /etc/chromium/native-messaging-hosts/com.other.host.json ] || fail "removal deleted another host's manifest"
! dpkg -s ramsso >/dev/null 2>&1 || fail "dpkg still lists ramsso"
echo inner-ok
INNER
unshare --mount --propagation private sh "$work/inner.sh" "$work" "$deb" >"$work/inner.log" 2>&1 || { cat "$work/inner.log"; fail "install/remove in the private namespace"; }
grep -q inner-ok "$work/inner.log" || { cat "$work/inner.log"; fail "install/remove did not finish"; }
echo "test-deb: OK ($(basename "$deb"): lintian clean, installs, registers the host system-wide, removes cleanly)"
