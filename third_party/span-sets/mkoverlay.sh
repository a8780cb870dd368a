#!/bin/sh
# mkoverlay.sh DIR: writes DIR/mspanset.go.overlay, this toolchain's
# $(go env GOROOT)/src/runtime/mspanset.go with smaller span-set blocks and
# spines, and DIR/overlay.json, which go build -overlay reads to compile the
# runtime with it (GOROOT is not touched).
#
# Why: the runtime keeps, for each size class and kind of span (136 of
# them), four sets of spans (partial and full, swept and unswept). Each set
# in use holds a spine of 256 block pointers (2 KiB) and at least one block
# of 512 span pointers (4 KiB), from memory never handed back. A small heap
# like the window's (a few MB, most size classes in use) so holds ~1.5 MiB
# of nearly empty blocks and spines: Clove's runtime metadata was 3.5 MiB
# against the one-label window's 2.1. Blocks of 64 and spines of 16 (that
# double as a set grows, as upstream's do past 1 GiB) keep the same sets in
# ~0.1 MiB. Measured: USS 74.9 against 76.4 MiB, anonymous 40.3 against
# 41.8 (BenchmarkGUISideBySide, 3 rounds; docs/benchmarks.md, "The
# runtime's span sets").
#
# Fails, and says so, when mspanset.go lacks the two constants as Go 1.26
# writes them (another Go release: look again at runtime/mspanset.go); the
# build then uses the stock runtime.
set -eu
dir=$1
go=${GO:-go}
goroot=$(env -u GOFLAGS "$go" env GOROOT)
src="$goroot/src/runtime/mspanset.go"
# An overlay made for an earlier toolchain must not outlive a failure here.
rm -f "$dir/overlay.json"
blocks='	spanSetBlockEntries = 512 // 4KB on 64-bit'
spine='	spanSetInitSpineCap = 256 // Enough for 1GB heap on 64-bit'
for line in "$blocks" "$spine"; do
	if ! grep -qxF "$line" "$src"; then
		echo "third_party/span-sets: $src has no line \"$line\": building with the stock runtime." >&2
		exit 1
	fi
done
mkdir -p "$dir"
awk -v b="$blocks" -v s="$spine" '
$0 == b { print "\tspanSetBlockEntries = 64 // 512 B on 64-bit. CLOVE PATCH (third_party/span-sets): 4 KiB before"; next }
$0 == s { print "\tspanSetInitSpineCap = 16 // 128 B; it doubles as a set grows. CLOVE PATCH (third_party/span-sets): 256 before"; next }
{ print }' "$src" > "$dir/mspanset.go.tmp"
# Not named .go: DIR may be inside Clove's module (build/runtime), where
# go vet ./... would take it for a package of its own.
mv "$dir/mspanset.go.tmp" "$dir/mspanset.go.overlay"
printf '{"Replace": {"%s": "%s"}}\n' "$src" "$(cd "$dir" && pwd)/mspanset.go.overlay" > "$dir/overlay.json"
