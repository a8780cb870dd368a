package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The chat header's "⋮" menu: the actions used less often, so that the
// header keeps room for the chat's name and address (at 900 px a room's
// header held six buttons and cut its address). A room's People, Invite…
// and, for a visitor, Request voice stay buttons; its nickname, member
// list (roommembers.go) and Leave are in the menu, as Gajim puts a room's secondary
// actions in its hamburger menu. A contact's chat has search and the menu
// alone (as Gajim's and Dino's headers): Start group chat…, then what the
// contact's right-click menu offers (Rename…, Remove…, Block…, Profile…,
// Encryption keys…, Copy address); a stranger's keeps its Add to contacts
// and Block buttons. Its items are made when it opens, for the chat open
// then.

// chatMenuLabel is the menu button's accessible label (it shows an icon
// only).
const chatMenuLabel = "More actions"

// chatMenuButton is the header's "⋮" button.
func (a *Pane) chatMenuButton() *widget.Button {
	var b *widget.Button
	b = widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), func() {
		items := a.chatMenuItems()
		if len(items) == 0 {
			return
		}
		// Opened under the button, right edges aligned (as GTK's menus
		// at a window's edge): from the button's left edge Fyne pushed
		// the menu back inside the window flush with its edge.
		m := widget.NewPopUpMenu(fyne.NewMenu(chatMenuLabel, items...), a.win.Canvas())
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		m.ShowAtPosition(fyne.NewPos(max(at.X+b.Size().Width-m.MinSize().Width, 0), at.Y+b.Size().Height))
	})
	return b
}

// chatMenuItems are the menu's items for the open chat.
func (a *Pane) chatMenuItems() []*fyne.MenuItem {
	if a.chat == nil {
		return nil
	}
	peer := a.chat.peer
	if !a.isRoom(peer) {
		if isPrivatePeer(peer) {
			return nil
		}
		items := a.groupStartItems(peer)
		if more := a.peerMenuItems(peer); len(more) > 0 {
			if len(items) > 0 {
				items = append(items, fyne.NewMenuItemSeparator())
			}
			items = append(items, more...)
		}
		return items
	}
	var items []*fyne.MenuItem
	if a.roomNickBackend() != nil {
		items = append(items, fyne.NewMenuItem("Change nickname…", func() { a.showChangeNick(peer, a.room(peer).nick) }))
	}
	if a.roomRegisterBackend() != nil {
		items = append(items, fyne.NewMenuItem("Register nickname…", func() { a.showRegisterNick(peer, a.room(peer).nick) }))
	}
	if a.roomMembersBackend() != nil {
		items = append(items, fyne.NewMenuItem("Members…", func() { a.showRoomMembers(peer) }))
	}
	items = append(items, a.subjectMenuItems(peer)...)
	if a.roomBackend() != nil {
		if len(items) > 0 {
			items = append(items, fyne.NewMenuItemSeparator())
		}
		items = append(items, fyne.NewMenuItem("Leave room…", a.confirmLeave))
	}
	if r := a.room(peer); r.joined && r.self.affiliation == "owner" {
		if a.roomConfigurer() != nil {
			items = append(items, fyne.NewMenuItem("Room settings…", func() { a.showRoomConfig(peer) }))
		}
		if a.roomAdmin() != nil {
			items = append(items, fyne.NewMenuItem("Destroy room…", func() { a.confirmDestroy(peer) }))
		}
	}
	if a.chatDeleter() != nil {
		items = append(items, fyne.NewMenuItem("Delete history…", func() { a.confirmDeleteChat(peer) }))
	}
	if a.roomInfoBackend() != nil {
		// Last: the GUI tests click the items above by their place.
		items = append(items, fyne.NewMenuItem("Room information…", func() { a.showRoomInfo(peer) }))
	}
	return items
}
