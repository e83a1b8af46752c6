#!/bin/sh
# Reproducible builds: run `make dist` (scripts/dist.sh: linux, macOS and
# Windows archives, the .deb, the Homebrew formula and the Scoop manifest)
# twice from the same commit and require byte-identical SHA256SUMS; then
# check the formula and the manifest with what runs here (ruby -c when ruby
# exists; jq for the Scoop manifest's structure).
set -eu

cd "$(dirname "$0")/.."
fail() { echo "test-repro: FAIL: $*" >&2; exit 1; }
command -v jq >/dev/null || fail "jq missing (apt-get install jq)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export VERSION=${VERSION:-v1.2.3} DIST_TRAY=0 DIST_OTHER_OS=1
./scripts/dist.sh >"$work/one.log" 2>&1 || { cat "$work/one.log"; fail "first dist"; }
cp dist/SHA256SUMS "$work/one.sums"
cp dist/ramsso.rb dist/ramsso.json "$work/"
./scripts/dist.sh >"$work/two.log" 2>&1 || { cat "$work/two.log"; fail "second dist"; }
if ! cmp -s "$work/one.sums" dist/SHA256SUMS; then
	diff "$work/one.sums" dist/SHA256SUMS >&2 || true
	fail "two builds of the same commit differ"
fi
(cd dist && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match dist/"
for f in ramsso-v1.2.3-linux-amd64.tar.gz ramsso-v1.2.3-darwin-arm64.tar.gz ramsso-v1.2.3-windows-amd64.zip ramsso_1.2.3-1_amd64.deb ramsso.rb ramsso.json; do
	grep -q " $f\$" dist/SHA256SUMS || fail "SHA256SUMS lacks $f"
done

# Homebrew formula: syntax (ruby -c) where ruby exists, and its checksums.
rb=dist/ramsso.rb
if command -v ruby >/dev/null 2>&1; then
	ruby -c "$rb" >/dev/null || fail "ruby -c $rb"
fi
grep -q '^class Ramsso < Formula$' "$rb" || fail "$rb is not a Formula class"
! grep -q '@[A-Z0-9_]*@' "$rb" || fail "$rb has unfilled placeholders"
for a in arm64 amd64; do
	want=$(sha256sum "dist/ramsso-v1.2.3-darwin-$a.tar.gz" | cut -d' ' -f1)
	grep -q "sha256 \"$want\"" "$rb" || fail "$rb lacks the darwin-$a checksum"
done
[ "$(grep -c '^  *end$' "$rb")" -ge 5 ] || fail "$rb: unbalanced blocks"

# Scoop manifest: JSON with the fields Scoop's schema requires.
js=dist/ramsso.json
jq -e '
  (.version | type == "string" and test("^[0-9]")) and
  (.homepage | startswith("https://")) and
  (.license | type == "string") and
  (.architecture["64bit"].url | test("^https://.*\\.zip$")) and
  (.architecture["64bit"].hash | test("^[0-9a-f]{64}$")) and
  (.bin | type == "array" and length > 0)' "$js" >/dev/null || fail "$js does not have Scoop's required fields"
want=$(sha256sum dist/ramsso-v1.2.3-windows-amd64.zip | cut -d' ' -f1)
[ "$(jq -r '.architecture["64bit"].hash' "$js")" = "$want" ] || fail "$js hash is not the windows zip's"
unzip -l dist/ramsso-v1.2.3-windows-amd64.zip | grep -q "ramsso-v1.2.3-windows-amd64/bin/ramsso.exe" || fail "the zip lacks the extract_dir/bin/ramsso.exe the manifest names"
echo "test-repro: OK (two builds identical: $(wc -l <dist/SHA256SUMS) files in SHA256SUMS; formula and Scoop manifest check out)"
