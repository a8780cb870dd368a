// Package noheapprofile turns Go's heap profiling off for the process
// unless a heap profile is asked for (CLOVE_HEAP_PROFILE, the window's
// memory breakdown: docs/benchmarks.md).
//
// A program that links runtime/pprof (Clove does, for that profile)
// samples one allocation per 512 KiB and keeps each sample's call stack
// for the life of the process, in a 1.4 MB hash table and the buckets it
// points to; a program without pprof, like the one-label window the
// window is measured against, keeps none. Imported first by package main,
// its init runs before the packages that allocate most at start (go-text,
// goldmark, protobuf: Go initialises ready packages in import-path order,
// and this one imports only os), and the runtime's documentation asks for
// the rate to be set "as early as possible".
package noheapprofile

import (
	"os"
	"runtime"
)

// Env is the variable that keeps profiling on: the path the window
// writes its heap profile to.
const Env = "CLOVE_HEAP_PROFILE"

func init() {
	if os.Getenv(Env) == "" {
		runtime.MemProfileRate = 0
	}
}
