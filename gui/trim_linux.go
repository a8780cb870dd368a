//go:build linux && cgo

package gui

// #include <malloc.h>
import "C"

// trimCHeap hands the C heap's free memory back to the OS (glibc's
// malloc_trim: the top of each arena, and free pages inside it). Building
// the window (Mesa's GL context, GLFW, fontconfig-free Fyne, SQLite's
// schema parses) leaves freed C memory that glibc keeps mapped; like the
// Go heap's start-up garbage (settleAfter), it is returned once.
func trimCHeap() { C.malloc_trim(0) }
