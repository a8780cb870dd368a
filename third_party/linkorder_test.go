package thirdparty

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Go's linker built with third_party/link-order (mklink.sh, from this
// toolchain's source) lays out the functions a -funcorder file names first,
// in its order, after the package initialisers, and the program runs. Fails
// when the patch no longer fits the toolchain (a Go upgrade: see mklink.sh).
func TestLinkOrderPutsListedFunctionsFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds Go's linker")
	}
	dir := t.TempDir()
	here, err := filepath.Abs("link-order")
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	env := append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "CLOVE_LINKER="+link)
	cmd := exec.Command(filepath.Join(here, "mklink.sh"), link)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mklink.sh: %v\n%s", err, out)
	}
	prog := filepath.Join(dir, "prog")
	files := map[string]string{
		"go.mod": "module prog\n\ngo 1.24\n",
		"main.go": `package main

import (
	"fmt"
	"runtime"
)

//go:noinline
func a() int { return 1 }

//go:noinline
func b() int { return 2 }

//go:noinline
func c() int { return 3 }

//go:noinline
func d() int { return 4 }

func main() {
	_, _, line, _ := runtime.Caller(0) // line 21
	fmt.Println("ok", a()+b()+c()+d(), line)
}
`,
		"hot.txt": "main.c\nmain.a\nmain.nosuch\n",
	}
	for name, text := range files {
		if err := os.MkdirAll(prog, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(prog, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "prog.bin")
	// The linker's sum in the flags: go's build cache knows the -toolexec
	// script, not the linker it runs, and would give an earlier linker's
	// program.
	linker, err := os.ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-toolexec="+filepath.Join(here, "toolexec.sh"),
		fmt.Sprintf("-ldflags=-funcorder=%s -X main.linker=%x", filepath.Join(prog, "hot.txt"), sha256.Sum256(linker)), "-o", bin, ".")
	build.Dir, build.Env = prog, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build with -funcorder: %v\n%s", err, out)
	}
	// The line runtime.Caller reads from the line table, which the patched
	// linker lays out after the tables a running program reads.
	if out, err := exec.Command(bin).Output(); err != nil || strings.TrimSpace(string(out)) != "ok 10 21" {
		t.Fatalf("the program: %q, %v; want \"ok 10 21\"", out, err)
	}
	// The runtime names each package's initialiser when asked to trace
	// them; the first function in the text has no name for it (see
	// orderText), so an initialiser laid out there made this throw.
	trace := exec.Command(bin)
	trace.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	if out, err := trace.CombinedOutput(); err != nil || !strings.Contains(string(out), "init runtime @") {
		t.Fatalf("the program with GODEBUG=inittrace=1: %v\n%s", err, out)
	}
	nm := exec.Command("go", "tool", "nm", "-n", bin)
	nm.Env = env
	out, err := nm.Output()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]uint64{}
	var lastInit uint64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || (f[1] != "T" && f[1] != "t") {
			continue
		}
		a, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			continue
		}
		addr[f[2]] = a
		if strings.HasSuffix(f[2], ".init") && !strings.HasPrefix(f[2], "crypto/internal/fips140") {
			lastInit = max(lastInit, a)
		}
	}
	for _, s := range []string{"main.a", "main.b", "main.c", "main.d", "main.main"} {
		if addr[s] == 0 {
			t.Fatalf("no %s in the binary:\n%s", s, out)
		}
	}
	if !(lastInit < addr["main.c"] && addr["main.c"] < addr["main.a"] && addr["main.a"] < addr["main.b"] && addr["main.a"] < addr["main.d"] && addr["main.a"] < addr["main.main"]) {
		t.Errorf("not laid out as listed (initialisers, then c, a, then the rest): last init %#x, c %#x, a %#x, b %#x, d %#x, main %#x",
			lastInit, addr["main.c"], addr["main.a"], addr["main.b"], addr["main.d"], addr["main.main"])
	}
}
