// Package thirdparty holds Clove's patches to modules it builds with, and
// the test that each still fits the version in go.mod.
//
// Each directory holds one module's patch: MODULE (its path), VERSION (the
// version its files were made from), upstream.sha256 (the pristine files'
// checksums) and _patched/ (full copies of the changed files, each changed
// line marked "CLOVE PATCH"). The go command refuses -overlay for files
// under GOMODCACHE, so mktree.sh copies each module from the module cache
// to build/fyne-idle/<dir>, puts the patched files over it and writes an
// alternate go.mod replacing the module with that copy; the Makefile sets
// GOFLAGS=-modfile=build/fyne-idle/go.mod for every go command (FYNE_IDLE=0
// builds with none of the patches). A plain `go build` without the Makefile
// builds with stock modules.
//
//   - fyne-idle (Fyne): the run loop waits for events when idle, fonts
//     parsed once, the system's colour emoji font before Fyne's own, the
//     tray without a second window; lang without text/template, and only
//     the locale's translations parsed (package fyneidle).
//   - slim-i18n (go-i18n), slim-dbus (godbus's prop), slim-systray (Fyne's
//     tray): no text/template and no D-Bus export by reflection, so that the
//     linker drops the exported methods nothing calls (3.7 MB of the binary,
//     ~3 MiB of the window's memory; docs/benchmarks.md, "Methods the
//     linker keeps").
//   - lazy-glyf (go-text): a glyph's outline parsed when it is drawn, not
//     every glyph's when the font loads; a font in memory (Fyne's, in the
//     binary) sliced, not copied; post table names made when asked for;
//     a system font (fontscan, Fyne's fallback for a missing rune) mapped
//     read-only and sliced, not read into the heap; a mark-to-base (and
//     mark-to-mark, ligature) anchor matrix read from the font's bytes, not
//     a slice of offsets per glyph; the glyph extents cache made in
//     chunks as glyphs are drawn. 0.14 MB kept for each
//     text style instead of 1.51, 0.58 for Fyne's emoji font instead of
//     4.79, 0.08 for the system's Noto Color Emoji instead of 11.3, 1.3
//     for Noto Sans CJK instead of 20.9
//     (BenchmarkFontHeld, BenchmarkSystemFontHeld; docs/benchmarks.md,
//     "Fonts parsed when drawn", "What coverage cannot name").
//     TestFontsSlicedAndParsedLazilyDrawTheSame checks every glyph of
//     Fyne's fonts against upstream's parse,
//     TestMarkBaseAnchorsReadFromTheFontsBytes the anchors. Files
//     a patch adds are marked "a new file, not in upstream".
//
// One directory patches Go's linker, not a module (no MODULE file):
//
//   - link-order: -funcorder=FILE lays out the functions a start runs
//     first (hot.txt, from `make linkorder`: a coverage profile, then
//     faults.sh adds what coverage cannot name from where the start
//     page-faults), so that fewer of the binary's code pages are
//     resident: 5.3 MB of the text after a start instead of 10.5 (docs/benchmarks.md,
//     "Start-up code first", "What coverage cannot name"). With
//     -funcorder it also lays out the functions' file and line tables
//     (read only to print a traceback) after the tables a running program
//     reads (_ld/pctab.go). mklink.sh builds the linker from the
//     toolchain's source with go build -overlay (_ld/*.go added, a call
//     inserted into data.go and pcln.go each); toolexec.sh runs it for go
//     build -toolexec. TestLinkOrderPutsListedFunctionsFirst checks it.
//
// And one patches Go's runtime, also from the toolchain's source:
//
//   - span-sets: the runtime's sets of spans (four for each of its 136
//     span classes) in blocks of 64 span pointers and spines of 16 blocks
//     that double as a set grows, instead of 512 and 256: memory the
//     runtime never hands back, ~1.5 MiB of it nearly empty in a heap as
//     small as the window's (docs/benchmarks.md, "The runtime's span
//     sets"). mkoverlay.sh writes a copy of runtime/mspanset.go with the
//     two constants changed and an overlay.json; the Makefile builds Clove
//     with go build -overlay (SPAN_SETS=0: the stock runtime).
//     TestSpanSetsOverlayHoldsLessMetadata checks it. Go's own runtime
//     tests pass with it (go test -short runtime, 2026-12-07).
//
// On an upgrade of one of these modules TestPatchedFilesMatchGoMod fails:
// redo the changes on the new version's files (or drop the patch once
// upstream does the same), then update VERSION and upstream.sha256
// (docs/benchmarks.md, "Upkeep").
package thirdparty
