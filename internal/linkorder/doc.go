// Command linkorder turns a coverage profile's functions (the output of
// `go tool covdata func`) into the list of functions that ran, one linker
// symbol name a line, in the profile's order: the -funcorder file of
// third_party/link-order, which lays them out first in the binary
// (`make linkorder` runs Clove's window under the GUI benchmark with a
// coverage build to get the profile; docs/benchmarks.md, "Start-up code
// first").
//
//	go tool covdata func -i DIR | go run ./internal/linkorder -main IMPORTPATH > hot.txt
package main
