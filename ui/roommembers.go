package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A room's member list (XEP-0045 §7.11): "Members…" in a room's ⋮ menu
// shows its owners, admins, members and (to an admin or owner) who is
// banned, as far as the room shows them; a room that shows us none says
// so in one line. An admin or owner edits the lists there (§9.1, §9.3,
// §9.5, §10.3–10.8), as Gajim's room manager does: Remove (or Lift ban)
// beside each entry their rank may change, and an address with what to
// make it (member, banned; an owner also admin, owner) below — one change
// at a time, each sent at once and the lists read again.

// RoomMember is one entry of a room's affiliation lists.
type RoomMember struct {
	JID         string
	Affiliation string // owner, admin, member, outcast (banned)
	Nick        string // registered with the room, if any
	Reason      string // a ban's reason, where the room keeps one
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

// membersView is the open Members dialog.
type membersView struct {
	a      *Pane
	room   string
	owner  bool            // we own the room: every list is ours to change
	edit   bool            // we are an admin or owner there (and can ask)
	lists  *fyne.Container // the sections, rebuilt after each change
	scroll *container.Scroll
	status *widget.Label // what the last change did, or why not
	d      dialog.Dialog
}

// membersDialog shows ms by list, editable when our rank allows.
func (a *Pane) membersDialog(room string, ms []RoomMember) {
	r := a.room(room)
	v := &membersView{a: a, room: room, owner: r.self.affiliation == "owner",
		edit: a.roomAdmin() != nil && r.self.admin(), lists: container.NewVBox()}
	v.scroll = container.NewVScroll(v.lists)
	v.fill(ms)
	content := []fyne.CanvasObject{v.scroll}
	var entries []*dialogEntry
	if v.edit {
		addr := newDialogEntry()
		addr.SetPlaceHolder("name@server")
		choices := []string{"Member", "Banned"}
		if v.owner {
			choices = []string{"Member", "Admin", "Owner", "Banned"}
		}
		// A ban may say why, as Gajim's does: the one banned is told it
		// (in the room's removal notice), whatever the list keeps.
		reason := newDialogEntry()
		reason.SetPlaceHolder("Reason for the ban (optional)")
		reason.Hide()
		as := widget.NewSelect(choices, func(s string) {
			if (s == "Banned") != reason.Visible() {
				reason.Hidden = s != "Banned"
				reason.Refresh()
				if v.d != nil {
					v.d.Resize(v.d.MinSize())
				}
			}
		})
		as.SetSelected("Member")
		add := func() {
			who := strings.TrimSpace(addr.Text)
			if who == "" {
				v.say("Type an address to add (name@server).", true)
				return
			}
			why := ""
			if as.Selected == "Banned" {
				why = strings.TrimSpace(reason.Text)
			}
			v.change(who, affiliationOf(as.Selected), why, func() { addr.SetText(""); reason.SetText("") })
		}
		addr.OnSubmitted = func(string) { add() }
		reason.OnSubmitted = func(string) { add() }
		v.status = widget.NewLabel("")
		v.status.Wrapping = fyne.TextWrapWord
		v.status.Hide()
		content = append(content, widget.NewSeparator(),
			container.NewBorder(nil, nil, widget.NewLabel("Add"), container.NewHBox(as, widget.NewButton("Add", add)), addr),
			reason, v.status)
		entries = append(entries, addr, reason)
		defer a.win.Canvas().Focus(addr) // type an address at once
	}
	v.d = dialog.NewCustom("Members of "+room, "Close", container.NewVBox(content...), a.win)
	showDialog(a.win, v.d, entries...)
}

// fill lays ms out by list: a heading, then one row each.
func (v *membersView) fill(ms []RoomMember) {
	v.lists.RemoveAll()
	for _, aff := range []string{"owner", "admin", "member", "outcast"} {
		var rows []fyne.CanvasObject
		for _, m := range ms {
			if m.Affiliation == aff {
				rows = append(rows, v.row(m))
			}
		}
		if len(rows) == 0 {
			continue
		}
		h := widget.NewLabel(affiliationHeading(aff))
		h.TextStyle = fyne.TextStyle{Bold: true}
		v.lists.Add(h)
		v.lists.Objects = append(v.lists.Objects, rows...)
	}
	if len(v.lists.Objects) == 0 {
		v.lists.Add(widget.NewLabel("No one is a member."))
	}
	// As tall as the lists, up to 300 (less in a low window: the title,
	// the Add row, the status line and Close take about 230 more): an entry
	// added is seen at once; 460 wide, less in a narrow window.
	c := v.a.win.Canvas().Size()
	reserved := float32(130)
	if v.edit {
		reserved = 230
	}
	w := fyne.Min(460, c.Width-6*theme.Padding())
	v.scroll.SetMinSize(fyne.NewSize(w, max(min(v.lists.MinSize().Height, 300, c.Height-reserved), 60)))
	v.lists.Refresh()
	if v.d != nil {
		v.d.Resize(v.d.MinSize())
	}
}

// row is one entry: its address (and registered nick, or a ban's
// reason), with Remove or Lift ban where our rank allows.
func (v *membersView) row(m RoomMember) fyne.CanvasObject {
	line := m.JID
	if m.Nick != "" {
		line += " (" + m.Nick + ")"
	}
	if m.Reason != "" {
		line += " — " + m.Reason
	}
	l := widget.NewLabel(line)
	l.Truncation = fyne.TextTruncateEllipsis
	// An admin changes members and bans; an owner every list (§9, §10);
	// our own entry is not offered (the last owner cannot go anyway).
	if !v.edit || m.JID == v.a.account || (!v.owner && (m.Affiliation == "owner" || m.Affiliation == "admin")) {
		return l
	}
	word := "Remove"
	if m.Affiliation == "outcast" {
		word = "Lift ban"
	}
	return container.NewBorder(nil, nil, nil, widget.NewButton(word, func() { v.change(m.JID, "none", "", nil) }), l)
}

// change makes who's affiliation aff (reason: a ban's, or ""), then reads
// the lists again; the status line says what happened. done runs after a
// success.
func (v *membersView) change(who, aff, reason string, done func()) {
	a, ra, mb := v.a, v.a.roomAdmin(), v.a.roomMembersBackend()
	v.say("Changing…", false)
	a.async(func() {
		err := ra.SetRoomAffiliation(a.ctx, v.room, who, aff, reason)
		var ms []RoomMember
		if err == nil {
			ms, err = mb.RoomMembers(a.ctx, v.room)
		}
		a.do(func() {
			if err != nil {
				v.say(err.Error(), true)
				return
			}
			v.fill(ms)
			passKeys(v.lists, nil, 0, dialogKeys{onEscape: v.d.Hide})
			v.say(affiliationDone(who, aff), false)
			if done != nil {
				done()
			}
		})
	})
}

// say shows text below the lists (bad: as an error).
func (v *membersView) say(text string, bad bool) {
	v.status.SetText(text)
	v.status.Importance = widget.MediumImportance
	if bad {
		v.status.Importance = widget.DangerImportance
	}
	v.status.Show()
	v.status.Refresh()
}

// affiliationOf is the list's word for a choice of the Add row.
func affiliationOf(choice string) string {
	if choice == "Banned" {
		return "outcast"
	}
	return strings.ToLower(choice)
}

// affiliationHeading names a list.
func affiliationHeading(aff string) string {
	switch aff {
	case "owner":
		return "Owners"
	case "admin":
		return "Admins"
	case "outcast":
		return "Banned"
	}
	return "Members"
}

// affiliationDone says what a change did.
func affiliationDone(who, aff string) string {
	switch aff {
	case "none":
		return who + " is no longer on the room's lists."
	case "outcast":
		return who + " is banned from the room."
	}
	return who + " is now " + article(aff) + " of the room."
}
