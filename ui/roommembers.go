package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// A room's member list (XEP-0045 §7.11): "Members…" in a room's ⋮ menu
// shows its owners, admins and members, read-only, as far as the room
// shows them; a room that shows us none says so in one line.

// RoomMember is one entry of a room's member list.
type RoomMember struct {
	JID         string
	Affiliation string // owner, admin, member
	Nick        string // registered with the room, if any
}

// RoomMembersBackend is a Backend that can read a room's member list.
type RoomMembersBackend interface {
	RoomMembers(ctx context.Context, room string) ([]RoomMember, error)
}

func (a *Pane) roomMembersBackend() RoomMembersBackend {
	b, _ := a.backend.(RoomMembersBackend)
	return b
}

// showRoomMembers asks for room's member list and shows it.
func (a *Pane) showRoomMembers(room string) {
	b := a.roomMembersBackend()
	a.async(func() {
		ms, err := b.RoomMembers(a.ctx, room)
		a.do(func() {
			if err != nil {
				showError(a.win, err, nil) // it names the room
				return
			}
			a.membersDialog(room, ms)
		})
	})
}

// membersDialog lists ms: "Owner  alice@server (Ally)", one a row.
func (a *Pane) membersDialog(room string, ms []RoomMember) {
	rows := container.New(layout.NewFormLayout()) // the words aligned
	for _, m := range ms {
		line := m.JID
		if m.Nick != "" {
			line += " (" + m.Nick + ")"
		}
		role := widget.NewLabel(affiliationWord(m.Affiliation))
		role.TextStyle = fyne.TextStyle{Bold: true}
		rows.Add(role)
		rows.Add(widget.NewLabel(line))
	}
	var content fyne.CanvasObject = rows
	if len(ms) == 0 {
		content = widget.NewLabel("No one is a member.")
	}
	list := container.NewVScroll(content)
	list.SetMinSize(fyne.NewSize(420, min(float32(max(len(ms), 1))*40, 320)))
	showDialog(a.win, dialog.NewCustom("Members of "+room, "Close", list, a.win))
}

// affiliationWord is an affiliation as the list shows it.
func affiliationWord(aff string) string {
	switch aff {
	case "owner":
		return "Owner"
	case "admin":
		return "Admin"
	case "member":
		return "Member"
	}
	return aff
}
