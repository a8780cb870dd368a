package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// messageMenu is a message's context menu (a right-click on its row), at
// pos on the window: copy its text or the sender's address, send a failed
// one again, answer it, delete ours for everyone. selected is the text
// selected in its body ("" for none).
func (a *Pane) messageMenu(id widget.ListItemID, pos fyne.Position, selected string) {
	ch := a.chat
	if ch == nil || id < 0 || id >= len(ch.msgs) {
		return
	}
	if selected == "" {
		a.clearSelection() // a right-click on another message: a click elsewhere
	}
	items := a.messageMenuItems(ch.peer, ch.msgs[id], selected)
	if m := ch.msgs[id]; a.canAnswer(m) {
		// Last: the entries above keep their places (a file's first is
		// Save…, the last of a message Copy address).
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Reply", func() { a.startReply(m) }),
			fyne.NewMenuItem("React…", func() { a.showReactMenu(id, pos) }))
	}
	items = append(items, a.retractMenuItems(ch.peer, ch.msgs[id])...)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), a.win.Canvas(), pos)
}

// messageMenuItems are the context menu's entries for m in peer's chat;
// selected is the text selected in its body ("" for none).
func (a *Pane) messageMenuItems(peer string, m Message, selected string) []*fyne.MenuItem {
	clip := a.fa.Clipboard()
	if m.Retracted {
		// Its words are gone: only who sent it is left to copy.
		return []*fyne.MenuItem{fyne.NewMenuItem("Copy address", func() { clip.SetContent(a.senderOf(peer, m)) })}
	}
	var items []*fyne.MenuItem
	if selected != "" {
		items = append(items, fyne.NewMenuItem("Copy selection", func() { clip.SetContent(selected) }))
	}
	if m.File != nil {
		return append(a.fileMenuItems(m), fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Copy address", func() { clip.SetContent(a.senderOf(peer, m)) }))
	}
	items = append(items, fyne.NewMenuItem("Copy", func() { clip.SetContent(m.Body) }))
	links := a.findLinks(m.Body)
	for i, l := range links {
		if i == 3 {
			break // a menu, not a list of links
		}
		text, label := m.Body[l.start:l.end], "Copy link"
		if len(links) > 1 {
			label += ": " + shorten(text, 40)
		}
		items = append(items, fyne.NewMenuItem(label, func() { clip.SetContent(linkURL(text)) }))
	}
	if m.Outgoing && m.State == Failed {
		items = append(items, fyne.NewMenuItem("Retry", func() { a.sendTo(peer, m.Body) }))
		if m.Reason != "" { // to report it, or read it whole in a narrow window
			items = append(items, fyne.NewMenuItem("Copy the reason", func() { clip.SetContent(m.Reason) }))
		}
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Copy address", func() { clip.SetContent(a.senderOf(peer, m)) }))
	return items
}

// senderOf is the address of m's sender: the account for ours, the
// contact in a chat, room/nick in a room.
func (a *Pane) senderOf(peer string, m Message) string {
	switch {
	case m.Outgoing:
		return a.account
	case m.Nick != "":
		return peer + "/" + m.Nick
	}
	return peer
}

// shorten cuts s to n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// fileMenuItems are a file message's own entries: Save…, and its link
// only when the file is not encrypted (an aesgcm:// link holds the key:
// pasted anywhere, it gives the file away).
func (a *Pane) fileMenuItems(m Message) []*fyne.MenuItem {
	clip := a.fa.Clipboard()
	var items []*fyne.MenuItem
	if a.sharer() != nil {
		items = append(items, fyne.NewMenuItem("Save…", func() { a.saveFile(m) }))
		if isPicture(m.File) {
			items = append(items, fyne.NewMenuItem("Open picture", func() { a.openPicture(m) }))
		}
	}
	items = append(items, fyne.NewMenuItem("Copy file name", func() { clip.SetContent(fileName(m.File)) }))
	if !m.File.Encrypted && !strings.HasPrefix(strings.ToLower(m.File.URL), "aesgcm:") {
		items = append(items, fyne.NewMenuItem("Copy link", func() { clip.SetContent(m.File.URL) }))
	}
	return items
}
