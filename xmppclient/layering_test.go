package xmppclient

import (
	"bufio"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden are the packages of the module that xmppclient must never
// depend on, directly or not: it imports no SQL (persistence comes through
// the interfaces declared here), and OMEMO keys and sessions, which live in
// the store, reach it through OMEMOAccount.
var forbidden = []string{"store", "omemo/device", "chat", "ui", "gui"}

// modulePath reads the module's path from ../go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("no module line in go.mod")
	return ""
}

func checkForbidden(t *testing.T, mod string, deps map[string]string) {
	t.Helper()
	for _, f := range forbidden {
		if by, ok := deps[mod+"/"+f]; ok {
			t.Errorf("xmppclient depends on %s/%s (imported by %s); keep it below chat and the store", mod, f, by)
		}
	}
}

// TestLayering follows the imports of xmppclient's (non-test) files through
// the module's own packages with go/build (no go tool needed) and fails if
// any of them is a package xmppclient must not depend on.
func TestLayering(t *testing.T) {
	mod := modulePath(t)
	ctx := build.Default
	ctx.CgoEnabled = true
	ctx.BuildTags = append(ctx.BuildTags, "sqlite_fts5")
	deps := map[string]string{} // package → a package importing it
	queue := []string{mod + "/xmppclient"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		dir := filepath.Join("..", filepath.FromSlash(strings.TrimPrefix(path, mod)))
		p, err := ctx.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range p.Imports {
			if imp != mod && !strings.HasPrefix(imp, mod+"/") {
				continue // outside the module: cannot reach back into it
			}
			if _, seen := deps[imp]; !seen {
				deps[imp] = path
				queue = append(queue, imp)
			}
		}
	}
	if len(deps) == 0 || deps[mod+"/omemo"] == "" {
		t.Fatalf("the walk found no module package (want at least omemo): %v", deps)
	}
	checkForbidden(t, mod, deps)
}

// TestLayeringGoList is TestLayering as the go tool sees it (`go list
// -deps`, every build file included); it needs the go tool, so -short
// skips it.
func TestLayeringGoList(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	mod := modulePath(t)
	out, err := exec.Command(goTool, "list", "-tags", "sqlite_fts5", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string]string{}
	for _, l := range strings.Fields(string(out)) {
		deps[l] = "xmppclient's dependencies"
	}
	if _, ok := deps[mod+"/omemo"]; !ok {
		t.Fatalf("go list -deps lists no %s/omemo:\n%s", mod, out)
	}
	checkForbidden(t, mod, deps)
}
