package ui

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// sentence capitalises the first letter and ends s with a full stop —
// unless s starts with an address ("alice@example.org: …", "i2p.rocks
// did not answer"), which is shown as it is written: JIDs and domains
// are never capitalised ("Alice@…" is another address to a reader).
func sentence(s string) string {
	s = capitalise(strings.TrimSpace(s))
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// capitalise upper-cases s's first letter unless its first word is an
// address (has '@', '.', '/' or ':' inside it).
func capitalise(s string) string {
	first, _, _ := strings.Cut(s, " ")
	first = strings.TrimRight(first, ":,;")
	if strings.ContainsAny(first, "@./:") {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// newError is Fyne's error dialog without its capitalisation of the first
// letter (dialog.NewError turns "alice@x: …" into "Alice@x: …"), and with
// the text wrapped in a width a reader can follow.
func newError(err error, w fyne.Window) dialog.Dialog {
	if err == nil {
		err = errors.New("unknown error")
	}
	msg := capitalise(err.Error())
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.ErrorIcon())), nil, text)
	d := dialog.NewCustom(lang.L("Error"), lang.L("OK"), body, w)
	// A wrapped label's minimum is one word wide: give the dialog a
	// reader's width and the height its lines need at that width.
	const width = 420
	one := fyne.MeasureText(msg, theme.TextSize(), fyne.TextStyle{})
	lines := float32(1 + int(one.Width/(width-80)) + strings.Count(msg, "\n"))
	d.Resize(fyne.NewSize(width, lines*(one.Height+2)+140))
	return d
}
