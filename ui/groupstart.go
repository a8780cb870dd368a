package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Turning a chat into a room (XEP-0045 §7.9): "Start group chat…" in a
// contact's ⋮ menu asks whom to invite besides them (contacts ticked,
// other addresses typed), then makes a private room, invites them and
// opens it, as Gajim's "Invite to group chat" and Dino's "Start group
// chat with…" do.

// GroupStarter is a Backend that can turn a chat into a room.
type GroupStarter interface {
	// StartGroupChat makes a new private room, enters and keeps it,
	// invites the addresses in with and returns the room's address.
	StartGroupChat(ctx context.Context, with []string) (string, error)
}

func (a *Pane) groupStarter() GroupStarter {
	b, _ := a.backend.(GroupStarter)
	return b
}

// groupStartItems is the ⋮ menu's first item in a contact's chat, Start
// group chat… (none for a stranger's or a private chat in a room); the
// contact's own items follow it (peerMenuItems).
func (a *Pane) groupStartItems(peer string) []*fyne.MenuItem {
	it := a.byJID[peer]
	if a.groupStarter() == nil || it == nil || it.Stranger || isPrivatePeer(peer) {
		return nil
	}
	return []*fyne.MenuItem{fyne.NewMenuItem("Start group chat…", func() { a.showStartGroup(peer, []string{peer}, "") })}
}

// showStartGroup asks whom to invite to a new room with peer: the
// contacts ticked (ticked: those picked before) and addresses typed.
func (a *Pane) showStartGroup(peer string, ticked []string, typed string) {
	var people []string
	for _, it := range a.contacts {
		if !it.Room && !it.Stranger && !isPrivatePeer(it.JID) {
			people = append(people, it.JID)
		}
	}
	pick := widget.NewCheckGroup(people, nil)
	pick.SetSelected(ticked)
	list := container.NewVScroll(pick)
	list.SetMinSize(fyne.NewSize(380, min(float32(len(people))*36, 216)))
	more := newDialogEntry()
	more.SetPlaceHolder("other addresses, separated by spaces")
	more.SetText(typed)
	d := dialog.NewForm("Start a group chat", "Start", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Invite", list), widget.NewFormItem("Also", more)},
		func(ok bool) {
			if !ok {
				return
			}
			with := append(append([]string(nil), pick.Selected...), strings.Fields(more.Text)...)
			a.startGroup(peer, pick.Selected, more.Text, with)
		}, a.win)
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	showForm(a.win, d, more)
}

// startGroup makes the room and opens it; on an error the dialog comes
// back with what was chosen.
func (a *Pane) startGroup(peer string, ticked []string, typed string, with []string) {
	gs := a.groupStarter()
	wait := dialog.NewCustomWithoutButtons("Making a room…", widget.NewProgressBarInfinite(), a.win)
	wait.Show()
	a.async(func() {
		room, err := gs.StartGroupChat(a.ctx, with)
		a.do(func() {
			wait.Hide()
			if room != "" {
				a.addNote(room, fmt.Sprintf("Invited %s.", strings.Join(with, ", ")))
				a.openNext = room // opened once the roster has it
				a.reloadContacts()
			}
			if err != nil {
				a.showErrorThen(err, func() {
					if room == "" {
						a.showStartGroup(peer, ticked, typed)
					}
				})
			}
		})
	})
}
