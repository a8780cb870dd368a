//go:build !sqlite_fts5 && !fts5

package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Built without FTS5, Open must refuse with a message that says what to do,
// and leave nothing behind.
func TestOpenWithoutFTS5(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(t.Context(), filepath.Join(dir, "clove.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded without FTS5")
	}
	if !errors.Is(err, ErrNoFTS5) || !strings.Contains(err.Error(), "-tags sqlite_fts5") {
		t.Errorf("error %q does not say to build with -tags sqlite_fts5", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created %s before failing", dir)
	}
}
