package ui

import (
	"testing"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/fontscan"
)

// Every emoji the picker and the quick reactions offer is drawn in colour
// by the system's colour emoji font, which the window draws every emoji
// with when there is one (third_party/fyne-idle, lookupSystemEmoji, as
// desktop programs do; make deps installs fonts-noto-color-emoji). Fyne's
// own font lacks 14 of them (🥰 🤩 🥳…): without the system's, the picker
// showed a "?" diamond for each, and so did a message or a reaction from
// another client with one.
func TestEveryOfferedEmojiHasAColourFont(t *testing.T) {
	var offered []string
	for _, c := range emojiCategories() {
		for _, e := range c.entries {
			offered = append(offered, e.emoji)
		}
	}
	offered = append(offered, quickReactions...)

	// Looked up as the painter does: go-text's emoji family.
	system := fontscan.NewFontMap(nil)
	if err := system.UseSystemFonts(t.TempDir()); err != nil {
		t.Fatalf("no system fonts: %v", err)
	}
	system.SetQuery(fontscan.Query{Families: []string{fontscan.Emoji}})
	face := system.ResolveFace('😀')
	if face == nil {
		t.Fatal("no system font has 😀; install fonts-noto-color-emoji (make deps)")
	}
	family, _ := system.FontMetadata(face.Font)
	for _, e := range offered {
		r := []rune(e)[0]
		gid, ok := face.NominalGlyph(r)
		if !ok {
			t.Errorf("%s (U+%X): not in the system's emoji font (%s); install fonts-noto-color-emoji (make deps)", e, r, family)
			continue
		}
		switch d := face.GlyphData(gid).(type) {
		case font.GlyphBitmap, font.GlyphSVG: // colour
		default:
			t.Errorf("%s (U+%X): drawn without colour by %s (%T); install fonts-noto-color-emoji (make deps)", e, r, family, d)
		}
	}
	t.Logf("%d emoji offered, all in %s", len(offered), family)
}
