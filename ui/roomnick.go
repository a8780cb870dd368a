package ui

import (
	"context"
	"fmt"
)

// Changing our nickname in a room (XEP-0045 §7.6): "Change nickname…" in
// a room's ⋮ menu asks for the new one. The room's answer comes as events:
// OnRoomJoined with the new nick and the notice "You are now known as
// new (were old)"; a refusal (the nick is taken) is shown as an error and the
// dialog comes back with what was typed.

// RoomNickBackend is a RoomBackend that can change our nickname in a room.
type RoomNickBackend interface {
	// ChangeRoomNick changes our nickname in room (which we are in) and
	// keeps it for the next joins; it returns once the room answered.
	ChangeRoomNick(ctx context.Context, room, nick string) error
}

func (a *Pane) roomNickBackend() RoomNickBackend {
	b, _ := a.backend.(RoomNickBackend)
	return b
}

// showChangeNick asks for a new nickname in room, filled with nick.
func (a *Pane) showChangeNick(room, nick string) {
	nickDialog{title: "Change nickname", confirm: "Change", submit: a.changeNick}.show(a.win, room, nick)
}

// changeNick asks the room for nick; on an error the dialog comes back
// with it, after the error is shown.
func (a *Pane) changeNick(room, nick string) {
	b := a.roomNickBackend()
	if b == nil || nick == a.room(room).nick {
		return
	}
	a.async(func() {
		err := b.ChangeRoomNick(a.ctx, room, nick)
		a.do(func() {
			if err != nil {
				a.showErrorThen(fmt.Errorf("changing your nickname: %w", err), func() { a.showChangeNick(room, nick) })
			}
		})
	})
}
