package main

import (
	"bufio"
	"cmp"
	"debug/elf"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// addFaults appends to list the Go functions in whose code the start
// page-faulted (perf's page-fault addresses, one a line, the address the
// last field in hex) and that list does not name yet: what a coverage
// profile cannot name — the runtime, assembly, cgo's stubs, generic
// instantiations of uncovered packages, the type hash functions. The
// kernel maps 64 KiB around a fault, so one fault shows one function of
// a window; each run of the start with the longer list shows the next
// (make linkorder runs a few). bin is the binary that ran.
func addFaults(list []string, faults io.Reader, bin *elf.File) ([]string, int, error) {
	syms, err := bin.Symbols()
	if err != nil {
		return nil, 0, fmt.Errorf("reading the binary's symbols: %w", err)
	}
	var funcs []elf.Symbol
	var lo, hi uint64
	for _, s := range syms {
		switch s.Name {
		case "runtime.text":
			lo = s.Value
		case "runtime.etext":
			hi = s.Value
		}
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Size > 0 {
			funcs = append(funcs, s)
		}
	}
	if hi <= lo {
		return nil, 0, fmt.Errorf("the binary has no runtime.text..runtime.etext: not a Go binary")
	}
	slices.SortFunc(funcs, func(a, b elf.Symbol) int { return cmp.Compare(a.Value, b.Value) })
	have := map[string]bool{}
	for _, n := range list {
		have[n] = true
	}
	added := 0
	sc := bufio.NewScanner(faults)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		addr, err := strconv.ParseUint(strings.TrimPrefix(f[len(f)-1], "0x"), 16, 64)
		if err != nil || addr < lo || addr >= hi {
			continue
		}
		i, _ := slices.BinarySearchFunc(funcs, addr, func(s elf.Symbol, a uint64) int {
			switch {
			case a < s.Value:
				return 1
			case a >= s.Value+s.Size:
				return -1
			}
			return 0
		})
		if i >= len(funcs) || addr < funcs[i].Value || addr >= funcs[i].Value+funcs[i].Size {
			continue
		}
		name := linkerName(funcs[i].Name)
		if !have[name] {
			have[name] = true
			list = append(list, name)
			added++
		}
	}
	return list, added, sc.Err()
}

// linkerName is the name the linker's -funcorder matches for an ELF
// symbol: without the ABI0 suffix (assembly) and without a generic
// instantiation's type arguments.
func linkerName(name string) string {
	name = strings.TrimSuffix(name, ".abi0")
	for strings.Contains(name, "[") {
		open := strings.LastIndex(name, "[")
		end := strings.Index(name[open:], "]")
		if end < 0 {
			break
		}
		name = name[:open] + name[open+end+1:]
	}
	return name
}
