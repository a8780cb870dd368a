package ui

import (
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// msgText is a message body: its text wrapped at word boundaries, its
// links drawn as links, and a drag over it selects words (Ctrl+C copies
// them), links or not.
//
// Fyne 2.7 has no widget for this: a selectable Label draws no links and
// keeps its selection where no one can clear it (a click on another
// message left the first highlighted, and Ctrl+C copied it), and RichText,
// which draws links, selects nothing. So msgText lays out its own lines;
// the pane measures rows with the same layout (wrapText), so a row is as
// tall as the lines drawn in it.
type msgText struct {
	widget.BaseWidget
	Text  string
	links []linkSpan
	// italic: the whole text in italics (an action, XEP-0245); dim: in
	// the placeholder colour (the line standing for a deleted message).
	italic, dim bool
	// styles: each byte's message styling (XEP-0393, styling.go); nil
	// for none.
	styles []styleBits

	// The selection, in bytes of Text: [min(anchor, head), max(…)).
	anchor, head int
	dragging     bool
	focused      bool
	hoverLink    bool

	width float32    // the width lines were laid out for
	lines []textLine // Text's lines at width

	onLink   func(text string)        // a click on a link
	onTap    func()                   // a click elsewhere on the text
	onMenu   func(*fyne.PointEvent)   // a right-click
	onSelect func(*msgText)           // a drag began a selection here
	onKey    func(fyne.Shortcut) bool // the window's shortcuts while focused
}

// textLine is one drawn line: Text[start:end], without the spaces or the
// newline where it breaks.
type textLine struct{ start, end int }

func newMsgText() *msgText {
	t := &msgText{}
	t.ExtendBaseWidget(t)
	return t
}

// setStyled shows text with its links, in italics when italic; a
// selection in the text before goes.
func (t *msgText) setStyled(text string, links []linkSpan, italic bool) {
	t.set(text, links, italic, false)
}

// setDim shows text in italics and the placeholder colour, without links:
// a line that stands for a message, not its words.
func (t *msgText) setDim(text string) { t.set(text, nil, true, true) }

func (t *msgText) set(text string, links []linkSpan, italic, dim bool) {
	if text == t.Text && len(links) == len(t.links) && italic == t.italic && dim == t.dim {
		return
	}
	t.Text, t.links, t.italic, t.dim = text, links, italic, dim
	t.styles = nil
	if !dim {
		t.styles = parseStyling(text)
	}
	t.anchor, t.head, t.dragging = 0, 0, false
	t.width = -1
	t.Refresh()
}

// metrics are the sizes the text is laid out with.
func (t *msgText) metrics() (size, pad, lineH, textH float32) {
	th := t.Theme()
	size = th.Size(theme.SizeNameText)
	textH = fyne.MeasureText("x", size, fyne.TextStyle{}).Height
	return size, th.Size(theme.SizeNameInnerPadding), textH + th.Size(theme.SizeNameLineSpacing), textH
}

func (t *msgText) measure(s string) float32 {
	size, _, _, _ := t.metrics()
	return fyne.MeasureText(s, size, t.style()).Width
}

// span is the width of Text[a:b] as drawn, in its styles.
func (t *msgText) span(a, b int) float32 {
	size, _, _, _ := t.metrics()
	return styledWidth(t.Text, t.styles, a, b, size, t.style())
}

// style is the text's style: plain, or italic for an action.
func (t *msgText) style() fyne.TextStyle { return fyne.TextStyle{Italic: t.italic} }

// layout lays the lines out for the widget's width (once per width).
func (t *msgText) layout() {
	w := t.Size().Width
	if w == t.width && t.lines != nil {
		return
	}
	_, pad, _, _ := t.metrics()
	t.width = w
	t.lines = wrapText(t.Text, w-2*pad, t.span)
}

// wrapText breaks text into lines no wider than width (as measure says of
// text[a:b]): at its newlines, then between words; a word wider than the
// line is cut where the line ends, as Fyne's word wrapping does.
func wrapText(text string, width float32, measure func(a, b int) float32) []textLine {
	var lines []textLine
	start := 0
	for start <= len(text) {
		end := start
		for end < len(text) && text[end] != '\n' {
			end++
		}
		lines = wrapParagraph(lines, text, start, end, width, measure)
		start = end + 1
	}
	return lines
}

func wrapParagraph(lines []textLine, text string, start, end int, width float32, measure func(a, b int) float32) []textLine {
	for {
		if measure(start, end) <= width {
			return append(lines, textLine{start, end})
		}
		// The last word end (before a space) that fits.
		fit := -1
		for i := start + 1; i <= end; i++ {
			if (i == end || text[i] == ' ') && text[i-1] != ' ' {
				if measure(start, i) > width {
					break
				}
				fit = i
			}
		}
		if fit < 0 { // one word wider than the line: cut it
			fit = cutAt(text, start, end, width, measure)
		}
		lines = append(lines, textLine{start, fit})
		next := fit
		for next < end && text[next] == ' ' {
			next++
		}
		if next >= end {
			return lines
		}
		start = next
	}
}

// cutAt is the end of the longest run of whole runes from start that fits
// width (at least one rune, so wrapping always moves on).
func cutAt(text string, start, end int, width float32, measure func(a, b int) float32) int {
	_, n := utf8.DecodeRuneInString(text[start:end])
	fit := start + n
	for i := fit; i < end; {
		_, n := utf8.DecodeRuneInString(text[i:end])
		if measure(start, i+n) > width {
			break
		}
		i += n
		fit = i
	}
	return fit
}

// offsetAt is the byte offset in Text nearest to pos (in the widget).
func (t *msgText) offsetAt(pos fyne.Position) int {
	t.layout()
	if len(t.lines) == 0 {
		return 0
	}
	_, pad, lineH, _ := t.metrics()
	i := int((pos.Y - pad) / lineH)
	switch {
	case pos.Y < pad || i < 0:
		i = 0
	case i >= len(t.lines):
		return len(t.Text)
	}
	l := t.lines[i]
	x := pos.X - pad
	prev := float32(0)
	for j := l.start; j < l.end; {
		_, n := utf8.DecodeRuneInString(t.Text[j:l.end])
		w := t.span(l.start, j+n)
		if x < (prev+w)/2 {
			return j
		}
		prev = w
		j += n
	}
	return l.end
}

// linkAt is the link under pos, if any.
func (t *msgText) linkAt(pos fyne.Position) (string, bool) {
	t.layout()
	_, pad, lineH, _ := t.metrics()
	i := int((pos.Y - pad) / lineH)
	if pos.Y < pad || i < 0 || i >= len(t.lines) {
		return "", false
	}
	l := t.lines[i]
	for _, k := range t.links {
		s, e := max(k.start, l.start), min(k.end, l.end)
		if s >= e {
			continue
		}
		x1 := pad + t.span(l.start, s)
		x2 := pad + t.span(l.start, e)
		if pos.X >= x1 && pos.X < x2 {
			return t.Text[k.start:k.end], true
		}
	}
	return "", false
}

// posOf is where the byte at offset off is drawn (its top left), for tests
// and menus.
func (t *msgText) posOf(off int) fyne.Position {
	t.layout()
	_, pad, lineH, _ := t.metrics()
	for i, l := range t.lines {
		if off <= l.end || i == len(t.lines)-1 {
			off = max(min(off, l.end), l.start)
			return fyne.NewPos(pad+t.span(l.start, off), pad+float32(i)*lineH)
		}
	}
	return fyne.NewPos(pad, pad)
}

// selection is the selected span of Text, start ≤ end.
func (t *msgText) selection() (int, int) {
	return min(t.anchor, t.head), max(t.anchor, t.head)
}

// SelectedText is the selected text ("" for none). A selection counts only
// while it is shown: while this body has the focus.
func (t *msgText) SelectedText() string {
	s, e := t.selection()
	if !t.focused || s == e {
		return ""
	}
	return t.Text[s:e]
}

// clearSelection drops the selection.
func (t *msgText) clearSelection() {
	if t.anchor == t.head && !t.dragging {
		return
	}
	t.anchor, t.head, t.dragging = 0, 0, false
	t.Refresh()
}

func (t *msgText) Dragged(ev *fyne.DragEvent) {
	if !t.dragging {
		// A press-drag that starts on a link selects too: a link opens on
		// a click only.
		t.dragging = true
		t.anchor = t.offsetAt(ev.Position.Subtract(ev.Dragged))
		if t.onSelect != nil {
			t.onSelect(t)
		}
		if c := fyne.CurrentApp().Driver().CanvasForObject(t); c != nil {
			c.Focus(t)
		}
	}
	t.head = t.offsetAt(ev.Position)
	t.Refresh()
}

func (t *msgText) DragEnd() { t.dragging = false }

func (t *msgText) Tapped(ev *fyne.PointEvent) {
	if link, ok := t.linkAt(ev.Position); ok && t.onLink != nil {
		t.onLink(link)
		return
	}
	if t.onTap != nil {
		t.onTap()
	}
}

func (t *msgText) TappedSecondary(ev *fyne.PointEvent) {
	if t.onMenu != nil {
		t.onMenu(ev)
	}
}

// Cursor: a hand over a link, the text cursor elsewhere.
func (t *msgText) Cursor() desktop.Cursor {
	if t.hoverLink {
		return desktop.PointerCursor
	}
	return desktop.TextCursor
}

func (t *msgText) MouseIn(ev *desktop.MouseEvent) { t.MouseMoved(ev) }
func (t *msgText) MouseMoved(ev *desktop.MouseEvent) {
	t.hoverLink = false
	if len(t.links) > 0 {
		_, t.hoverLink = t.linkAt(ev.Position)
	}
}
func (t *msgText) MouseOut() { t.hoverLink = false }

// Focus: a body takes it when a drag selects in it, so that Ctrl+C
// reaches it; the selection shows only while it has it.
func (t *msgText) FocusGained()            { t.focused = true; t.Refresh() }
func (t *msgText) FocusLost()              { t.focused = false; t.Refresh() }
func (t *msgText) TypedRune(rune)          {}
func (t *msgText) TypedKey(*fyne.KeyEvent) {}

// Disabled keeps Tab from stopping on every message: only the body that
// holds the selection (and so the focus) counts as enabled. Fyne still
// lets a "disabled" widget with selected text take the focus.
func (t *msgText) Disabled() bool { return !t.focused }
func (t *msgText) Enable()        {}
func (t *msgText) Disable()       {}

// TypedShortcut copies the selection on Ctrl+C and passes the window's
// shortcuts (Ctrl+F, Ctrl+W …) on.
func (t *msgText) TypedShortcut(sc fyne.Shortcut) {
	if c, ok := sc.(*fyne.ShortcutCopy); ok {
		if s := t.SelectedText(); s != "" && c.Clipboard != nil {
			c.Clipboard.SetContent(s)
		}
		return
	}
	if t.onKey != nil {
		t.onKey(sc)
	}
}

// MinSize is the height of the lines at the widget's width.
func (t *msgText) MinSize() fyne.Size {
	t.ExtendBaseWidget(t)
	_, pad, lineH, textH := t.metrics()
	n := 1
	if t.Size().Width > 0 {
		t.layout()
		n = max(len(t.lines), 1)
	} else {
		for i := 0; i < len(t.Text); i++ {
			if t.Text[i] == '\n' {
				n++
			}
		}
	}
	return fyne.NewSize(2*pad, 2*pad+textH+float32(n-1)*lineH)
}

func (t *msgText) CreateRenderer() fyne.WidgetRenderer {
	return &msgTextRenderer{t: t}
}

type msgTextRenderer struct {
	t    *msgText
	objs []fyne.CanvasObject
	// Kept between refreshes: a row is drawn again on every scroll.
	texts []*canvas.Text
	rects []*canvas.Rectangle
}

func (r *msgTextRenderer) Destroy()                     {}
func (r *msgTextRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *msgTextRenderer) MinSize() fyne.Size           { return r.t.MinSize() }
func (r *msgTextRenderer) Layout(fyne.Size)             { r.Refresh() }

func (r *msgTextRenderer) text(i int) *canvas.Text {
	for len(r.texts) <= i {
		r.texts = append(r.texts, &canvas.Text{})
	}
	return r.texts[i]
}

func (r *msgTextRenderer) rect(i int) *canvas.Rectangle {
	for len(r.rects) <= i {
		r.rects = append(r.rects, &canvas.Rectangle{})
	}
	return r.rects[i]
}

// Refresh draws the lines: the selection behind, the text, and a line
// under each link.
func (r *msgTextRenderer) Refresh() {
	t := r.t
	t.layout()
	th := t.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	size, pad, lineH, textH := t.metrics()
	fg, link := th.Color(theme.ColorNameForeground, v), th.Color(theme.ColorNameHyperlink, v)
	if t.dim {
		fg = th.Color(theme.ColorNamePlaceHolder, v)
	}
	r.objs = r.objs[:0]
	nt, nr := 0, 0
	s, e := t.selection()
	if t.focused && s < e {
		for i, l := range t.lines {
			a, b := max(s, l.start), min(e, l.end)
			if a > b || (a == b && e <= l.end) || s > l.end {
				continue
			}
			x1, x2 := t.span(l.start, a), t.span(l.start, b)
			if e > l.end && i < len(t.lines)-1 {
				x2 += t.measure(" ") // the selection goes on past the line's end
			}
			box := r.rect(nr)
			nr++
			box.FillColor, box.StrokeWidth = th.Color(theme.ColorNameSelection, v), 0
			box.Move(fyne.NewPos(pad+x1-1, pad+float32(i)*lineH))
			box.Resize(fyne.NewSize(x2-x1+1, textH))
			r.objs = append(r.objs, box)
		}
	}
	dim := th.Color(theme.ColorNamePlaceHolder, v)
	for i, l := range t.lines {
		y := pad + float32(i)*lineH
		at := l.start
		// piece draws Text[at:end], one link state and one style.
		piece := func(end int, isLink bool) {
			if end <= at {
				return
			}
			var bits styleBits
			if t.styles != nil {
				bits = t.styles[at]
			}
			txt := r.text(nt)
			nt++
			txt.Text, txt.TextSize, txt.TextStyle, txt.Color = t.Text[at:end], size, bits.textStyle(t.style()), fg
			if bits&styleQuote != 0 {
				txt.Color = dim
			}
			// From the line's start, as offsetAt and the selection
			// measure (kerning across pieces: no drift).
			x := pad + t.span(l.start, at)
			w := fyne.MeasureText(txt.Text, size, txt.TextStyle).Width
			txt.Move(fyne.NewPos(x, y))
			txt.Resize(fyne.NewSize(w, textH))
			r.objs = append(r.objs, txt)
			if isLink {
				txt.Color = link
			}
			if isLink || bits&styleStrike != 0 {
				// A link's line under it; a struck span's through it.
				line := r.rect(nr)
				nr++
				line.FillColor, line.StrokeWidth = txt.Color, 0
				ly := y + textH - 1
				if !isLink {
					ly = y + textH/2
				}
				line.Move(fyne.NewPos(x, ly))
				line.Resize(fyne.NewSize(w, 1))
				r.objs = append(r.objs, line)
			}
			at = end
		}
		// styled draws Text[at:end] of one link state, a piece per style.
		styled := func(end int, isLink bool) {
			for at < end {
				e := end
				if t.styles != nil {
					e = runEnd(t.styles, at, end)
				}
				piece(e, isLink)
			}
		}
		for _, k := range t.links {
			if k.end <= l.start || k.start >= l.end {
				continue
			}
			styled(max(k.start, l.start), false)
			styled(min(k.end, l.end), true)
		}
		styled(l.end, false)
	}
	for _, o := range r.objs {
		o.Refresh()
	}
}
