package thirdparty

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// With the patches in, nothing in Clove's binary calls reflect's Method or
// MethodByName with a name known only at run time: one such call anywhere
// (text/template's field lookup, godbus's Export, a dependency's
// MethodByName("Methods") before protobuf 1.36.11) makes the linker keep
// every exported method of every type, 3.7 MB of the binary. The linker's
// -dumpdep marks those functions <ReflectMethod>; name them when one is back.
func TestNoMethodLookupByRuntimeName(t *testing.T) {
	if testing.Short() {
		t.Skip("links the binary (~10 s)")
	}
	if !strings.Contains(os.Getenv("GOFLAGS"), "build/fyne-idle/go.mod") {
		t.Skip("built without the patches (GOFLAGS without the Makefile's -modfile; FYNE_IDLE=0)")
	}
	cmd := exec.Command("go", "build", "-tags", "sqlite_fts5", "-ldflags=-dumpdep", "-o", os.DevNull, "../cmd/clove")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(stderr.String()))
	}
	seen := map[string]bool{}
	var found []string
	lines := bufio.NewScanner(&stderr)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for lines.Scan() {
		from, _, ok := strings.Cut(lines.Text(), " -> ")
		if ok && strings.HasSuffix(from, " <ReflectMethod>") && !seen[from] {
			seen[from] = true
			found = append(found, strings.TrimSuffix(from, " <ReflectMethod>"))
		}
	}
	if len(found) > 0 {
		t.Errorf("the linker keeps every exported method: these look methods up by a name known only at run time (docs/benchmarks.md, \"Methods the linker keeps\"):\n  %s", strings.Join(found, "\n  "))
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
