package ui

import (
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Composer is the message entry: Enter sends, Shift+Enter starts a new
// line.
//
// Fyne's multi-line Entry does the opposite when OnSubmitted is set (Shift+
// Enter submits), so Composer leaves OnSubmitted unset, tracks Shift itself
// (desktop key-down/up events) and sends on a plain Enter.
type Composer struct {
	widget.Entry
	onSend func(text string)
	shift  bool
	// ctrlSends: Enter starts a new line and Ctrl+Enter sends (the
	// Preferences' "Enter sends" off).
	ctrlSends bool
	// OnShortcut, if set, is offered each shortcut first (the window's:
	// Ctrl+F, Ctrl+W …); it reports whether it took it.
	OnShortcut func(fyne.Shortcut) bool
	// OnTyped, if set, is told after each change the user made by typing,
	// deleting or pasting (not when the program sets the text): the chat
	// states (XEP-0085) follow the user's keys only.
	OnTyped func()
	// OnUpEmpty, if set, is Up in an empty composer: edit the last
	// message (XEP-0308). OnEscape, if set, is offered Escape first; it
	// reports whether it took it (an edit cancelled).
	OnUpEmpty func()
	OnEscape  func() bool
	// OnPaste, if set, takes Ctrl+V (a picture on the clipboard is sent
	// as a file); it calls pasteText when the paste is text after all.
	OnPaste func(pasteText func())
	// hints are the placeholders, the one that fits the width shown.
	hints placeHolders
	// rows is how many lines the composer shows (it grows with its text,
	// composerMinRows to composerMaxRows); OnGrow, if set, is told when
	// that changed (the pane lays the chat out again).
	rows   int
	OnGrow func()
	// OnPage, if set, takes Page Up and Page Down: the chat above scrolls
	// a page (the cursor stays where it is), as in Gajim and Dino.
	OnPage func(up bool)
	// Complete, if set, is Tab: given the text and the cursor (in runes)
	// it returns the text completed and the cursor after it, or false —
	// then Tab leaves the composer. apply false only asks (nothing
	// changes). A room's nicknames (nickcomplete.go).
	Complete func(text []rune, cursor int, apply bool) ([]rune, int, bool)
}

// The composer shows two lines when empty and grows with its text up to
// six, as Gajim's and Dino's do; a longer text scrolls within it.
const (
	composerMinRows = 2
	composerMaxRows = 6
)

// fitRows shows as many lines as the text takes at the composer's width
// (its own lines and the wrapped ones), within the bounds.
func (c *Composer) fitRows() {
	rows := composerMinRows
	if width := entryTextWidth(c.Size().Width); width > 0 && c.Text != "" {
		lines := 0
		for _, l := range strings.Split(c.Text, "\n") {
			w := fyne.MeasureText(l, theme.TextSize(), c.TextStyle).Width
			lines += max(1, int(math.Ceil(float64(w/(width*0.95))))) // word wrap leaves room at line ends
			if lines >= composerMaxRows {
				break
			}
		}
		rows = min(max(lines, composerMinRows), composerMaxRows)
	}
	if rows == c.rows {
		return
	}
	c.rows = rows
	c.SetMinRowsVisible(rows)
	if c.OnGrow != nil {
		c.OnGrow()
	}
}

// Resize shows the placeholder that fits the new width.
func (c *Composer) Resize(s fyne.Size) {
	c.hints.fit(&c.Entry, s.Width)
	c.Entry.Resize(s)
	c.fitRows() // the lines wrap anew
}

// TypedRune types r and tells OnTyped.
func (c *Composer) TypedRune(r rune) {
	c.Entry.TypedRune(r)
	c.typed()
}

func (c *Composer) typed() {
	if c.OnTyped != nil {
		c.OnTyped()
	}
}

// TypedShortcut offers sc to OnShortcut, then to the entry (copy, paste…).
func (c *Composer) TypedShortcut(sc fyne.Shortcut) {
	if cs, ok := sc.(*desktop.CustomShortcut); ok && c.ctrlSends && cs.Modifier == fyne.KeyModifierControl &&
		(cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) {
		c.submit()
		return
	}
	if c.OnShortcut != nil && c.OnShortcut(sc) {
		return
	}
	if _, ok := sc.(*fyne.ShortcutPaste); ok && c.OnPaste != nil {
		c.OnPaste(func() {
			before := c.Text
			c.Entry.TypedShortcut(sc)
			if c.Text != before {
				c.typed()
			}
		})
		return
	}
	before := c.Text
	c.Entry.TypedShortcut(sc)
	if c.Text != before { // a paste, a cut
		c.typed()
	}
}

// NewComposer returns a composer that calls onSend with the typed text.
func NewComposer(onSend func(text string)) *Composer {
	c := &Composer{onSend: onSend}
	c.MultiLine = true
	c.Wrapping = fyne.TextWrapWord
	c.setEnterSends(true)
	c.rows = composerMinRows
	c.SetMinRowsVisible(composerMinRows)
	c.OnChanged = func(string) { c.fitRows() } // typed, pasted or set (a draft)
	c.ExtendBaseWidget(c)
	return c
}

// setEnterSends makes Enter send (Shift+Enter: a new line) or, off, start
// a new line (Ctrl+Enter sends).
func (c *Composer) setEnterSends(on bool) {
	c.ctrlSends = !on
	if on {
		c.hints = placeHolders{"Message (Enter sends, Shift+Enter new line)", "Message (Enter sends)", "Message"}
	} else {
		c.hints = placeHolders{"Message (Ctrl+Enter sends)", "Message"}
	}
	c.hints.fit(&c.Entry, c.Size().Width)
}

// TypedKey sends on Enter without Shift (unless Ctrl+Enter sends).
func (c *Composer) TypedKey(k *fyne.KeyEvent) {
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && !c.shift && !c.ctrlSends {
		c.submit()
		return
	}
	if k.Name == fyne.KeyUp && c.Text == "" && c.OnUpEmpty != nil {
		c.OnUpEmpty()
		return
	}
	if k.Name == fyne.KeyEscape && c.OnEscape != nil && c.OnEscape() {
		return
	}
	if (k.Name == fyne.KeyPageUp || k.Name == fyne.KeyPageDown) && c.OnPage != nil {
		c.OnPage(k.Name == fyne.KeyPageUp)
		return
	}
	if k.Name == fyne.KeyTab {
		if c.Complete != nil && !c.shift {
			if text, cursor, ok := c.Complete([]rune(c.Text), c.cursorOffset(), true); ok {
				c.SetText(string(text))
				c.setCursorOffset(cursor)
				c.typed()
			}
		}
		return // never a tab typed into a message
	}
	before := c.Text
	c.Entry.TypedKey(k)
	if c.Text != before { // Backspace, Delete, a new line
		c.typed()
	}
}

// AcceptsTab is false: Tab leaves the composer (to the send button) as in
// other messengers, instead of typing a tab into the message — unless it
// completes something (a nickname in a room, as in Gajim); Shift+Tab
// always goes back.
func (c *Composer) AcceptsTab() bool {
	if c.Complete == nil || c.shift {
		return false
	}
	_, _, ok := c.Complete([]rune(c.Text), c.cursorOffset(), false)
	return ok
}

// cursorOffset is the cursor's place in the text, in runes.
func (c *Composer) cursorOffset() int {
	off := 0
	for i, line := range strings.Split(c.Text, "\n") {
		n := len([]rune(line))
		if i == c.CursorRow {
			return off + min(c.CursorColumn, n)
		}
		off += n + 1
	}
	return len([]rune(c.Text))
}

// setCursorOffset puts the cursor at off (in runes).
func (c *Composer) setCursorOffset(off int) {
	row, col := 0, 0
	for _, r := range []rune(c.Text)[:min(off, len([]rune(c.Text)))] {
		if r == '\n' {
			row, col = row+1, 0
		} else {
			col++
		}
	}
	c.CursorRow, c.CursorColumn = row, col
	c.Refresh()
}

// KeyDown tracks Shift (desktop only).
func (c *Composer) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		c.shift = true
	}
	c.Entry.KeyDown(k)
}

// KeyUp tracks Shift (desktop only).
func (c *Composer) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		c.shift = false
	}
	c.Entry.KeyUp(k)
}

func (c *Composer) submit() {
	if c.onSend != nil && c.Text != "" {
		c.onSend(c.Text)
	}
}
