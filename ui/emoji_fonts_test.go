package ui

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/fontscan"
)

// Every emoji the picker and the quick reactions offer is drawn in colour:
// by Fyne's own colour font, or, for the 14 newer than it (🥰, 🤩, 🥳…), by
// the system's Noto Color Emoji, which Fyne's painter falls back to for a
// rune its fonts lack (make deps installs fonts-noto-color-emoji). Without
// it the picker showed a "?" diamond for each of them, and so did a
// message or a reaction from another client with one.
func TestEveryOfferedEmojiHasAColourFont(t *testing.T) {
	content := theme.DefaultEmojiFont().Content()
	bundled, err := font.ParseTTF(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	var offered []string
	for _, c := range emojiCategories() {
		for _, e := range c.entries {
			offered = append(offered, e.emoji)
		}
	}
	offered = append(offered, quickReactions...)

	var system *fontscan.FontMap // scanned only if a rune needs it, as Fyne does
	fromSystem := 0
	for _, e := range offered {
		r := []rune(e)[0]
		face := bundled
		if _, ok := bundled.NominalGlyph(r); !ok {
			if system == nil {
				system = fontscan.NewFontMap(nil)
				if err := system.UseSystemFonts(t.TempDir()); err != nil {
					t.Fatalf("no system fonts: %v", err)
				}
				system.SetQuery(fontscan.Query{Families: []string{fontscan.SansSerif}})
			}
			face = system.ResolveFace(r)
			fromSystem++
		}
		if face == nil {
			t.Errorf("%s (U+%X): no font has it; install fonts-noto-color-emoji (make deps)", e, r)
			continue
		}
		gid, ok := face.NominalGlyph(r)
		if !ok {
			t.Errorf("%s (U+%X): no font has it; install fonts-noto-color-emoji (make deps)", e, r)
			continue
		}
		switch d := face.GlyphData(gid).(type) {
		case font.GlyphBitmap, font.GlyphSVG: // colour
		default:
			t.Errorf("%s (U+%X): drawn without colour (%T)", e, r, d)
		}
	}
	t.Logf("%d emoji offered, %d of them from the system's fonts", len(offered), fromSystem)
}
