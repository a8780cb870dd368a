package main

import (
	"image"
	"testing"
	"time"
)

// Text in every script and emoji of every age in the real window, as a
// desktop draws them: Bob's line mixes Cyrillic, CJK, Hangul, Hebrew and
// Arabic with 👍 (in Fyne's own emoji font) and 🥰 (only in the system's,
// Noto Color Emoji). Both emoji are drawn in colour and at one size: the
// system's colour emoji font is used for all of them (third_party/fyne-idle,
// lookupSystemEmoji); Fyne's own drew 👍 smaller than the system's 🥰.
func TestGUIEmojiOneSizeUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := nodeChatPair(t)
	bob.ok("send", "--account", bj, aj, "Привет 中文 한국어 שלום مرحبا 👍 and 🥰")

	w := aliceWindow(t, alice, aj)
	w.click(100, 85) // Bob
	path := shotPath(t, "emoji-one-size.png")
	// The body's first line, right of the chat's left edge: the colour
	// blobs (saturated pixels) are the emoji, left to right. The first
	// rune missing from Fyne's fonts has go-text index the system's fonts
	// (0.3 s on a quiet machine, this test's HOME being new), so wait for
	// the line to be drawn.
	var blobs []image.Rectangle
	w.waitShot(path, 15*time.Second, func(img image.Image) bool {
		blobs = colourBlobs(img, image.Rect(280, stylingFirstLineY-14, 900, stylingFirstLineY+14))
		return len(blobs) >= 2
	})
	w.stop()
	t.Logf("emoji drawn (x, width × height): %v", blobs)
	if len(blobs) != 2 {
		t.Fatalf("%d colour glyphs on Bob's line, want 2 (👍 and 🥰): %v (%s)", len(blobs), blobs, path)
	}
	a, b := blobs[0].Dy(), blobs[1].Dy()
	if a*10 < b*8 || b*10 < a*8 {
		t.Errorf("👍 is %d px high and 🥰 %d: not one size (%s)", a, b, path)
	}
}

// colourBlobs finds the runs of columns within area that have saturated
// pixels (a colour emoji, not grey text or the dark theme), each with the
// rows its pixels span.
func colourBlobs(img image.Image, area image.Rectangle) []image.Rectangle {
	var out []image.Rectangle
	var cur image.Rectangle
	in := false
	for x := area.Min.X; x < area.Max.X; x++ {
		col := image.Rectangle{}
		for y := area.Min.Y; y < area.Max.Y; y++ {
			r, g, b, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, b)>>8, min(r, g, b)>>8
			if hi > 150 && hi-lo > 90 {
				col = col.Union(image.Rect(x, y, x+1, y+1))
			}
		}
		switch {
		case !col.Empty() && in:
			cur = cur.Union(col)
		case !col.Empty():
			cur, in = col, true
		case in && x > cur.Max.X+2: // a gap of 3 columns ends a glyph
			out = append(out, cur)
			in = false
		}
	}
	if in {
		out = append(out, cur)
	}
	return out
}
