package store

import (
	"testing"
)

// TestLastMessages: each chat's newest message, newest chat first; a
// correction changes its message's text and is not a message of its own;
// another account's chats are not listed; a deleted chat is gone.
func TestLastMessages(t *testing.T) {
	ctx := t.Context()
	const other, carol, room = "other@example.org", "carol@example.org", "lounge@muc.example.org"
	s := newStoreWith(t, me, other)
	if got, err := s.LastMessages(ctx, me); err != nil || len(got) != 0 {
		t.Fatalf("no history: %v %v", got, err)
	}
	add := func(m *Message, n int) *Message {
		t.Helper()
		m.Time = at(n)
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	add(&Message{Account: me, From: you, FromFull: you + "/phone", To: me, Body: "first", OriginID: "y1"}, 1)
	add(&Message{Account: me, From: carol, FromFull: carol + "/phone", To: me, Body: "carol's", OriginID: "c1"}, 2)
	add(&Message{Account: me, Outgoing: true, From: me, To: you, Body: "se you", OriginID: "o1"}, 3)
	add(&Message{Account: me, From: room + "/bob", To: me, Peer: room, Body: "in the room", OriginID: "r1"}, 4)
	add(&Message{Account: other, From: you, FromFull: you + "/phone", To: other, Body: "to the other account", OriginID: "x1"}, 5)
	// Our correction of "se you", from another device: the text changes,
	// the chat's newest message is still that one.
	add(&Message{Account: me, Outgoing: true, From: me, To: you, Body: "see you", OriginID: "o2", Replaces: "o1"}, 6)

	got, err := s.LastMessages(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	type last struct {
		peer, body string
		outgoing   bool
	}
	var list []last
	for _, m := range got {
		list = append(list, last{m.Peer, m.Body, m.Outgoing})
	}
	want := []last{{room, "in the room", false}, {you, "see you", true}, {carol, "carol's", false}}
	if len(list) != len(want) {
		t.Fatalf("LastMessages = %+v, want %+v", list, want)
	}
	for i := range want {
		if list[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, list[i], want[i])
		}
	}
	if _, err := s.DeleteChat(ctx, me, carol); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LastMessages(ctx, me); len(got) != 2 {
		t.Errorf("after deleting carol's chat: %d chats", len(got))
	}
}
