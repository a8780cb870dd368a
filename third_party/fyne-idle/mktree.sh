#!/bin/sh
# mktree.sh OUT: an alternate go.mod (OUT/go.mod, OUT/go.sum) that replaces
# fyne.io/fyne/v2 with OUT/fyne, a copy of the module cache's Fyne with the
# files under _patched/ put over it. The go command refuses -overlay for files
# beneath GOMODCACHE, hence the copy; the build reads it with
# GOFLAGS=-modfile=OUT/go.mod (the Makefile does this). Fails, and says what
# to do, when go.mod's Fyne is not the version the patched files were made
# from (docs/benchmarks.md, "Upkeep").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$1
want=$(cat "$here/VERSION")
have=$(awk '$1 == "fyne.io/fyne/v2" { print $2 }' "$root/go.mod")
if [ "$have" != "$want" ]; then
	echo "third_party/fyne-idle: go.mod has fyne $have, the patched run loop is for $want." >&2
	echo "Redo the patch for $have (docs/benchmarks.md, Upkeep) or build with FYNE_IDLE=0." >&2
	exit 1
fi
cd "$root"
GOFLAGS= go mod download fyne.io/fyne/v2
src=$(GOFLAGS= go list -m -f '{{.Dir}}' fyne.io/fyne/v2)
(cd "$src" && sha256sum --quiet -c "$here/upstream.sha256") || {
	echo "third_party/fyne-idle: Fyne $have's files differ from those the patch was made from (docs/benchmarks.md, Upkeep)." >&2
	exit 1
}
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
cp -r "$src" "$out.tmp/fyne" && chmod -R u+w "$out.tmp/fyne"
(cd "$here/_patched" && find . -type f -name '*.go') | while read -r f; do
	cp "$here/_patched/$f" "$out.tmp/fyne/$f"
done
cp go.sum "$out.tmp/go.sum"
{ cat go.mod; echo; echo "replace fyne.io/fyne/v2 => $out/fyne"; } > "$out.tmp/go.mod"
rm -rf "$out" && mv "$out.tmp" "$out"
