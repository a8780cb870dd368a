package ui

import (
	"strings"

	"fyne.io/fyne/v2/widget"
)

// Private messages to room occupants (XEP-0045 §7.5): the chat's peer is
// room/nick, a full address (a contact's is always bare), listed like
// someone who wrote but labelled "nick (in room)", without "Add to
// contacts" or "Block" (the address is the room's, not the person's), and
// never encrypted (the lock says why).

// isPrivatePeer reports whether peer is a room occupant (room/nick).
func isPrivatePeer(peer string) bool {
	_, ok := privateLabel(peer)
	return ok
}

// privateLabel is how a private chat with room/nick is named: "nick (in
// room)", the room's local part.
func privateLabel(peer string) (string, bool) {
	bare, nick, ok := strings.Cut(peer, "/")
	room, _, hasLocal := strings.Cut(bare, "@")
	if !ok || nick == "" || !hasLocal || room == "" {
		return "", false
	}
	return nick + " (in " + room + ")", true
}

// occupantPicked opens a private chat with the occupant picked in the
// open room's People list (not ourselves).
func (a *Pane) occupantPicked(id widget.ListItemID) {
	a.people.UnselectAll()
	if a.chat == nil || !a.isRoom(a.chat.peer) {
		return
	}
	room := a.chat.peer
	r := a.room(room)
	if id >= len(r.occupants) || r.occupants[id] == r.nick {
		return
	}
	a.openPrivate(room + "/" + r.occupants[id])
}

// openPrivate opens the private chat with occupant (room/nick), listing
// it if it is not yet.
func (a *Pane) openPrivate(occupant string) {
	if a.byJID[occupant] == nil {
		a.listStranger(occupant)
	}
	a.openChat(occupant)
	a.syncSelection()
}
