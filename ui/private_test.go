package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// A click on someone in a room's People opens a private chat with
// room/nick, named "nick (in room)" and said to be unencrypted, without
// the contact's or stranger's tools; what is typed there goes to
// room/nick. A private message received from an occupant is listed under
// the same name, never in the room's own chat.
func TestRoomPrivateChat(t *testing.T) {
	rb := newRooms()
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "ann"} {
		a.OnOccupant(lounge, n, false)
	}
	mustShow(t, a, "2 people here", "ann")
	a.occupantPicked(slices.Index(a.room(lounge).occupants, "me"))
	if a.chat.peer != lounge {
		t.Fatalf("picking ourselves opened %q", a.chat.peer)
	}
	a.occupantPicked(slices.Index(a.room(lounge).occupants, "ann"))
	ann := lounge + "/ann"
	if a.chat == nil || a.chat.peer != ann {
		t.Fatalf("the open chat: %+v, want %s", a.chat, ann)
	}
	mustShow(t, a, "ann (in lounge) — private, not encrypted")
	mustNotShow(t, a, "Add to contacts", "Block", "Remove", "Leave", "People")
	test.Type(a.composer, "just you")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(rb.sent, []string{"just you"}) || len(rb.group) != 0 {
		t.Fatalf("sent %q, said in rooms %q", rb.sent, rb.group)
	}

	// Ann's answer, and a private message from someone else.
	a.OnMessage(Message{Key: "p1", Peer: ann, Body: "ok", Time: time.Now(), State: Received})
	mustShow(t, a, "ok")
	a.OnMessage(Message{Key: "p2", Peer: lounge + "/zoe", Body: "hi from zoe", Time: time.Now(), State: Received})
	mustShow(t, a, "zoe (in lounge)")
	selectContact(t, a, lounge)
	mustNotShowInChat(t, a, "hi from zoe", "just you")
}
