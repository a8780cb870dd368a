package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestSymbols(t *testing.T) {
	const m = "example.org/app/cmd/app"
	for _, c := range []struct {
		line string
		want []string
	}{
		{"bufio/bufio.go:62:\t\t\tNewReader\t\t\t100.0%", []string{"bufio.NewReader"}},
		{"bufio/bufio.go:87:\t\t\t*Reader.reset\t\t\t100.0%", []string{"bufio.(*Reader).reset"}},
		{"fyne.io/fyne/v2/theme/color.go:9:\t\tColor.RGBA\t\t50.0%", []string{"fyne.io/fyne/v2/theme.Color.RGBA", "fyne.io/fyne/v2/theme.(*Color).RGBA"}},
		{"example.org/app/cmd/app/main.go:10:\tmain\t\t12.5%", []string{"main.main"}},
		{"bufio/bufio.go:67:\t\t\t*Reader.Size\t\t\t0.0%", nil},
		{"total\t\t\t\t(statements)\t\t\t21.4%", nil},
		{"", nil},
	} {
		if got := symbols(c.line, m); !slices.Equal(got, c.want) {
			t.Errorf("symbols(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestRunOnceEachAndRefusesNothing(t *testing.T) {
	in := "a/b.go:1:\tF\t1.0%\na/c.go:2:\tF\t2.0%\na/b.go:3:\tG\t0.0%\n"
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out, "m"); err != nil || out.String() != "a.F\n" {
		t.Fatalf("run = %q, %v", out.String(), err)
	}
	if err := run(strings.NewReader(""), &out, "m"); err == nil {
		t.Fatal("an empty profile was taken")
	}
}

func TestLinkerName(t *testing.T) {
	for _, c := range []struct{ elf, want string }{
		{"runtime.memmove", "runtime.memmove"},
		{"crypto/internal/fips140/sha3.keccakF1600.abi0", "crypto/internal/fips140/sha3.keccakF1600"},
		{"internal/sync.(*HashTrieMap[go.shape.*internal/abi.Type,go.shape.interface {}]).Load", "internal/sync.(*HashTrieMap).Load"},
		{"type:.hash.golang.org/x/text/language.Tag", "type:.hash.golang.org/x/text/language.Tag"},
	} {
		if got := linkerName(c.elf); got != c.want {
			t.Errorf("linkerName(%q) = %q, want %q", c.elf, got, c.want)
		}
	}
}

// A program faults in one of its functions: that function is added once,
// after the list, and an address outside Go's code is not.
func TestAddFaultsNamesTheFunctionFaultedIn(t *testing.T) {
	dir := t.TempDir()
	src := "package main\n\n//go:noinline\nfunc hello() int { return 42 }\n\nfunc main() { println(hello()) }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "hello")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bin, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	syms, err := bin.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var pc uint64
	for _, s := range syms {
		if s.Name == "main.hello" {
			pc = s.Value
		}
	}
	if pc == 0 {
		t.Fatal("main.hello is not in the program's symbols")
	}
	faults := fmt.Sprintf("clove %x\nclove %x\nclove 0x10\n", pc+3, pc)
	list, added, err := addFaults([]string{"main.main"}, strings.NewReader(faults), bin)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"main.main", "main.hello"}; !slices.Equal(list, want) || added != 1 {
		t.Errorf("addFaults = %q (%d added), want %q (1 added)", list, added, want)
	}
}
