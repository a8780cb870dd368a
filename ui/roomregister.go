package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/dialog"
)

// Registering with a room (XEP-0045 §7.10): "Register nickname…" in a
// room's right-click menu in the roster and in its header's ⋮ menu
// asks for the nick, filled with ours there; the room's answer is shown in
// one line. Later joins without a nick take the registered one (§7.12).

// RoomRegisterBackend is a RoomBackend that can register a nick with a
// room.
type RoomRegisterBackend interface {
	// RegisterWithRoom registers nick with room and returns the line to
	// show ("Registered as … in …", or that we were already registered).
	RegisterWithRoom(ctx context.Context, room, nick string) (string, error)
}

func (a *Pane) roomRegisterBackend() RoomRegisterBackend {
	b, _ := a.backend.(RoomRegisterBackend)
	return b
}

// showRegisterNick asks for the nickname to register with room, filled
// with nick.
func (a *Pane) showRegisterNick(room, nick string) {
	nickDialog{title: "Register a nickname", confirm: "Register", submit: a.registerNick}.show(a.win, room, nick)
}

// registerNick asks the room; its answer is shown, and on an error the
// dialog comes back with what was typed.
func (a *Pane) registerNick(room, nick string) {
	b := a.roomRegisterBackend()
	if b == nil {
		return
	}
	a.async(func() {
		said, err := b.RegisterWithRoom(a.ctx, room, nick)
		a.do(func() {
			if err != nil {
				a.showErrorThen(fmt.Errorf("registering your nickname: %w", err), func() { a.showRegisterNick(room, nick) })
				return
			}
			dialog.ShowInformation("Nickname registered", said, a.win)
		})
	})
}
