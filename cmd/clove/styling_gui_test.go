package main

import (
	"image"
	"strings"
	"testing"
	"time"
)

// Message styling (XEP-0393) in the real window: Bob's message with a
// quotation, spans and a fenced block shows them styled, the directives
// kept, as Conversations, Dino and Gajim show them; the quotation line is
// drawn dim, the answer under it bright.
func TestGUIStylingUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := nodeChatPair(t)
	bob.ok("send", "--account", bj, aj, "> Can you send the command?\nSure, *this* one, _not_ the ~old~ one:\n```\ngo test -run `TestX` ./...\n```\nThen `make bench`.")

	w := aliceWindow(t, alice, aj)
	w.click(100, 85) // Bob
	path := shotPath(t, "styling.png")
	// The quotation's line (the body's first) and the answer's (second):
	// the brightest text pixel of each band, once the answer is drawn.
	var quote, answer int
	w.waitShot(path, 10*time.Second, func(img image.Image) bool {
		quote, answer = brightest(img, 285, stylingFirstLineY-8, 560, stylingFirstLineY+8), brightest(img, 285, stylingFirstLineY+20, 560, stylingFirstLineY+36)
		return answer >= 200
	})
	t.Logf("brightest pixel: quotation %d, answer %d", quote, answer)
	if quote >= answer-30 || answer < 200 {
		t.Errorf("the quotation is not drawn dim: its brightest pixel %d, the answer's %d", quote, answer)
	}
	if h := alice.ok("history", "--account", aj, "--with", bj); !strings.Contains(h, "*this*") {
		t.Errorf("the stored text lost its directives: %s", h)
	}
	w.stop()
}

// stylingFirstLineY is the middle of the first line of the first message's
// body in the 900×600 window.
const stylingFirstLineY = 144

// brightest is the highest grey level (the mean of R, G and B) in the
// rectangle (x0, y0)–(x1, y1) of img.
func brightest(img image.Image, x0, y0, x1, y1 int) int {
	best := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			best = max(best, int((r>>8+g>>8+b>>8)/3))
		}
	}
	return best
}
