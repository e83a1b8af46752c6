#!/bin/sh
# Install ramsso from this unpacked release into PREFIX (default ~/.local):
#   PREFIX/bin/ramsso, ramsso-host (and ramsso-tray, ramsso-tray-ui when present),
#   PREFIX/share/applications/ramsso.desktop, PREFIX/share/icons/hicolor/…,
#   PREFIX/share/ramsso/extension/ (the browser extension packages);
# then runs `ramsso install` to register the native messaging host with
# your browsers (RAMSSO_SKIP_INSTALL=1 skips that step).
#
#   ./install.sh                  # into ~/.local
#   PREFIX=/opt/ramsso ./install.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-"$HOME/.local"}

case "$PREFIX" in
*[[:space:]]*)
	echo "install.sh: PREFIX \"$PREFIX\" contains a space; the aliyun CLI splits its process_command on spaces, so install to a path without spaces" >&2
	exit 1
	;;
/*) ;;
*)
	echo "install.sh: PREFIX must be an absolute path (got \"$PREFIX\")" >&2
	exit 1
	;;
esac

bindir="$PREFIX/bin"
sharedir="$PREFIX/share"
mkdir -p "$bindir" "$sharedir/applications" "$sharedir/ramsso"

for b in ramsso ramsso-host ramsso-tray ramsso-tray-ui; do
	if [ -f "$here/bin/$b" ]; then
		# Copy then rename, so a running copy is never half-overwritten.
		cp "$here/bin/$b" "$bindir/.$b.new"
		chmod 0755 "$bindir/.$b.new"
		mv -f "$bindir/.$b.new" "$bindir/$b"
		echo "installed $bindir/$b"
	fi
done

sed "s|@BINDIR@|$bindir|g" "$here/share/applications/ramsso.desktop" >"$sharedir/applications/ramsso.desktop"
chmod 0644 "$sharedir/applications/ramsso.desktop"
echo "installed $sharedir/applications/ramsso.desktop"

for icon in "$here"/share/icons/hicolor/*/apps/ramsso.png; do
	[ -f "$icon" ] || continue
	size=$(basename "$(dirname "$(dirname "$icon")")")
	mkdir -p "$sharedir/icons/hicolor/$size/apps"
	cp "$icon" "$sharedir/icons/hicolor/$size/apps/ramsso.png"
done

if [ -d "$here/extension" ]; then
	rm -rf "$sharedir/ramsso/extension"
	cp -R "$here/extension" "$sharedir/ramsso/extension"
	echo "installed the browser extension packages in $sharedir/ramsso/extension"
fi

if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database "$sharedir/applications" >/dev/null 2>&1 || true
fi

if [ "${RAMSSO_SKIP_INSTALL:-}" = 1 ]; then
	echo "skipped ramsso install (RAMSSO_SKIP_INSTALL=1): run $bindir/ramsso install to register the browser host"
elif "$bindir/ramsso" install --help >/dev/null 2>&1; then
	"$bindir/ramsso" install
else
	echo "note: this ramsso has no install command; register the browser host later with: $bindir/ramsso install" >&2
fi

case ":$PATH:" in
*":$bindir:"*) ;;
*) echo "note: $bindir is not on your PATH; add it (e.g. in ~/.profile: PATH=\"$bindir:\$PATH\")" ;;
esac
echo "done: run ramsso --help, and load the extension from $sharedir/ramsso/extension (see README)"
