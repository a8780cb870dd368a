package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// A room's subject (XEP-0045 §8.1): shown under the room's title
// (OnRoomSubject); a change while we are in the room is said in it ("bob
// changed the subject to: …"), as Gajim and Dino say it; "Change
// subject…" in the ⋮ menu of a room where we may — a moderator, or a
// participant where the room lets everyone (its disco#info at our join
// says so) — asks for the new one, filled with the current; an empty one
// removes it.

// RoomSubjectBackend is a Backend that can set a room's subject.
type RoomSubjectBackend interface {
	// SetRoomSubject sets room's subject ("" removes it) and returns once
	// the room has it, or refused.
	SetRoomSubject(ctx context.Context, room, subject string) error
}

func (a *Pane) roomSubjectBackend() RoomSubjectBackend {
	b, _ := a.backend.(RoomSubjectBackend)
	return b
}

// subjectMenuItems is "Change subject…" for the room, where we may: a
// moderator, or a participant where the room lets everyone.
func (a *Pane) subjectMenuItems(room string) []*fyne.MenuItem {
	r := a.room(room)
	may := r.self.role == "moderator" || r.self.role == "participant" && r.subjectOpen
	if a.roomSubjectBackend() == nil || !r.joined || !may {
		return nil
	}
	return []*fyne.MenuItem{fyne.NewMenuItem("Change subject…", func() { a.showChangeSubject(room, a.room(room).subject) })}
}

// showChangeSubject asks for room's subject, filled with subject.
func (a *Pane) showChangeSubject(room, subject string) {
	e := newDialogEntry()
	e.SetText(subject)
	e.SetPlaceHolder("empty: no subject")
	d := dialog.NewForm("Change subject", "Change", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Subject of "+room, e)},
		func(ok bool) {
			if ok {
				a.changeSubject(room, strings.Join(strings.Fields(e.Text), " "))
			}
		}, a.win)
	d.Resize(fyne.NewSize(520, d.MinSize().Height))
	showForm(a.win, d, e)
}

// changeSubject asks the room; after an error (shown) the dialog comes
// back with what was typed.
func (a *Pane) changeSubject(room, subject string) {
	b := a.roomSubjectBackend()
	if subject == a.room(room).subject {
		return
	}
	a.async(func() {
		err := b.SetRoomSubject(a.ctx, room, subject)
		a.do(func() {
			if err != nil {
				a.showErrorThen(fmt.Errorf("changing the subject: %w", err), func() { a.showChangeSubject(room, subject) })
			}
		})
	})
}

// OnSubjectOpen tells, at our join of room, whether every participant may
// change its subject. Safe from any goroutine.
func (a *Pane) OnSubjectOpen(room string, open bool) {
	a.do(func() { a.room(room).subjectOpen = open })
}

// OnSubjectChanged says in room that nick (self: we) changed its subject
// while we were there. Safe from any goroutine.
func (a *Pane) OnSubjectChanged(room, nick, subject string, self bool) {
	a.do(func() {
		who := nick
		if self {
			who = "You"
		}
		switch subject = strings.Join(strings.Fields(subject), " "); {
		case who == "" && subject == "":
			a.addNote(room, "The subject was removed.")
		case who == "":
			a.addNote(room, "The subject is now: "+subject)
		case subject == "":
			a.addNote(room, who+" removed the subject.")
		default:
			a.addNote(room, who+" changed the subject to: "+subject)
		}
	})
}
