package ui

import (
	"image"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// Text in every script renders: with the fonts make deps installs, each
// sample is drawn with glyphs of its own, not the missing-glyph box that
// a private-use character (which no font has) gets. Fyne falls back to the
// system's fonts for what its bundled one lacks.
func TestEveryScriptRenders(t *testing.T) {
	w := test.NewTempApp(t).NewWindow("scripts")
	defer w.Close()
	draw := func(s string) image.Image {
		w.SetContent(canvas.NewText(s, theme.Color(theme.ColorNameForeground)))
		w.Resize(fyne.NewSize(60, 40))
		return w.Canvas().Capture()
	}
	same := func(a, b image.Image) bool {
		if a.Bounds() != b.Bounds() {
			return false
		}
		for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
			for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
				r1, g1, b1, a1 := a.At(x, y).RGBA()
				r2, g2, b2, a2 := b.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
					return false
				}
			}
		}
		return true
	}
	tofu := draw("\U000F0000")
	if same(draw("a"), tofu) {
		t.Fatal("a Latin letter is drawn like a missing glyph: the comparison is broken")
	}
	missing := 0
	for _, s := range []struct{ script, sample string }{
		{"Chinese", "中"}, {"Japanese", "か"}, {"Korean", "한"}, {"Devanagari", "ह"},
		{"Arabic", "ع"}, {"Hebrew", "ע"}, {"Greek", "Ω"}, {"Cyrillic", "Ж"},
		{"Thai", "ท"}, {"emoji", "😀"},
	} {
		if same(draw(s.sample), tofu) {
			missing++
			t.Logf("%s (%s) is drawn as missing-glyph boxes", s.script, s.sample)
		}
	}
	// Emoji stay in colour (Fyne's own colour emoji font, which the
	// patched Fyne loads only when a rune needs it): some pixel is
	// clearly not grey.
	if colourful(draw("a")) {
		t.Fatal("a Latin letter counts as coloured: the check is broken")
	}
	if img := draw("😀"); !colourful(img) {
		t.Error("😀 is drawn without colour")
	}
	if missing > 0 {
		if os.Getenv("CI") == "" {
			t.Skipf("%d scripts lack a font here: run make deps", missing)
		}
		t.Errorf("%d scripts lack a font (make deps installs them)", missing)
	}
}

// colourful reports whether some pixel of img is clearly coloured, not a
// shade of grey.
func colourful(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, bl), min(r, g, bl)
			if hi-lo > 0x4000 {
				return true
			}
		}
	}
	return false
}
