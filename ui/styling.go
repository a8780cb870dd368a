package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// Message styling (XEP-0393), as Conversations, Dino and Gajim show it:
// *strong* in bold, _emphasis_ in italics, ~strike~ struck through,
// `pre` and ```-fenced blocks in monospace, and "> " quotation lines in
// the dim colour. The styling directives stay in the text and are drawn
// in their span's style (§6, RECOMMENDED): what is shown is what was
// sent, so selecting and copying work on the same bytes.
//
// The XEP forbids a regular grammar and asks for this: blocks first (a
// line each, a preformatted block, a quotation), then the spans inside
// the lines of plain blocks and quotations.

// styleBits is the style of one byte of a body.
type styleBits uint8

const (
	styleStrong styleBits = 1 << iota
	styleEmphasis
	styleStrike
	styleMono  // a preformatted span or block
	styleQuote // in a quotation
)

// textStyle is the font style bits ask for, on top of base (italic for an
// action).
func (b styleBits) textStyle(base fyne.TextStyle) fyne.TextStyle {
	s := base
	s.Bold = s.Bold || b&styleStrong != 0
	s.Italic = s.Italic || b&styleEmphasis != 0
	s.Monospace = b&styleMono != 0
	return s
}

// maxStyled bounds the bodies styled (a byte of style each): a longer
// one is shown plain. A message that long is pasted text, not chat.
const maxStyled = 64 << 10

// parseStyling returns the style of each byte of text, or nil when
// nothing in it is styled (most messages: no directive at all).
func parseStyling(text string) []styleBits {
	if len(text) > maxStyled || !strings.ContainsAny(text, "*_~`>") {
		return nil
	}
	st := make([]styleBits, len(text))
	styled := false
	pre := false // inside a preformatted block
	for start := 0; start <= len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		line := text[start:end]
		switch {
		case pre:
			mark(st, start, end, styleMono)
			styled = true
			if line == "```" {
				pre = false
			}
		case strings.HasPrefix(line, "```"):
			// Up to a line of only ``` or the end of the body.
			mark(st, start, end, styleMono)
			styled, pre = true, true
		case strings.HasPrefix(line, ">"):
			// A quotation: its marks and one whitespace after them go,
			// then the rest is a line of its own (nested quotations,
			// spans). A quoted preformatted block is left plain: rare,
			// and the quotation's colour still sets it apart.
			mark(st, start, end, styleQuote)
			styled = true
			i := start
			for i < end && text[i] == '>' {
				i++
				if i < end && (text[i] == ' ' || text[i] == '\t') {
					i++
				}
			}
			styled = spans(text, st, i, end, styleQuote) || styled
		default:
			styled = spans(text, st, start, end, 0) || styled
		}
		start = end + 1
	}
	if !styled {
		return nil
	}
	return st
}

// mark adds b to the style of text[from:to].
func mark(st []styleBits, from, to int, b styleBits) {
	for i := from; i < to; i++ {
		st[i] |= b
	}
}

// spanBits is the style a span directive gives its span.
func spanBits(c byte) styleBits {
	switch c {
	case '*':
		return styleStrong
	case '_':
		return styleEmphasis
	case '~':
		return styleStrike
	case '`':
		return styleMono
	}
	return 0
}

// spans styles the spans in text[from:to] (a block, or a span's inside)
// with outer added; true if it styled any. §5.2: an opening directive is
// at the block's start, after a whitespace or after another opening
// directive (the start of the inside recursed into), and not followed by
// a whitespace; its closing one is the first of the same character not
// preceded by a whitespace, and the span between them is not empty. A preformatted
// span holds no other.
func spans(text string, st []styleBits, from, to int, outer styleBits) bool {
	styled := false
	// unclosed: a directive with no closing one after some opening in
	// this range has none after any later opening either. Kept, it makes
	// a line of openings without closings ("*a *a *a …") linear, not
	// quadratic.
	var unclosed styleBits
	for i := from; i < to; {
		c := text[i]
		b := spanBits(c)
		if b == 0 || unclosed&b != 0 || !(i == from || isSpaceBefore(text, i)) || i+1 >= to || isSpaceAt(text, i+1) {
			_, n := utf8.DecodeRuneInString(text[i:to])
			i += n
			continue
		}
		j := -1
		for k := i + 1; k < to; k++ {
			if text[k] == c && !isSpaceBefore(text, k) {
				j = k
				break
			}
		}
		if j < 0 {
			unclosed |= b
		}
		if j <= i+1 { // none, or an empty span ("**", and so "***")
			i++
			continue
		}
		mark(st, i, j+1, outer|b)
		if c != '`' {
			spans(text, st, i+1, j, outer|b)
		}
		styled = true
		i = j + 1
	}
	return styled
}

// isSpaceAt: the rune at text[i] is a whitespace.
func isSpaceAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}

// isSpaceBefore: the rune ending at text[i] is a whitespace.
func isSpaceBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(r)
}

// styledWidth is the width of text[a:b] drawn at size in base, each run
// of one style measured in it (st nil: all in base).
func styledWidth(text string, st []styleBits, a, b int, size float32, base fyne.TextStyle) float32 {
	if st == nil {
		return fyne.MeasureText(text[a:b], size, base).Width
	}
	var w float32
	for a < b {
		e := runEnd(st, a, b)
		w += fyne.MeasureText(text[a:e], size, st[a].textStyle(base)).Width
		a = e
	}
	return w
}

// runEnd is the end of the run of one style that starts at a, at most b.
func runEnd(st []styleBits, a, b int) int {
	e := a + 1
	for e < b && st[e] == st[a] {
		e++
	}
	return e
}
