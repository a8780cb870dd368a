package ui

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldText is s for sorting and finding by name: lower case, accents
// taken off (é → e, Ö → o; decomposed, the marks dropped), so a roster
// sorts and filters as a reader expects. Scripts without case or accents
// (中文) stay as they are.
func foldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
