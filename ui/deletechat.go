package ui

import (
	"context"
	"fmt"
	"time"
)

// ChatDeleter is what a Backend that can delete a chat's history offers.
// DeleteChat is called off the UI goroutine; it deletes the history with
// peer from this computer (messages still to be sent stay) and says how
// many messages went.
type ChatDeleter interface {
	DeleteChat(ctx context.Context, peer string) (int64, error)
}

func (a *Pane) chatDeleter() ChatDeleter {
	d, _ := a.backend.(ChatDeleter)
	return d
}

// confirmDeleteChat asks before deleting peer's history, saying what goes
// and what does not (the other side's copies, the server's archive).
func (a *Pane) confirmDeleteChat(peer string) {
	name := peer
	if it := a.byJID[peer]; it != nil {
		name = it.Label()
	}
	where := name + "'s devices and your server's archive keep their copies."
	if a.isRoom(peer) {
		where = "The room and your server may keep theirs: the room's recent messages can come back when it is joined again."
	}
	showConfirm(a.win, "Delete history",
		fmt.Sprintf("Delete your history with %s from this computer? Its messages are erased from Clove's profile and its search; messages waiting to be sent stay. %s", name, where),
		"Delete", func(ok bool) {
			if ok {
				a.deleteChat(peer)
			}
		})
}

// deleteChat deletes peer's history and shows the chat again with what is
// left (the messages waiting to be sent) and a note of what went.
func (a *Pane) deleteChat(peer string) {
	d := a.chatDeleter()
	if d == nil {
		return
	}
	a.async(func() {
		n, err := d.DeleteChat(a.ctx, peer)
		a.do(func() {
			if err != nil {
				showError(a.win, fmt.Errorf("deleting the history: %w", err), nil)
				return
			}
			what := "1 message"
			if n != 1 {
				what = fmt.Sprintf("%d messages", n)
			}
			// The chat's notes go with its history; this one is shown
			// once the chat's page is in again (showNotes), not before
			// too (it was listed twice).
			a.notes[peer] = []Message{{Peer: peer, Notice: true, Time: time.Now(), Body: "Deleted " + what + " from this computer's history."}}
			delete(a.lasts, peer) // its row shows the name alone
			if a.chat != nil && a.chat.peer == peer {
				a.closeChat(peer)
				a.selectChat(peer)
			}
			a.reloadContacts() // a stranger without history is listed no more
		})
	})
}
