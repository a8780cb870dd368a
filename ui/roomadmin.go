package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Room administration (XEP-0045 §8–10) in the window: a right-click on
// someone in a room's People list offers what our role and affiliation
// there allow over theirs — give or take voice, remove from the room
// (a moderator); make or unmake a moderator or a member, ban (an admin or
// owner) — as Gajim's occupant menu does; an owner's ⋮ menu offers
// "Destroy room…". What the room then does comes back as presence: a
// notice in the room says who was removed, or what changed for us, and a
// room that removed us says why and offers "Join again".

// RoomAdmin is what a Backend that can administer rooms offers. Its
// methods are called off the UI goroutine and may block.
type RoomAdmin interface {
	// SetRoomRole gives nick the role in room ("none" removes them).
	SetRoomRole(ctx context.Context, room, nick, role, reason string) error
	// SetRoomAffiliation gives who (an address, or an occupant's nick)
	// the affiliation with room ("outcast" bans them).
	SetRoomAffiliation(ctx context.Context, room, who, aff, reason string) error
	// DestroyRoom ends room for everyone and takes it off our rooms.
	DestroyRoom(ctx context.Context, room, reason string) error
}

func (a *Pane) roomAdmin() RoomAdmin {
	r, _ := a.backend.(RoomAdmin)
	return r
}

// rank is someone's standing in a room: role and affiliation.
type rank struct{ role, affiliation string }

func (k rank) admin() bool { return k.affiliation == "admin" || k.affiliation == "owner" }

// OnOccupantRank tells nick's role and affiliation in room, as their
// presence there says (self: ours). A change of ours, or of someone's we
// knew, is said in the room. Safe from any goroutine.
func (a *Pane) OnOccupantRank(room, nick, role, affiliation string, self bool) {
	a.do(func() {
		r := a.room(room)
		now := rank{role, affiliation}
		if self {
			before := r.self
			r.self = now
			a.updateVoice()
			if before != (rank{}) && before != now {
				a.addNote(room, rankNote("You", before, now))
			}
			if before != now {
				a.refreshRoomHeader(room)
			}
			return
		}
		before, known := r.ranks[nick]
		if r.ranks == nil {
			r.ranks = map[string]rank{}
		}
		r.ranks[nick] = now
		if known && before != now {
			a.addNote(room, rankNote(nick, before, now))
		}
		if before != now {
			a.refreshRoomHeader(room)
		}
	})
}

// rankNote says what changed between before and now for who ("You" or
// a nick).
func rankNote(who string, before, now rank) string {
	you := who == "You"
	is, has := " is", " can"
	if you {
		is = " are"
	}
	switch {
	case before.affiliation != now.affiliation && now.affiliation == "owner":
		return who + is + " now an owner of this room."
	case before.affiliation != now.affiliation && now.affiliation == "admin":
		return who + is + " now an admin of this room."
	case before.affiliation != now.affiliation && now.affiliation == "member":
		return who + is + " now a member of this room."
	case before.affiliation != now.affiliation && now.affiliation == "none" && before.affiliation != "":
		return who + is + " no longer " + article(before.affiliation) + " of this room."
	case now.role == "moderator" && before.role != "moderator":
		return who + is + " now a moderator here."
	case before.role == "moderator" && now.role != "moderator":
		return who + is + " no longer a moderator here."
	case now.role == "visitor":
		if you {
			return "You can no longer speak here (Request voice asks the moderators)."
		}
		return who + has + " no longer speak here."
	case before.role == "visitor" && now.role == "participant":
		return who + has + " speak here now."
	}
	return who + is + " now " + now.role + " here."
}

// article is "a member", "an admin", "an owner".
func article(aff string) string {
	if aff == "admin" || aff == "owner" || aff == "outcast" {
		return "an " + aff
	}
	return "a " + aff
}

// OnVoiceRequest says in room that nick asks for voice (§8.6: the room
// tells its moderators). Safe from any goroutine.
func (a *Pane) OnVoiceRequest(room, nick string) {
	a.do(func() {
		a.addNote(room, nick+" asks to speak here (to let them: right-click, Give voice).")
	})
}

// caption is what the People list says under nick's name beside it: their
// rank when it is more or less than a participant's (Gajim groups its
// list by these), then what they said of their availability.
func (r *roomState) caption(nick string) string {
	k := r.ranks[nick]
	if nick == r.nick {
		k = r.self
	}
	word := ""
	switch {
	case k.affiliation == "owner" || k.affiliation == "admin":
		word = k.affiliation
	case k.role == "moderator" || k.role == "visitor":
		word = k.role
	}
	switch away := r.away[nick]; {
	case word == "":
		return away
	case away == "":
		return word
	default:
		return word + " · " + away
	}
}

// OnRoomRemoval tells that nick left room against their will (self: we
// did), text saying why; the room's view says it, and a room that
// removed us shows as not joined, with "Join again" unless it is gone
// (destroyed). Safe from any goroutine.
func (a *Pane) OnRoomRemoval(room, nick string, self, gone bool, text string) {
	a.do(func() {
		r := a.room(room)
		delete(r.ranks, nick)
		if self {
			r.joined, r.removed = false, !gone
			r.occupants, r.away, r.ranks, r.self = nil, nil, nil, rank{}
			a.setRoomPresence(room, Unavailable)
			a.refreshRoomHeader(room)
			a.updateRemovalTools()
			a.notifyText("Removed from "+a.roomLabel(room), text)
		}
		a.addNote(room, text)
	})
}

// joinAgainTool is the header's "Join again" button, shown in a room that
// removed us (nil without a RoomBackend).
func (a *Pane) joinAgainTool() *widget.Button {
	if a.roomBackend() == nil {
		return nil
	}
	b := widget.NewButtonWithIcon("Join again", theme.LoginIcon(), func() {
		if a.chat == nil || !a.isRoom(a.chat.peer) {
			return
		}
		a.joinRoom(a.chat.peer, a.room(a.chat.peer).nick, false)
	})
	b.Hide()
	return b
}

// updateRemovalTools shows "Join again" exactly when the open chat is a
// room that removed us and we are not back, and "Invite…" in any other
// room (an invitation from outside a room fails: "not in the room").
func (a *Pane) updateRemovalTools() {
	a.showRoomTool(a.joinAgain, func(r *roomState) bool { return r.removed && !r.joined })
	a.showRoomTool(a.inviteTool, func(r *roomState) bool { return !r.removed || r.joined })
}

// showRoomTool shows the header's button b (nil: none) exactly when the
// open chat is a room for which when holds.
func (a *Pane) showRoomTool(b *widget.Button, when func(*roomState) bool) {
	if b == nil {
		return
	}
	show := a.chat != nil && a.isRoom(a.chat.peer) && when(a.room(a.chat.peer))
	if show != b.Visible() {
		setShown(b, show)
		a.header.Refresh()
	}
}

// occupantMenuItems is what can be done with nick in the open room: a
// private message, then what our rank allows over theirs.
func (a *Pane) occupantMenuItems(room, nick string) []*fyne.MenuItem {
	r := a.room(room)
	if nick == r.nick {
		return nil
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem("Private message", func() { a.openPrivate(room + "/" + nick) })}
	ra := a.roomAdmin()
	if ra == nil || !r.joined {
		return items
	}
	them := r.ranks[nick]
	var admin []*fyne.MenuItem
	// Admins and owners are moderators whom no one removes or silences
	// (XEP-0045 §8.2, §9.7); an owner may change an admin's rank.
	untouchable := them.admin() && r.self.affiliation != "owner"
	if r.self.role == "moderator" && !them.admin() {
		switch them.role {
		case "visitor":
			admin = append(admin, fyne.NewMenuItem("Give voice", func() { a.setRole(room, nick, "participant", "") }))
		case "participant":
			admin = append(admin, fyne.NewMenuItem("Take voice", func() { a.setRole(room, nick, "visitor", "") }))
		}
		admin = append(admin, fyne.NewMenuItem("Remove from room…", func() { a.confirmKick(room, nick) }))
	}
	if r.self.admin() && !untouchable {
		if them.role == "moderator" && !them.admin() {
			admin = append(admin, fyne.NewMenuItem("Remove as moderator", func() { a.setRole(room, nick, "participant", "") }))
		} else if them.role != "moderator" {
			admin = append(admin, fyne.NewMenuItem("Make moderator", func() { a.setRole(room, nick, "moderator", "") }))
		}
		switch them.affiliation {
		case "", "none":
			admin = append(admin, fyne.NewMenuItem("Make member", func() { a.setAffiliation(room, nick, "member", "") }))
		case "member":
			admin = append(admin, fyne.NewMenuItem("Remove membership", func() { a.setAffiliation(room, nick, "none", "") }))
		}
		if them.affiliation != "owner" {
			admin = append(admin, fyne.NewMenuItem("Ban…", func() { a.confirmBan(room, nick) }))
		}
	}
	if len(admin) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
		items = append(items, admin...)
	}
	return items
}

// showOccupantMenu is a People row's right-click menu.
func (a *Pane) showOccupantMenu(nick string, at fyne.Position) {
	if a.chat == nil || !a.isRoom(a.chat.peer) {
		return
	}
	if items := a.occupantMenuItems(a.chat.peer, nick); len(items) > 0 {
		widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), a.win.Canvas(), at)
	}
}

// confirmKick asks before removing nick from room, with a reason.
func (a *Pane) confirmKick(room, nick string) {
	a.askReason("Remove "+nick+" from the room?",
		nick+" is removed from the room now and told why (if you say). They can come back; Ban keeps them out.",
		"Remove", func(reason string) { a.setRole(room, nick, "none", reason) })
}

// confirmBan asks before banning nick from room, with a reason.
func (a *Pane) confirmBan(room, nick string) {
	a.askReason("Ban "+nick+"?",
		nick+" is removed from the room and cannot come back (by their address, whatever nickname they take) until an admin lifts the ban.",
		"Ban", func(reason string) { a.setAffiliation(room, nick, "outcast", reason) })
}

// confirmDestroy asks the owner before ending room for everyone.
func (a *Pane) confirmDestroy(room string) {
	a.askReason("Destroy "+room+"?",
		"Everyone is removed and the room ends for good; it is taken off your rooms. Its history stays on this computer.",
		"Destroy", func(reason string) {
			ra := a.roomAdmin()
			a.async(func() {
				err := ra.DestroyRoom(a.ctx, room, reason)
				a.do(func() {
					if err != nil {
						showError(a.win, err, nil)
						return
					}
					delete(a.rooms, room)
					a.closeChat(room)
					a.reloadContacts()
				})
			})
		})
}

// askReason asks to confirm what text says, with an optional reason
// shown to the room; do names the button.
func (a *Pane) askReason(title, text, do string, then func(reason string)) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	why := newDialogEntry()
	why.SetPlaceHolder("optional; shown to the room")
	d := dialog.NewForm(title, do, "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem("Reason", why)},
		func(ok bool) {
			if ok {
				then(why.Text)
			}
		}, a.win)
	d.Resize(fyne.NewSize(fyne.Min(480, a.win.Canvas().Size().Width-2*theme.Padding()), d.MinSize().Height))
	showForm(a.win, d, why)
}

// setRole and setAffiliation ask the room off the UI goroutine; the
// room's presence shows what changed, an error is shown.
func (a *Pane) setRole(room, nick, role, reason string) {
	a.askRoom(func(ra RoomAdmin) error { return ra.SetRoomRole(a.ctx, room, nick, role, reason) })
}

func (a *Pane) setAffiliation(room, nick, aff, reason string) {
	a.askRoom(func(ra RoomAdmin) error { return ra.SetRoomAffiliation(a.ctx, room, nick, aff, reason) })
}

func (a *Pane) askRoom(change func(RoomAdmin) error) {
	ra := a.roomAdmin()
	a.async(func() {
		if err := change(ra); err != nil {
			a.do(func() { showError(a.win, err, nil) })
		}
	})
}
