//go:build linux && cgo

package gui

// One glibc malloc arena for the whole process, set before any thread
// allocates (a constructor runs when the binary is loaded, before Go's
// runtime starts a thread). glibc gives each thread that calls malloc an
// arena of its own; Go runs cgo calls (SQLite's, through go-sqlite3) on
// whichever thread is free, so Clove ended its start with three thread
// arenas holding 1.7 MiB that the one-label window (all C on the main
// thread) does not have, and malloc_trim leaves what is live or
// fragmented in each. Measured (BenchmarkGUISideBySide, 3 rounds, 1,000
// contacts, settle 10 s, 2026-12-06): USS 88.5 MiB with this constructor
// (88.2 with MALLOC_ARENA_MAX=1 in the environment) against 89.3–89.5,
// anonymous 45.5 (45.3) against 46.3–46.5. Two arenas set later, from Go, were
// worse (+0.3 MiB, docs/benchmarks.md): by then SQLite had made its own.
// The price, a lock shared by SQLite's calls and the GL thread's, is not
// measurable in a chat client's load.

// #include <malloc.h>
// static void __attribute__((constructor)) cloveOneArena(void) { mallopt(M_ARENA_MAX, 1); }
import "C"
