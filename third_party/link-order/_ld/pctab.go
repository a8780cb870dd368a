// CLOVE PATCH (third_party/link-order): a new file for cmd/link/internal/ld,
// not in upstream. mklink.sh changes generatePctab (pcln.go) to save each
// function's file and line tables only after every function's other
// tables, when -funcorder is given.

package ld

import "cmd/link/internal/loader"

// savePctabCold gives the functions' file and line tables (pcfile, pcline:
// read only to print a file and line, in a traceback or runtime.Caller)
// their offsets in runtime.pctab after every function's tables that a
// running program reads (pcsp to unwind a stack, pcdata for stack maps and
// safe points, pcinline), which generatePctab has saved first. Upstream
// saves each function's tables together, so that the tables a start reads
// are spread among file and line tables it never reads, and the kernel maps
// those pages with them.
func savePctabCold(ldr *loader.Loader, funcs []loader.Sym, saveOffset func(loader.Sym)) {
	var pcdata []loader.Sym
	for _, s := range funcs {
		fi := ldr.FuncInfo(s)
		if !fi.Valid() {
			continue
		}
		var pcfile, pcline loader.Sym
		_, pcfile, pcline, _, pcdata = ldr.PcdataAuxs(s, pcdata)
		saveOffset(pcfile)
		saveOffset(pcline)
	}
}
