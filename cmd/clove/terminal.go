package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// termText makes text from the network (a body, a nick, a name, a
// server's error) safe to print as one field of one line on a terminal.
// Printed raw, a newline in a body forged a line that read as another
// sender's message, an ESC sequence drove the terminal (ESC[2J cleared
// it), and a right-to-left override turned the rest of the line around.
// So: a newline shows as ⏎, a tab as \t, other control characters (C0,
// DEL, C1) as \x1b or \u0085, bidirectional controls as \u202e, and bytes
// that are not UTF-8 as U+FFFD. Everything else, every script and emoji,
// is printed as it is. JSON output needs none of this (it escapes).
func termText(s string) string {
	if clean(s) {
		return s // the common case: no copy
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteString("⏎")
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x` + hex2(r))
		case unsafeRune(r):
			b.WriteString(`\u` + strconv.FormatInt(int64(0x10000+r), 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hex2(r rune) string { return strconv.FormatInt(int64(0x100+r), 16)[1:] }

// unsafeRune: a rune beyond ASCII that moves or hides text on a terminal:
// C1 controls, bidirectional embeddings, overrides, isolates and marks,
// and the line and paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1: NEL, CSI …
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// clean reports whether s needs no escaping.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return utf8.ValidString(s[i:]) && !strings.ContainsFunc(s[i:], func(r rune) bool {
				return r < 0x20 || r == 0x7f || unsafeRune(r)
			})
		}
	}
	return true
}
