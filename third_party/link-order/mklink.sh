#!/bin/sh
# mklink.sh OUT: builds Go's linker from this toolchain's own source
# ($(go env GOROOT)/src/cmd/link) with _ld/funcorder.go added and one call
# to it inserted into textaddress (data.go), and _ld/pctab.go added and
# generatePctab (pcln.go) changed to call it, into OUT. go build -overlay
# does it without touching GOROOT. Fails, and says so, when data.go has
# no line to insert the call before (another Go release: look again at
# textaddress, docs/benchmarks.md, "Start-up code first"); the build then
# links with the stock linker (toolexec.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
go=${GO:-go}
goroot=$(env -u GOFLAGS "$go" env GOROOT)
ld="$goroot/src/cmd/link/internal/ld"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
anchor='	// Sort the text symbols by type, so that FIPS symbols are'
if ! grep -qF "$anchor" "$ld/data.go"; then
	echo "third_party/link-order: $ld/data.go has no line \"$anchor\": linking with the stock linker (functions in their usual order)." >&2
	exit 1
fi
awk -v a="$anchor" '$0 == a { print "\tif *flagFuncOrder != \"\" { // CLOVE PATCH (third_party/link-order)"; print "\t\torderText(ctxt)"; print "\t}"; print "" } { print }' "$ld/data.go" > "$tmp/data.go"
# pcln.go: with -funcorder, each function's file and line tables after
# every function's other tables (_ld/pctab.go).
hot='		pcSyms := []loader.Sym{pcsp, pcfile, pcline}'
tail='	// TODO: There is no reason we need a generator for this variable, and it'
for line in "$hot" "$tail"; do
	if [ "$(grep -cxF "$line" "$ld/pcln.go")" != 1 ]; then
		echo "third_party/link-order: $ld/pcln.go has not one line \"$line\": linking with the stock linker (functions in their usual order)." >&2
		exit 1
	fi
done
awk -v h="$hot" -v t="$tail" '
$0 == h { print "\t\tpcSyms := []loader.Sym{pcsp, pcfile, pcline}"; print "\t\tif *flagFuncOrder != \"\" { // CLOVE PATCH (third_party/link-order): pcfile, pcline after"; print "\t\t\tpcSyms = pcSyms[:1]"; print "\t\t}"; next }
$0 == t { print "\tif *flagFuncOrder != \"\" { // CLOVE PATCH (third_party/link-order)"; print "\t\tsavePctabCold(ldr, funcs, saveOffset)"; print "\t}"; print "" }
{ print }' "$ld/pcln.go" > "$tmp/pcln.go"
cat > "$tmp/overlay.json" <<JSON
{"Replace": {"$ld/data.go": "$tmp/data.go", "$ld/funcorder.go": "$here/_ld/funcorder.go", "$ld/pcln.go": "$tmp/pcln.go", "$ld/pctab.go": "$here/_ld/pctab.go"}}
JSON
mkdir -p "$(dirname "$out")"
(cd "$goroot/src" && env -u GOFLAGS GOTOOLCHAIN=local "$go" build -overlay "$tmp/overlay.json" -o "$out.tmp" cmd/link)
mv "$out.tmp" "$out"
