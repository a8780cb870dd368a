package thirdparty

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// spanSetsProg allocates a few objects of every small size class, with and
// without pointers (the sets a window's heap fills), then, from four
// goroutines at once and across collections, enough 1 KiB objects for one
// size class's sets to outgrow the patched spine of 16 blocks several times
// (the path upstream takes only past 1 GiB). It checks every object and
// prints the runtime's metadata bytes (/memory/classes/metadata/other,
// where span sets are counted).
const spanSetsProg = `package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
)

type node struct {
	next *node
	pad  []byte
}

var keep []any

func main() {
	for size := 8; size <= 32768; size += size/8 + 8 {
		for i := 0; i < 4; i++ {
			keep = append(keep, make([]byte, size), &node{pad: make([]byte, size)})
		}
	}
	const workers, each = 4, 6000
	held := make([][][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				b := make([]byte, 1024)
				b[0], b[1023] = byte(w), byte(i)
				held[w] = append(held[w], b)
				if i%997 == 0 {
					runtime.GC()
				}
				_ = make([]byte, 1024) // garbage between the kept ones
			}
		}()
	}
	wg.Wait()
	runtime.GC()
	for w := range workers {
		for i, b := range held[w] {
			if b[0] != byte(w) || b[1023] != byte(i) {
				fmt.Println("object", w, i, "changed")
				os.Exit(1)
			}
		}
	}
	s := []metrics.Sample{{Name: "/memory/classes/metadata/other:bytes"}}
	metrics.Read(s)
	fmt.Println(s[0].Value.Uint64())
	runtime.KeepAlive(keep)
}
`

// The runtime built with third_party/span-sets' overlay (mkoverlay.sh, from
// this toolchain's runtime/mspanset.go) runs a program that fills every size
// class and grows one class's span sets far past the patched spine, and it
// holds less runtime metadata than the stock runtime. Fails when the patch
// no longer fits the toolchain (a Go upgrade: see mkoverlay.sh).
func TestSpanSetsOverlayHoldsLessMetadata(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the runtime")
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local")
	mk := exec.Command(filepath.Join("span-sets", "mkoverlay.sh"), filepath.Join(dir, "overlay"))
	mk.Env = env
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkoverlay.sh: %v\n%s", err, out)
	}
	prog := filepath.Join(dir, "prog")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"go.mod": "module prog\n\ngo 1.24\n", "main.go": spanSetsProg} {
		if err := os.WriteFile(filepath.Join(prog, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(flags ...string) uint64 {
		t.Helper()
		bin := filepath.Join(dir, "prog"+strconv.Itoa(len(flags)))
		build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, ".")...)
		build.Dir, build.Env = prog, env
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", flags, err, out)
		}
		out, err := exec.Command(bin).CombinedOutput()
		if err != nil {
			t.Fatalf("the program (%v): %v\n%s", flags, err, out)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			t.Fatalf("the program (%v) printed %q", flags, out)
		}
		return n
	}
	stock := run()
	patched := run("-overlay=" + filepath.Join(dir, "overlay", "overlay.json"))
	t.Logf("runtime metadata: %d KiB stock, %d KiB with the overlay", stock>>10, patched>>10)
	// Measured: 2,734 KiB stock, 1,754 with the overlay (2026-12-07, Go 1.26).
	if patched+512<<10 > stock {
		t.Errorf("the overlay's runtime holds %d KiB of metadata, the stock one %d: not 512 KiB less", patched>>10, stock>>10)
	}
}
