// Package plainlocale keeps the toolkit quiet under the C locale.
//
// Fyne reads the user's locale when its lang package is initialised —
// before main runs, for every command, even `clove help` — and cannot
// parse "C.UTF-8" (the default in containers and on servers): it logs three
// "Fyne error: Error parsing user locale C" lines to stderr. Imported
// first by package main, this package's init runs before Fyne's (Go
// initialises packages in import-path order once their imports are done,
// and this one imports only os, while Fyne's lang waits on golang.org/x/…
// packages that sort after it), and turns such a locale into plain "C",
// which Fyne takes for English without a word. Restore puts the variable
// back, so that programs Clove starts (prosody, i2pd) see the user's own.
package plainlocale

import "os"

// saved is the variable changed at init and its value: written once,
// before main, read by Restore.
var saved struct {
	name, value string
}

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if isPlain(v) && v != "C" && v != "POSIX" {
			saved.name, saved.value = name, v
			_ = os.Setenv(name, "C")
		}
		return // the first one set is the one that counts
	}
}

// isPlain reports whether locale v is C or POSIX, with or without a
// charset or modifier (C.UTF-8, POSIX@x).
func isPlain(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == '.' || v[i] == '@' {
			v = v[:i]
			break
		}
	}
	return v == "C" || v == "POSIX"
}

// Restore gives back the variable init changed, if any.
func Restore() {
	if saved.name != "" {
		_ = os.Setenv(saved.name, saved.value)
	}
}
