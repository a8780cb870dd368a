package chat

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSavedPasswords(t *testing.T) {
	dir := t.TempDir()
	if pw, err := SavedPassword(dir, "alice@example.org"); pw != "" || err != nil {
		t.Fatalf("before saving: %q %v", pw, err)
	}
	path, err := SavePassword(dir, "alice@example.org", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v %v; want %v", p, fi.Mode(), err, want)
		}
	}
	if _, err := SavePassword(dir, "alice@example.org", "n3w"); err != nil {
		t.Fatal(err)
	}
	if pw, err := SavedPassword(dir, "alice@example.org"); pw != "n3w" || err != nil {
		t.Errorf("saved: %q %v", pw, err)
	}
	if pw, _ := SavedPassword(dir, "bob@example.org"); pw != "" {
		t.Errorf("bob's: %q", pw)
	}
	if err := ForgetPassword(dir, "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if pw, _ := SavedPassword(dir, "alice@example.org"); pw != "" {
		t.Errorf("after forgetting: %q", pw)
	}
	for _, bad := range []string{"", "..", "a/b@c"} {
		if _, err := SavePassword(dir, bad, "x"); err == nil {
			t.Errorf("SavePassword(%q) succeeded", bad)
		}
	}
	if es, _ := os.ReadDir(PasswordsDir(dir)); len(es) != 0 {
		t.Errorf("left in the directory: %v", es)
	}
}
