// CLOVE PATCH (third_party/link-order): a new file for cmd/link/internal/ld,
// not in upstream. mklink.sh builds the linker with it (go build -overlay)
// and a call to orderText in textaddress (data.go), after -randlayout's
// shuffle and before the sort by symbol type. -randlayout shows the linker
// lays out Go functions in any order; this one puts the functions a start
// runs first, so that the kernel's fault-around (64 KiB) and large folios map
// fewer pages of cold code (docs/benchmarks.md, "Start-up code first").

package ld

import (
	"flag"
	"os"
	"sort"
	"strings"
)

var flagFuncOrder = flag.String("funcorder", "", "lay out the functions named in `file` (one a line) first, in its order")

// orderText lays out the Go functions in this order: the first one as it
// was, the package initialisers (all run at start), the functions named in
// the -funcorder file in its order, the tiny ones (64 bytes at most: the generated
// wrappers of promoted methods, which a coverage profile never names) and
// the type equality and hash functions, then every other in the order it
// had. A closure or a generic instantiation goes with the function it
// belongs to (its name with the brackets and trailing components cut). C
// symbols stay first and together, as with -randlayout.
func orderText(ctxt *Link) {
	data, err := os.ReadFile(*flagFuncOrder)
	if err != nil {
		Exitf("-funcorder: %v", err)
	}
	rank := map[string]int{}
	for i, name := range strings.Split(string(data), "\n") {
		if name = strings.TrimSpace(name); name != "" {
			if _, ok := rank[name]; !ok {
				rank[name] = i
			}
		}
	}
	ldr := ctxt.loader
	textp := ctxt.Textp
	i := 0
	if len(textp) > 0 && ldr.SymName(textp[0]) == "go:buildid" {
		i++
	}
	for i < len(textp) && (ldr.SubSym(textp[i]) != 0 || ldr.AttrSubSymbol(textp[i])) {
		i++
	}
	textp = textp[i:]
	ranks := make([]int, len(textp))
	for k, s := range textp {
		ranks[k] = funcRank(rank, ldr.SymName(s), ldr.SymSize(s))
	}
	// The first function keeps its place: the function name table gives
	// it offset 0, which the runtime reads as no name. An initialiser
	// there broke GODEBUG=inittrace=1 (runtime.funcpkgpath indexed an
	// empty name: "index out of range" before main). First is the first
	// of the lowest symbol type: textaddress sorts by type after this
	// (textp[0] is go:textfipsstart, which goes after every STEXT).
	if len(textp) > 0 {
		first := 0
		for k, s := range textp {
			if ldr.SymType(s) < ldr.SymType(textp[first]) {
				first = k
			}
		}
		ranks[first] = rankFirst
	}
	idx := make([]int, len(textp))
	for k := range idx {
		idx[k] = k
	}
	sort.SliceStable(idx, func(a, b int) bool { return ranks[idx[a]] < ranks[idx[b]] })
	old := append(textp[:0:0], textp...)
	for k, j := range idx {
		textp[k] = old[j]
	}
}

// Ranks outside the order file's lines.
const (
	rankFirst = -2           // the first function, as it was
	rankInit  = -1           // package initialisers: all run at start
	rankWarm  = 1<<30 - 1    // generated functions no coverage profile names
	rankCold  = rankWarm + 1 // the rest, in their usual order
)

// funcRank is the rank of the function name (size bytes long): its line in
// the order file; before the list for a package initialiser; right after it
// for a type equality or hash function or a tiny function not listed (the
// wrappers of promoted methods, ≤ 64 bytes); else after all of them.
func funcRank(rank map[string]int, name string, size int64) int {
	if strings.HasSuffix(name, ".init") || strings.Contains(name, ".init.") {
		return rankInit
	}
	if strings.HasPrefix(name, "type:.eq.") || strings.HasPrefix(name, "type:.hash.") {
		return rankWarm
	}
	for strings.Contains(name, "[") {
		open := strings.LastIndex(name, "[")
		end := strings.Index(name[open:], "]")
		if end < 0 {
			break
		}
		name = name[:open] + name[open+end+1:]
	}
	name = strings.TrimSuffix(name, "-fm")
	for name != "" {
		if r, ok := rank[name]; ok {
			return r
		}
		dot := strings.LastIndex(name, ".")
		if dot < 0 || strings.LastIndex(name, "/") > dot {
			break
		}
		name = name[:dot]
	}
	if size <= 64 {
		return rankWarm
	}
	return rankCold
}
