package prosodytest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// AtRest reports which of texts are in some file under the server's
// directory (its data: archives, offline store; and its log), as they are:
// prosody stores ASCII words and ':' unescaped. Stop the server first, so
// that everything is written. A test of end-to-end encryption looks for
// its secret texts (none may be found) and one plain text (which must be:
// else the search is broken).
func (s *Server) AtRest(tb testing.TB, texts ...string) map[string]bool {
	tb.Helper()
	found := map[string]bool{}
	err := filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, t := range texts {
			if bytes.Contains(b, []byte(t)) {
				found[t] = true
				tb.Logf("%q found in %s", t, path)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return found
}
