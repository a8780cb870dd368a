package gui

import (
	"os"
	"path/filepath"
	"testing"
)

func TestComposeCacheDir(t *testing.T) {
	home := t.TempDir()
	own := t.TempDir() // a home where the user made ~/.compose-cache
	if err := os.Mkdir(filepath.Join(own, ".compose-cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_CACHE_HOME", map[string]string{"HOME": home, "XDG_CACHE_HOME": "/var/cache/u"}, "/var/cache/u/clove/compose"},
		{"~/.cache", map[string]string{"HOME": home}, filepath.Join(home, ".cache", "clove", "compose")},
		{"a relative XDG_CACHE_HOME is ignored", map[string]string{"HOME": home, "XDG_CACHE_HOME": "cache"}, filepath.Join(home, ".cache", "clove", "compose")},
		{"the user's XCOMPOSECACHE", map[string]string{"HOME": home, "XCOMPOSECACHE": "/tmp/c"}, ""},
		{"the user's ~/.compose-cache", map[string]string{"HOME": own}, ""},
		{"no home", map[string]string{}, ""},
		{"a relative home", map[string]string{"HOME": "h"}, ""},
		{"'=' would name the file", map[string]string{"HOME": home, "XDG_CACHE_HOME": "/var/a=b"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := composeCacheDir(func(k string) string { return c.env[k] }); got != c.want {
				t.Errorf("composeCacheDir = %q, want %q", got, c.want)
			}
		})
	}
}
