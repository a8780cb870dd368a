package main

import (
	"bufio"
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

func main() {
	mainPkg := flag.String("main", "github.com/clove-xmpp/clove/cmd/clove", "import path of the main package (its symbols are main.*)")
	faults := flag.String("faults", "", "instead: add to the list on stdin the functions whose code faulted in this file (perf script's addresses)")
	binary := flag.String("binary", "", "with -faults: the binary that ran")
	flag.Parse()
	if *faults != "" {
		if err := runFaults(os.Stdin, os.Stdout, *faults, *binary); err != nil {
			fmt.Fprintln(os.Stderr, "linkorder:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Stdin, os.Stdout, *mainPkg); err != nil {
		fmt.Fprintln(os.Stderr, "linkorder:", err)
		os.Exit(1)
	}
}

// run writes the symbol names of the functions in the profile r that ran
// (coverage above 0 %), each once.
func run(r io.Reader, w io.Writer, mainPkg string) error {
	sc := bufio.NewScanner(r)
	bw := bufio.NewWriter(w)
	seen := map[string]bool{}
	n := 0
	for sc.Scan() {
		for _, s := range symbols(sc.Text(), mainPkg) {
			if !seen[s] {
				seen[s] = true
				fmt.Fprintln(bw, s)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no profile lines on the input")
	}
	return bw.Flush()
}

// symbols maps one line of `go tool covdata func` ("PKG/FILE.go:LINE:
// NAME PERCENT%", tab-separated) for a function that ran to its linker
// symbol names: pkg.F, pkg.(*T).M, and for a method on a value both
// pkg.T.M and the pointer wrapper pkg.(*T).M. The total line and
// functions at 0 % give none.
func symbols(line, mainPkg string) []string {
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasSuffix(f[2], "%") {
		return nil
	}
	pct, err := strconv.ParseFloat(strings.TrimSuffix(f[2], "%"), 64)
	if err != nil || pct <= 0 {
		return nil
	}
	file, _, ok := strings.Cut(f[0], ".go:")
	if !ok {
		return nil
	}
	pkg := path.Dir(file)
	if pkg == mainPkg {
		pkg = "main"
	}
	name := f[1]
	if t, m, ok := strings.Cut(strings.TrimPrefix(name, "*"), "."); ok {
		if strings.HasPrefix(name, "*") {
			return []string{pkg + ".(*" + t + ")." + m}
		}
		return []string{pkg + "." + t + "." + m, pkg + ".(*" + t + ")." + m}
	}
	return []string{pkg + "." + name}
}

// runFaults reads the list on r, adds the functions faulted in (the file
// faults, against the binary bin) and writes the list to w.
func runFaults(r io.Reader, w io.Writer, faults, bin string) error {
	if bin == "" {
		return fmt.Errorf("-faults needs -binary, the binary that ran")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	list := strings.Fields(string(data))
	ff, err := os.Open(faults)
	if err != nil {
		return err
	}
	defer ff.Close()
	ef, err := elf.Open(bin)
	if err != nil {
		return err
	}
	defer ef.Close()
	list, added, err := addFaults(list, ff, ef)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "linkorder: %d functions added from the page faults\n", added)
	bw := bufio.NewWriter(w)
	for _, n := range list {
		fmt.Fprintln(bw, n)
	}
	return bw.Flush()
}
