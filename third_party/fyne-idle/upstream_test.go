package fyneidle

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
)

// The patched files are copies of one Fyne version: when go.mod moves to
// another, or that version's files are not the ones the copies were made
// from, the build would silently mix two versions. Fail loudly instead.
func TestPatchedFilesMatchGoModsFyne(t *testing.T) {
	want := strings.TrimSpace(read(t, "VERSION"))
	var have string
	for _, l := range strings.Split(read(t, "../../go.mod"), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "fyne.io/fyne/v2" {
			have = f[1]
		}
	}
	if have != want {
		t.Fatalf("go.mod has fyne.io/fyne/v2 %s but third_party/fyne-idle's patched run loop was made from %s: "+
			"redo the patch on %s's files and update VERSION and upstream.sha256, or drop it (docs/benchmarks.md, Upkeep)", have, want, have)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "fyne.io", "fyne", "v2@"+want)
	sums := bufio.NewScanner(strings.NewReader(read(t, "upstream.sha256")))
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
			t.Fatalf("Fyne %s's %s: %v (go mod download fyne.io/fyne/v2)", want, name, err)
		}
		if h := sha256.Sum256(pristine); hex.EncodeToString(h[:]) != sum {
			t.Errorf("Fyne %s's %s is not the file the patched copy was made from (sha256 %x, recorded %s): redo the patch (docs/benchmarks.md, Upkeep)", want, name, h, sum)
		}
		patched := []byte(read(t, filepath.Join("_patched", name)))
		if bytes.Equal(patched, pristine) || !bytes.Contains(patched, []byte("CLOVE PATCH")) {
			t.Errorf("_patched/%s carries no CLOVE PATCH change", name)
		}
	}
	if n == 0 {
		t.Fatal("upstream.sha256 lists no file")
	}
	// Every patched file is checked, none is copied unchecked by mktree.sh.
	err = filepath.WalkDir("_patched", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("_patched", p)
		if !strings.Contains(read(t, "upstream.sha256"), "  "+filepath.ToSlash(rel)+"\n") {
			t.Errorf("_patched/%s has no checksum in upstream.sha256", rel)
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
