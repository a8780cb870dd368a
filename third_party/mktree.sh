#!/bin/sh
# mktree.sh OUT: an alternate go.mod (OUT/go.mod, OUT/go.sum) that replaces
# each module patched under third_party/ with a copy of the module cache's
# (OUT/<dir>) with the files under third_party/<dir>/_patched/ put over it.
# A patch directory holds MODULE (the module's path), VERSION (the version
# its files were made from), upstream.sha256 (the pristine files' sums) and
# _patched/ (changed files, and new ones marked "a new file, not in upstream"). The go command refuses -overlay for files beneath GOMODCACHE,
# hence the copies; the build reads it with GOFLAGS=-modfile=OUT/go.mod (the
# Makefile does this). Fails, and says what to do, when go.mod's version of a
# module is not the one its patch was made from (docs/benchmarks.md, "Upkeep").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$1
cd "$root"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
cp go.sum "$out.tmp/go.sum"
{ cat go.mod; echo; } > "$out.tmp/go.mod"
for mod in "$here"/*/MODULE; do
	dir=$(dirname "$mod")
	name=$(basename "$dir")
	path=$(cat "$mod")
	want=$(cat "$dir/VERSION")
	have=$(awk -v m="$path" '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' go.mod)
	if [ "$have" != "$want" ]; then
		echo "third_party/$name: go.mod has $path ${have:-(none)}, the patch is for $want." >&2
		echo "Redo the patch for $have (docs/benchmarks.md, Upkeep) or build with FYNE_IDLE=0." >&2
		exit 1
	fi
	GOFLAGS= go mod download "$path"
	src=$(GOFLAGS= go list -m -f '{{.Dir}}' "$path")
	(cd "$src" && sha256sum --quiet -c "$dir/upstream.sha256") || {
		echo "third_party/$name: $path $have's files differ from those the patch was made from (docs/benchmarks.md, Upkeep)." >&2
		exit 1
	}
	cp -r "$src" "$out.tmp/$name" && chmod -R u+w "$out.tmp/$name"
	(cd "$dir/_patched" && find . -type f -name '*.go') | while read -r f; do
		cp "$dir/_patched/$f" "$out.tmp/$name/$f"
	done
	echo "replace $path => $out/$name" >> "$out.tmp/go.mod"
done
rm -rf "$out" && mv "$out.tmp" "$out"
