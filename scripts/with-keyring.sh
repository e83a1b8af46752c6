#!/bin/sh
# with-keyring.sh CMD [ARGS...] — run CMD inside a throw-away D-Bus session
# with an unlocked gnome-keyring Secret Service and a fresh temporary HOME,
# with RAMSSO_TEST_KEYRING=1 so the real-keyring tests run (and fail, not
# skip, when no keyring answers). Needs: dbus (dbus-run-session) and
# gnome-keyring (apt-get install dbus gnome-keyring).
#
#   scripts/with-keyring.sh go test -race -run Keyring ./internal/store/
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$0: $tool not found: apt-get install dbus gnome-keyring" >&2
		exit 1
	fi
done

tmp_home=$(mktemp -d "${TMPDIR:-/tmp}/ramsso-keyring-home.XXXXXX")
trap 'rm -rf "$tmp_home"' EXIT INT TERM
# Go's caches stay where they were, not in the throw-away HOME.
GOCACHE=${GOCACHE:-$(go env GOCACHE 2>/dev/null || echo "$HOME/.cache/go-build")}
GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE 2>/dev/null || echo "$HOME/go/pkg/mod")}
GOPATH=${GOPATH:-$(go env GOPATH 2>/dev/null || echo "$HOME/go")}
export GOCACHE GOMODCACHE GOPATH
HOME=$tmp_home
XDG_DATA_HOME=$tmp_home/.local/share
XDG_CONFIG_HOME=$tmp_home/.config
XDG_RUNTIME_DIR=$tmp_home/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR

# Not exec: the trap must remove the temporary HOME afterwards.
dbus-run-session -- sh -c '
	echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	export RAMSSO_TEST_KEYRING=1
	exec "$@"
' with-keyring "$@"
