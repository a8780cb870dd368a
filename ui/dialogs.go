package ui

import (
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Escape closes every dialog and Enter submits every form, as in other
// desktop apps. Fyne 2.7's dialogs do neither: a key goes to the focused
// widget (an entry swallows Escape) or, with nothing focused, to the
// canvas; and a form's entries do not submit it.

// Every widget that can have the focus in a dialog passes Escape (close)
// and Enter on: a focused check box, radio button, button or list takes
// the keys, and Fyne's ignore Escape (the join dialog did not close while
// its "Create it" box had the focus) and Enter. So dialogs use the types
// below, and showDialog swaps the buttons Fyne's dialogs make for
// dialogButtons.

// dialogKeys is what a dialog's widget does with Escape and Enter: close
// the dialog; submit it (a form), or nothing (nil).
type dialogKeys struct{ onEscape, onEnter func() }

// key runs k's action for the key; it reports whether there was one.
func (d *dialogKeys) key(k *fyne.KeyEvent) bool {
	switch {
	case k.Name == fyne.KeyEscape && d.onEscape != nil:
		d.onEscape()
	case (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && d.onEnter != nil:
		d.onEnter()
	default:
		return false
	}
	return true
}

// dialogEntry is an entry in a dialog: Escape closes the dialog (Enter is
// the entry's OnSubmitted, set by showForm).
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

// dialogCheck is a check box in a dialog.
type dialogCheck struct {
	widget.Check
	dialogKeys
}

func newDialogCheck(label string, changed func(bool)) *dialogCheck {
	c := &dialogCheck{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *dialogCheck) TypedKey(k *fyne.KeyEvent) {
	if !c.key(k) {
		c.Check.TypedKey(k)
	}
}

// dialogButton is a button in a dialog: Escape closes the dialog, Enter
// presses the button (as Space does).
type dialogButton struct {
	widget.Button
	dialogKeys
}

func newDialogButton(label string, tapped func()) *dialogButton {
	b := &dialogButton{}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

// asDialogButton is b as a dialogButton: the same text, icon, look and
// action.
func asDialogButton(b *widget.Button) *dialogButton {
	d := &dialogButton{}
	d.Text, d.Icon, d.Importance, d.OnTapped = b.Text, b.Icon, b.Importance, b.OnTapped
	d.Alignment, d.IconPlacement = b.Alignment, b.IconPlacement
	d.ExtendBaseWidget(d)
	if b.Disabled() {
		d.Disable()
	}
	return d
}

func (b *dialogButton) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		b.Tapped(nil)
		return
	}
	if !b.key(k) {
		b.Button.TypedKey(k)
	}
}

// dialogSelect is a drop-down in a dialog: Escape closes the dialog.
type dialogSelect struct {
	widget.Select
	onEscape func()
}

func newDialogSelect(options []string, changed func(string)) *dialogSelect {
	s := &dialogSelect{}
	s.Options, s.OnChanged = options, changed
	s.ExtendBaseWidget(s)
	return s
}

func (s *dialogSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && s.onEscape != nil {
		s.onEscape()
		return
	}
	s.Select.TypedKey(k)
}

// dialogList is a list in a dialog (the search's results).
type dialogList struct {
	widget.List
	onEscape func()
}

func newDialogList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *dialogList {
	l := &dialogList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *dialogList) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && l.onEscape != nil {
		l.onEscape()
		return
	}
	l.List.TypedKey(k)
}

// newDialogRadio is a choice of one of options in a dialog, drawn as
// Fyne's radio group: check boxes drawn with radio buttons (Fyne's radio
// items are a private type, which takes keys and ignores Escape). changed
// gets the option chosen.
func newDialogRadio(options []string, selected string, changed func(string)) fyne.CanvasObject {
	var boxes []*dialogCheck
	var objs []fyne.CanvasObject
	busy := false // while the boxes are set from here, not by the user
	for _, o := range options {
		var c *dialogCheck
		c = newDialogCheck(o, func(on bool) {
			if busy {
				return
			}
			busy = true
			defer func() { busy = false }()
			if !on { // a click on the chosen one keeps it chosen
				c.SetChecked(true)
				return
			}
			for _, other := range boxes {
				if other != c && other.Checked {
					other.SetChecked(false)
				}
			}
			if changed != nil {
				changed(o)
			}
		})
		c.Checked = o == selected
		boxes = append(boxes, c)
		objs = append(objs, c)
	}
	return container.NewThemeOverride(container.NewHBox(objs...), radioTheme{theme.DefaultTheme()})
}

// radioTheme draws check boxes as radio buttons.
type radioTheme struct{ fyne.Theme }

func (t radioTheme) Icon(n fyne.ThemeIconName) fyne.Resource {
	switch n {
	case theme.IconNameCheckButton:
		n = theme.IconNameRadioButton
	case theme.IconNameCheckButtonChecked:
		n = theme.IconNameRadioButtonChecked
	case theme.IconNameCheckButtonFill:
		n = theme.IconNameRadioButtonFill
	}
	return t.Theme.Icon(n)
}

// showDialog shows d on win, closed (as by its dismiss button) by Escape
// typed in one of entries or with nothing focused.
func showDialog(win fyne.Window, d dialog.Dialog, entries ...*dialogEntry) {
	showDialogKeys(win, d, nil, nil, entries...)
}

// showDialogThen is showDialog; then (if set) runs once d is closed.
func showDialogThen(win fyne.Window, d dialog.Dialog, then func(), entries ...*dialogEntry) {
	showDialogKeys(win, d, then, nil, entries...)
}

// showDialogKeys is showDialogThen; Enter on a check box or radio button
// runs enter (nil: nothing).
func showDialogKeys(win fyne.Window, d dialog.Dialog, then, enter func(), entries ...*dialogEntry) {
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
	if top := c.Overlays().Top(); top != nil {
		passKeys(top, nil, 0, dialogKeys{onEscape: d.Hide, onEnter: enter})
		top.Refresh()
	}
}

// passKeys gives each focusable widget in o (a dialog being shown) the
// dialog's keys, and puts a dialogButton in the place of each of Fyne's
// buttons (o is parent.Objects[i]).
func passKeys(o fyne.CanvasObject, parent *fyne.Container, i int, keys dialogKeys) {
	switch x := o.(type) {
	case *widget.PopUp:
		passKeys(x.Content, nil, 0, keys)
	case *fyne.Container:
		for j, c := range x.Objects {
			passKeys(c, x, j, keys)
		}
	case *container.ThemeOverride:
		passKeys(x.Content, nil, 0, keys)
	case *container.Scroll:
		passKeys(x.Content, nil, 0, keys)
	case *widget.Form:
		for _, it := range x.Items {
			passKeys(it.Widget, nil, 0, keys)
		}
	case *dialogEntry:
		x.onEscape = keys.onEscape
	case *dialogCheck:
		x.dialogKeys = keys
	case *dialogButton:
		x.onEscape = keys.onEscape
	case *dialogList:
		x.onEscape = keys.onEscape
	case *dialogSelect:
		x.onEscape = keys.onEscape
	case *widget.Button:
		// Not in a border layout: it holds its side objects by pointer, so
		// a button put in the place of its side button was laid out as a
		// centre object, over the rest (the search's button hid what was
		// typed in its box). Dialogs make such buttons dialogButtons
		// themselves (newDialogButton).
		if parent != nil && !isBorderLayout(parent.Layout) {
			b := asDialogButton(x)
			b.onEscape = keys.onEscape
			parent.Objects[i] = b
			parent.Refresh()
		}
	}
}

// showForm shows a form dialog: Enter in any of its entries submits it,
// Escape closes it; the first entry has the focus.
func showForm(win fyne.Window, d *dialog.FormDialog, entries ...*dialogEntry) {
	for _, e := range entries {
		e.OnSubmitted = func(string) { d.Submit() }
	}
	showDialogKeys(win, d, nil, d.Submit, entries...)
	if len(entries) > 0 {
		win.Canvas().Focus(entries[0])
	}
}

// showConfirm is dialog.ShowConfirm with its buttons named for what they
// do (do and Cancel, as GNOME's and KDE's guidelines ask, not Yes and
// No), closed by Escape (a cancel).
func showConfirm(win fyne.Window, title, message, do string, callback func(bool)) {
	showDialog(win, newConfirm(win, title, message, do, "Cancel", callback))
}

// newConfirm is a confirmation whose buttons say what they do. (Fyne's
// NewConfirm renamed with SetConfirmText kept the height its wrapped text
// had at the first, narrower layout: a gap of four lines above the
// buttons.)
func newConfirm(win fyne.Window, title, message, do, dont string, callback func(bool)) dialog.Dialog {
	msg := widget.NewLabel(message)
	msg.Wrapping = fyne.TextWrapWord
	msg.Alignment = fyne.TextAlignCenter
	d := dialog.NewCustomConfirm(title, do, dont, msg, callback, win)
	w := fyne.Min(520, win.Canvas().Size().Width-2*theme.Padding())
	msg.Resize(fyne.NewSize(w-4*theme.Padding(), msg.MinSize().Height)) // its lines at that width
	d.Resize(fyne.NewSize(w, d.MinSize().Height))
	return d
}

// showError is dialog.ShowError (without its capitalising: see newError),
// closed by Escape; then runs once it is closed (nil: nothing).
func showError(win fyne.Window, err error, then func()) {
	showDialogThen(win, newError(err, win), then)
}

// isBorderLayout reports whether l is Fyne's border layout (its type is
// unexported).
func isBorderLayout(l fyne.Layout) bool {
	return reflect.TypeOf(l) == reflect.TypeOf(layout.NewBorderLayout(nil, nil, nil, nil))
}
