package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Escape closes every dialog and Enter submits every form, as in other
// desktop apps. Fyne 2.7's dialogs do neither: a key goes to the focused
// widget (an entry swallows Escape) or, with nothing focused, to the
// canvas; and a form's entries do not submit it.

// dialogEntry is an entry in a dialog: Escape closes the dialog.
type dialogEntry struct {
	widget.Entry
	onEscape func()
}

func newDialogEntry() *dialogEntry {
	e := &dialogEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func newDialogPasswordEntry() *dialogEntry {
	// As widget.NewPasswordEntry; the renderer adds the reveal button.
	e := &dialogEntry{}
	e.Password = true
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

func (e *dialogEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// dialogCheck is a check box in a dialog: Escape closes the dialog (a
// focused check box takes the keys, and Fyne's ignores Escape).
type dialogCheck struct {
	widget.Check
	onEscape func()
}

func newDialogCheck(label string) *dialogCheck {
	c := &dialogCheck{}
	c.Text = label
	c.ExtendBaseWidget(c)
	return c
}

func (c *dialogCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
	}
	c.Check.TypedKey(k)
}

// showDialog shows d on win, closed (as by its dismiss button) by Escape
// typed in one of entries or with nothing focused.
func showDialog(win fyne.Window, d dialog.Dialog, entries ...*dialogEntry) {
	showDialogThen(win, d, nil, entries...)
}

// showDialogThen is showDialog; then (if set) runs once d is closed.
func showDialogThen(win fyne.Window, d dialog.Dialog, then func(), entries ...*dialogEntry) {
	for _, e := range entries {
		e.onEscape = d.Hide
	}
	c := win.Canvas()
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.Hide()
			return
		}
		if prev != nil {
			prev(k)
		}
	})
	// Dialogs stack and close last first, so the one below gets its
	// Escape back — before then, which may show the next dialog.
	d.SetOnClosed(func() {
		c.SetOnTypedKey(prev)
		if then != nil {
			then()
		}
	})
	d.Show()
}

// showForm shows a form dialog: Enter in any of its entries submits it,
// Escape closes it; the first entry has the focus.
func showForm(win fyne.Window, d *dialog.FormDialog, entries ...*dialogEntry) {
	for _, e := range entries {
		e.OnSubmitted = func(string) { d.Submit() }
	}
	showDialog(win, d, entries...)
	if len(entries) > 0 {
		win.Canvas().Focus(entries[0])
	}
}

// showConfirm is dialog.ShowConfirm, closed by Escape (an answer of no).
func showConfirm(win fyne.Window, title, message string, callback func(bool)) {
	showDialog(win, dialog.NewConfirm(title, message, callback, win))
}

// showError is dialog.ShowError (without its capitalising: see newError),
// closed by Escape; then runs once it is closed (nil: nothing).
func showError(win fyne.Window, err error, then func()) {
	showDialogThen(win, newError(err, win), then)
}
