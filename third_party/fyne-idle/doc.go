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
// Text is shaped with reused shapers (internal/painter's pool, which the
// widget package's truncation uses too) that keep their harfbuzz fonts, not
// with a new HarfbuzzShaper per string, whose font cache is empty (size 0):
// a busy chat left open allocated 10.3 GB for 10,000 messages, 2.6 GB now
// (BenchmarkBusyChatLeftOpen); truncation's line wrapper is reused as well.
// List.RefreshItem sets up the one row in view instead of refreshing the
// whole list (every row in view set up again, a template row built): a
// roster row's new line cost as much as redrawing the roster (2.1 -> 1.3 ms
// a message in the same benchmark); SetItemHeight still refreshes the list,
// and the arrow keys refresh the row they leave after moving the focus.
// List.SetItemHeights (new) tells many rows' heights with one redraw.
//
// The loop's end takes every function queued before it, those still in
// transit through the queue included: upstream's could leave the lifecycle
// queue's OnStopped behind, and Run then waited for it for ever (a process
// left running after SIGTERM, seen once in CI).
//
// The lang package's fallback no longer uses text/template (see
// third_party/slim-i18n: its field lookup made the linker keep every
// exported method of every type in the binary).
//
// How the patch is carried and checked: package thirdparty (third_party/doc.go).
package fyneidle
