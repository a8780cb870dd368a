package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// nickDialog is what a room's nickname dialog asks for and does: changing
// our nickname (§7.6) and registering one (§7.10) ask the same question
// in different words.
type nickDialog struct {
	title, confirm string
	// submit gets the room and the trimmed, non-empty nickname typed.
	submit func(room, nick string)
}

// show asks for a nickname in room, filled with nick.
func (n nickDialog) show(win fyne.Window, room, nick string) {
	name := newDialogEntry()
	name.SetText(nick)
	d := dialog.NewForm(n.title, n.confirm, "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Nickname in "+room, name)},
		func(ok bool) {
			if typed := strings.TrimSpace(name.Text); ok && typed != "" {
				n.submit(room, typed)
			}
		}, win)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	showForm(win, d, name)
}
