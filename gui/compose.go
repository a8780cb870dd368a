package gui

import (
	"os"
	"path/filepath"
	"strings"
)

// useComposeCache has libX11 keep the locale's compiled Compose table (the
// key sequences of dead keys and the Compose key) in Clove's cache
// directory, and read it back at the next start.
//
// GLFW opens an X input method as it starts, and libX11 then parses the
// locale's Compose file (/usr/share/X11/locale/*/Compose, ~6,000 lines,
// one locked getc at a time in a threaded program) unless it finds a cache:
// 10–15 ms of each window start here, measured with perf (glfwInit took
// 24–29 ms without a cache and 9–10 with one). libX11 looks for a cache of
// its own only in ~/.compose-cache, and only if the user made that
// directory, so few have one; XCOMPOSECACHE names another directory.
// libX11 checks the cache against the Compose file's mtime and its own
// format version, writes it only for a user who is not root, and makes a
// new one when it is a day old: one start a day parses the file again.
// Nothing changes when the user chose a cache (XCOMPOSECACHE, or
// ~/.compose-cache made) or there is no cache directory to be had.
func useComposeCache(getenv func(string) string) {
	dir := composeCacheDir(getenv)
	if dir == "" {
		return
	}
	// libX11 ignores a directory others can write to.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	os.Setenv("XCOMPOSECACHE", dir)
}

// composeCacheDir is where useComposeCache keeps the Compose table: the
// user's cache directory ($XDG_CACHE_HOME, or ~/.cache), then clove/compose;
// "" when the user chose a cache or there is no home.
func composeCacheDir(getenv func(string) string) string {
	home := getenv("HOME")
	if getenv("XCOMPOSECACHE") != "" {
		return ""
	}
	if home != "" {
		if fi, err := os.Stat(filepath.Join(home, ".compose-cache")); err == nil && fi.IsDir() {
			return ""
		}
	}
	cache := getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(cache) { // the XDG rule: a relative path is ignored
		if !filepath.IsAbs(home) {
			return ""
		}
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "clove", "compose")
	if strings.Contains(dir, "=") { // XCOMPOSECACHE=dir=name names the file too
		return ""
	}
	return dir
}
