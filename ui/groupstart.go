package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
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
	// Check boxes of the dialog's own kind: Escape from one closes the
	// dialog (a CheckGroup's boxes kept it open).
	var boxes []*dialogCheck
	var rows []fyne.CanvasObject
	for _, p := range people {
		c := newDialogCheck(p, nil)
		c.SetChecked(slices.Contains(ticked, p))
		boxes = append(boxes, c)
		rows = append(rows, c)
	}
	picked := func() []string {
		var out []string
		for i, c := range boxes {
			if c.Checked {
				out = append(out, people[i])
			}
		}
		return out
	}
	list := container.NewVScroll(container.NewVBox(rows...))
	// As wide as the addresses (the dialog gives it the rest): a fixed
	// 380 px pushed the dialog off a 420 px window.
	// Six rows at most are shown (the rest scroll), each as tall as a
	// check box and the padding between them: a guess of 36 px a row
	// left the last of two cut.
	if n := min(len(boxes), 6); n > 0 {
		rowH := boxes[0].MinSize().Height + theme.Padding()
		list.SetMinSize(fyne.NewSize(0, float32(n)*rowH-theme.Padding()))
	}
	more := newDialogEntry()
	more.SetPlaceHolder("other addresses, separated by spaces")
	more.SetText(typed)
	d := dialog.NewForm("Start a group chat", "Start", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Invite", list), widget.NewFormItem("Also", more)},
		func(ok bool) {
			if !ok {
				return
			}
			ticked := picked()
			with := append(append([]string(nil), ticked...), strings.Fields(more.Text)...)
			a.startGroup(peer, ticked, more.Text, with)
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
