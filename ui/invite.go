package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Room invitations: Invite… in a room's header, and an invitation
// received shown above the roster (with the subscription requests) with
// Join and Decline. Nothing joins without the user's Join, whoever
// invites; someone not in the roster is said to be so (as Gajim does).

// Invitation is an invitation to a room as the window shows it.
type Invitation struct {
	Room     string
	From     string // the inviter's address (room/nick in a semi-anonymous room)
	Reason   string
	Password string
	// Mediated: it came through the room, so Decline tells the inviter.
	Mediated bool
}

// InviteBackend is what a Backend that can invite to rooms and answer
// invitations offers the window. Its methods are called off the UI
// goroutine and may block.
type InviteBackend interface {
	// Invite invites who (name@server) to room, with an optional reason:
	// directly, or through the room (viaRoom: what a members-only room
	// needs, the room then lets them in).
	Invite(ctx context.Context, room, who, reason string, viaRoom bool) error
	// AcceptInvitation joins the room and keeps it (bookmarked).
	AcceptInvitation(ctx context.Context, inv Invitation) error
	// DeclineInvitation drops it, telling the inviter if it was mediated.
	DeclineInvitation(ctx context.Context, inv Invitation) error
}

func (a *Pane) inviteBackend() InviteBackend {
	b, _ := a.backend.(InviteBackend)
	return b
}

// maxRequestRows bounds what is shown above the roster: a flood of
// invitations (to ever new rooms) must not grow the window without end;
// past it, more wait until some are answered (and are lost, as unanswered).
const maxRequestRows = 10

// inviteKey is an invitation's key among the rows above the roster (a
// space never appears in an address).
func inviteKey(room string) string { return "invite " + room }

// OnInvitation shows an invitation to a room, with Join and Decline.
// Safe from any goroutine.
func (a *Pane) OnInvitation(inv Invitation) {
	a.do(func() { a.addInvitation(inv) })
}

// isContact reports whether addr is in the roster (not a room, not a
// stranger who only wrote).
func (a *Pane) isContact(addr string) bool {
	it := a.byJID[addr]
	return it != nil && !it.Room && !it.Stranger
}

func (a *Pane) addInvitation(inv Invitation) {
	key := inviteKey(inv.Room)
	if a.requestRows[key] != nil || a.inviteBackend() == nil || len(a.requestRows) >= maxRequestRows {
		return
	}
	if r := a.rooms[inv.Room]; r != nil && r.joined {
		return // there already
	}
	from := inv.From
	if it := a.byJID[from]; it != nil && it.Name != "" {
		from = it.Name
	}
	who := widget.NewLabel(fmt.Sprintf("%s invites you to %s", from, inv.Room))
	who.TextStyle = fyne.TextStyle{Bold: true}
	who.Wrapping = fyne.TextWrapWord
	lines := []fyne.CanvasObject{who}
	if inv.Reason != "" {
		r := widget.NewLabel("“" + strings.Join(strings.Fields(inv.Reason), " ") + "”")
		r.Wrapping = fyne.TextWrapWord
		lines = append(lines, r)
	}
	if inv.Password != "" {
		lines = append(lines, widget.NewLabel("Password: "+inv.Password))
	}
	if !a.isContact(inv.From) {
		lines = append(lines, widget.NewLabel("Not in your contacts"))
	}
	join := widget.NewButton("Join", func() { a.answerInvitation(inv, true) })
	join.Importance = widget.HighImportance
	decline := widget.NewButton("Decline", func() { a.answerInvitation(inv, false) })
	lines = append(lines, container.NewHBox(join, decline), widget.NewSeparator())
	row := container.NewVBox(lines...)
	a.requestRows[key] = row
	a.requests.Add(row)
	a.requests.Show()
	a.left.Refresh()
}

// answerInvitation joins (and opens the room) or declines; the row stays
// until that worked (an error is shown, and the user may try again).
func (a *Pane) answerInvitation(inv Invitation, join bool) {
	ib := a.inviteBackend()
	var wait dialog.Dialog
	if join {
		wait = dialog.NewCustomWithoutButtons("Joining "+inv.Room+"…", widget.NewProgressBarInfinite(), a.win)
		wait.Show()
	}
	a.async(func() {
		var err error
		if join {
			err = ib.AcceptInvitation(a.ctx, inv)
		} else {
			err = ib.DeclineInvitation(a.ctx, inv)
		}
		a.do(func() {
			if wait != nil {
				wait.Hide()
			}
			if err != nil {
				showError(a.win, fmt.Errorf("answering the invitation to %s: %w", inv.Room, err), nil)
				return
			}
			a.removeRequestRow(inviteKey(inv.Room))
			if join {
				a.openNext = inv.Room // opened once the roster has it
				a.reloadContacts()
			}
		})
	})
}

// removeRequestRow takes a row from above the roster.
func (a *Pane) removeRequestRow(key string) {
	if row := a.requestRows[key]; row != nil {
		a.requests.Remove(row)
		delete(a.requestRows, key)
	}
	if len(a.requestRows) == 0 {
		a.requests.Hide()
	}
	a.left.Refresh()
}

// showInvite asks whom to invite to the open room (a contact picked, or
// an address typed) and why, then invites; after an error the dialog
// comes back with what was typed.
func (a *Pane) showInvite(room, who, reason string, viaRoom bool) {
	addr := newDialogEntry()
	addr.SetPlaceHolder("name@server")
	addr.SetText(who)
	var people []string
	for _, it := range a.contacts {
		if !it.Room && !it.Stranger {
			people = append(people, it.JID)
		}
	}
	pick := newDialogSelect(people, func(s string) { addr.SetText(s) })
	pick.PlaceHolder = "Pick a contact"
	why := newDialogEntry()
	why.SetPlaceHolder("optional")
	why.SetText(reason)
	via := newDialogCheck("Through the room (members-only)", nil) // short: it fits a 420 px window
	via.SetChecked(viaRoom)
	items := []*widget.FormItem{widget.NewFormItem("Contact", pick), widget.NewFormItem("Address", addr), widget.NewFormItem("Reason", why), widget.NewFormItem("", via)}
	if len(people) == 0 {
		items = items[1:]
	}
	d := dialog.NewForm("Invite to "+room, "Invite", "Cancel", items, func(ok bool) {
		if ok {
			a.invite(room, strings.TrimSpace(addr.Text), strings.TrimSpace(why.Text), via.Checked)
		}
	}, a.win)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	showForm(a.win, d, addr, why)
}

func (a *Pane) invite(room, who, reason string, viaRoom bool) {
	ib := a.inviteBackend()
	a.async(func() {
		err := ib.Invite(a.ctx, room, who, reason, viaRoom)
		a.do(func() {
			if err != nil {
				a.showErrorThen(err, func() { a.showInvite(room, who, reason, viaRoom) })
				return
			}
			a.addNote(room, fmt.Sprintf("Invited %s.", who))
		})
	})
}

// OnRoomNotice says text in room's view (not kept in the history): the
// room was rejoined after it had dropped us. Safe from any goroutine.
func (a *Pane) OnRoomNotice(room, text string) {
	a.do(func() { a.addNote(room, text) })
}

// addNote adds one of Clove's notices to peer's chat (shown now if it is
// open, else when it is opened; the last 20 are kept).
func (a *Pane) addNote(peer, text string) {
	n := Message{Peer: peer, Notice: true, Time: time.Now(), Body: text}
	a.notes[peer] = append(a.notes[peer], n)
	if len(a.notes[peer]) > 20 {
		a.notes[peer] = a.notes[peer][1:]
	}
	if ch := a.chat; ch != nil && ch.peer == peer {
		ch.msgs = append(ch.msgs, n)
		a.setHeights(len(ch.msgs) - 1)
		a.msgList.Refresh()
		a.msgList.ScrollToBottom()
	}
}

// openJoined opens the chat of openNext once the roster has it.
func (a *Pane) openJoined() {
	peer := a.openNext
	if peer == "" || a.byJID[peer] == nil {
		return
	}
	a.openNext = ""
	for i, c := range a.shown {
		if c.JID == peer {
			a.roster.Select(i)
			return
		}
	}
}
