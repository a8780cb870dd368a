// Command linkorder turns a coverage profile's functions (the output of
// `go tool covdata func`) into the list of functions that ran, one linker
// symbol name a line, in the profile's order: the -funcorder file of
// third_party/link-order, which lays them out first in the binary
// (`make linkorder` runs Clove's window under the GUI benchmark with a
// coverage build to get the profile; docs/benchmarks.md, "Start-up code
// first").
//
//	go tool covdata func -i DIR | go run ./internal/linkorder -main IMPORTPATH > hot.txt
//
// With -faults it adds to the list on its input what a coverage profile
// cannot name (the runtime, assembly, cgo's stubs): the functions in
// whose code a start page-faulted, from `perf script`'s addresses
// (third_party/link-order/faults.sh).
//
//	go run ./internal/linkorder -faults FILE -binary BIN < hot.txt > hot.new
package main
