//go:build linux && cgo

package gui

// #include <malloc.h>
import "C"

import "fmt"

// trimCHeap hands the C heap's free memory back to the OS (glibc's
// malloc_trim: the top of each arena, and free pages inside it). Building
// the window (Mesa's GL context, GLFW, fontconfig-free Fyne, SQLite's
// schema parses) leaves freed C memory that glibc keeps mapped; like the
// Go heap's start-up garbage (settleAfter), it is returned once.
func trimCHeap() { C.malloc_trim(0) }

// cHeapStats says how much of the C heap is in use and how much is free
// but kept (glibc's mallinfo2, all arenas), for the heap profile's notes.
func cHeapStats() string {
	m := C.mallinfo2()
	const mib = 1 << 20
	return fmt.Sprintf("C heap: in use %.1f MiB (of which mmapped %.1f), free but kept %.1f, arena %.1f",
		float64(m.uordblks+m.hblkhd)/mib, float64(m.hblkhd)/mib, float64(m.fordblks)/mib, float64(m.arena)/mib)
}
