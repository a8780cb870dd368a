//go:build !linux || !cgo

package gui

// trimCHeap: nothing to do where the C library is not glibc.
func trimCHeap() {}

// cHeapStats: glibc's figures only.
func cHeapStats() string { return "" }
