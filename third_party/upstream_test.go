package thirdparty

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
)

// Each patch directory's files are copies of one version of its module:
// when go.mod moves to another, or that version's files are not the ones
// the copies were made from, the build would silently mix two versions.
// Fail loudly instead.
func TestPatchedFilesMatchGoMod(t *testing.T) {
	mods, err := filepath.Glob("*/MODULE")
	if err != nil || len(mods) == 0 {
		t.Fatalf("no patch directory (*/MODULE): %v", err)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	cache := strings.TrimSpace(string(out))
	for _, mod := range mods {
		dir := filepath.Dir(mod)
		t.Run(dir, func(t *testing.T) { checkPatch(t, cache, dir) })
	}
}

func checkPatch(t *testing.T, cache, dir string) {
	path := strings.TrimSpace(read(t, filepath.Join(dir, "MODULE")))
	want := strings.TrimSpace(read(t, filepath.Join(dir, "VERSION")))
	var have string
	for _, l := range strings.Split(read(t, "../go.mod"), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == "require" {
			f = f[1:]
		}
		if len(f) >= 2 && f[0] == path {
			have = f[1]
		}
	}
	if have != want {
		t.Fatalf("go.mod has %s %s but third_party/%s's patch was made from %s: "+
			"redo the patch on %s's files and update VERSION and upstream.sha256, or drop it (docs/benchmarks.md, Upkeep)", path, have, dir, want, have)
	}
	escaped, err := module.EscapePath(path)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(cache, escaped+"@"+want)
	sums := bufio.NewScanner(strings.NewReader(read(t, filepath.Join(dir, "upstream.sha256"))))
	n := 0
	for sums.Scan() {
		f := strings.Fields(sums.Text())
		if len(f) != 2 {
			continue
		}
		n++
		sum, name := f[0], f[1]
		pristine, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatalf("%s %s's %s: %v (go mod download %s)", path, want, name, err, path)
		}
		if h := sha256.Sum256(pristine); hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s %s's %s is not the file the patched copy was made from (sha256 %x, recorded %s): redo the patch (docs/benchmarks.md, Upkeep)", path, want, name, h, sum)
		}
		patched := []byte(read(t, filepath.Join(dir, "_patched", name)))
		if bytes.Equal(patched, pristine) || !bytes.Contains(patched, []byte("CLOVE PATCH")) {
			t.Errorf("%s/_patched/%s carries no CLOVE PATCH change", dir, name)
		}
	}
	if n == 0 {
		t.Fatalf("%s/upstream.sha256 lists no file", dir)
	}
	// Every patched file is checked, none is copied unchecked by mktree.sh.
	sumsText := read(t, filepath.Join(dir, "upstream.sha256"))
	root := filepath.Join(dir, "_patched")
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.Contains(sumsText, "  "+filepath.ToSlash(rel)+"\n") {
			return nil
		}
		// A file the patch adds: upstream has none of that name, and it
		// says so.
		_, statErr := os.Stat(filepath.Join(src, rel))
		if !os.IsNotExist(statErr) || !strings.Contains(read(t, p), "CLOVE PATCH (third_party/"+dir+"): a new file, not in upstream.") {
			t.Errorf("%s/_patched/%s has no checksum in upstream.sha256 (and is not a new file marked as one)", dir, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
