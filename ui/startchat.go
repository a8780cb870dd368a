package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showStartChat asks for an address and opens a chat with it without
// adding it to the contacts (Gajim's Start Chat, Dino's Start
// Conversation): adding would ask for the other side's presence and give
// them ours, which a first message does not need. typed fills the field
// (what was typed before an error).
func (a *Pane) showStartChat(typed string) {
	addr := newDialogEntry()
	addr.SetPlaceHolder("name@server")
	addr.SetText(typed)
	d := dialog.NewForm("Message someone", "Chat", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Address", addr)},
		func(ok bool) {
			if !ok {
				return
			}
			jid, err := chatAddress(addr.Text)
			if err != nil {
				a.showErrorThen(err, func() { a.showStartChat(addr.Text) })
				return
			}
			a.selectChat(jid) // listed once the history holds a message
		}, a.win)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	showForm(a.win, d, addr)
}

// chatAddress is the bare address typed for a chat, or why it is none
// (the server says more once a message goes: a domain that does not
// exist, a user unknown there).
func chatAddress(s string) (string, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "xmpp:"))
	switch {
	case s == "":
		return "", errors.New("type the address to write to, such as name@server")
	case strings.ContainsAny(s, " \t/"):
		return "", errors.New("an address has no spaces or slashes: name@server")
	case strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@"):
		return "", errors.New("an address is name@server, with both parts")
	}
	// Lower case, as XMPP compares addresses (PRECIS case-maps the local
	// part, domains are case-insensitive) and as the history stores them:
	// "Dave@…" would open a chat the sent message never shows in.
	return strings.ToLower(s), nil
}
