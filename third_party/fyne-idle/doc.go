// Package fyneidle holds Clove's patch to Fyne's run loop and the test that
// it still fits the Fyne in go.mod.
//
// Fyne 2.7.1's GLFW driver ticks at 60 Hz whatever happens (upstream
// fyne-io/fyne#2506, PR #5422): ~460 context switches/s for an idle window.
// The patched loop waits in glfwWaitEvents after half a second with nothing
// drawn, run or animated, and is woken by X events and by glfwPostEmptyEvent
// when a function is queued onto the UI goroutine (fyne.Do, DoAndWait, the
// tray's menu), an animation starts, or the app quits: 0.0 switches/s idle
// against 450/s stock (docs/benchmarks.md). An entry's cursor stops blinking
// after 10 s without a key, as in GTK, so that a focused composer lets the
// loop wait too. And the system font index (130-220 ms at start even with
// go-text's cache warm) is built only when a rune is missing from Fyne's own
// fonts: start 493-646 ms against 735-768 ms. Two memory changes: each
// font is parsed once and shared by all text styles, and the 4.2 MB colour
// emoji font is loaded when a rune needs it (Go heap after start 7.7 MB
// against 12.4; USS -14 MiB); and the tray no longer creates a hidden
// second GL window (-5.7 MiB, mostly Mesa's C heap).
//
// _patched/ holds full copies of the changed files of Fyne VERSION, each line
// changed marked "CLOVE PATCH"; upstream.sha256 the checksums of the pristine
// files they were made from. The go command refuses -overlay for files under
// GOMODCACHE, so mktree.sh copies the module cache's Fyne to build/fyne-idle,
// puts the patched files over it and writes an alternate go.mod replacing
// Fyne with that copy; the Makefile sets GOFLAGS=-modfile=build/fyne-idle/go.mod
// for every go command (FYNE_IDLE=0 builds with stock Fyne). A plain `go build`
// without the Makefile builds with stock Fyne.
//
// On a Fyne upgrade the test here fails: redo the changes on the new
// version's files (or drop the patch once upstream waits for events itself),
// then update VERSION and upstream.sha256 (docs/benchmarks.md, "Upkeep").
package fyneidle
