package store

import (
	"errors"
	"maps"
	"testing"
)

// A displayed marker (XEP-0333) for our message reads it and every one
// of ours before it in that chat, never theirs nor another chat's; an
// older marker (the archive) takes nothing back; one naming their
// message, or nothing, is refused; deleting the chat forgets it.
func TestMarkDisplayed(t *testing.T) {
	ctx := t.Context()
	const carol = "carol@example.org"
	s := newStoreWith(t, me)
	add := func(m *Message) *Message {
		t.Helper()
		var err error
		if m.Outgoing {
			err = s.AddOutgoing(ctx, m)
		} else {
			_, err = s.AddIncoming(ctx, m)
		}
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ours := func(to, id string) *Message {
		return add(&Message{Account: me, Outgoing: true, From: me, To: to, Body: id, OriginID: id})
	}
	ours(you, "o1")
	o2 := ours(you, "o2")
	add(&Message{Account: me, From: you, To: me, Body: "theirs", OriginID: "t1"})
	ours(you, "o3")
	ours(carol, "c1")
	read := func() map[string]bool {
		t.Helper()
		h, err := s.History(ctx, me, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, m := range h {
			out[m.OriginID] = m.Read
		}
		return out
	}
	if id, err := s.MarkDisplayed(ctx, me, you, "o2"); err != nil || id != o2.ID {
		t.Fatalf("MarkDisplayed(o2) = %d, %v; want %d", id, err, o2.ID)
	}
	want := map[string]bool{"o1": true, "o2": true, "t1": false, "o3": false, "c1": false}
	if got := read(); !maps.Equal(got, want) {
		t.Errorf("after o2 read: %v, want %v", got, want)
	}
	if _, err := s.MarkDisplayed(ctx, me, you, "o3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkDisplayed(ctx, me, you, "o1"); err != nil { // older, from the archive
		t.Fatal(err)
	}
	want["o3"] = true
	if got := read(); !maps.Equal(got, want) {
		t.Errorf("after o3 and then o1: %v, want %v", got, want)
	}
	for _, tc := range []struct{ peer, id string }{{you, "t1"}, {you, "c1"}, {you, "nope"}, {carol, "o1"}} {
		if _, err := s.MarkDisplayed(ctx, me, tc.peer, tc.id); !errors.Is(err, ErrNotFound) {
			t.Errorf("MarkDisplayed(%s, %s): %v, want ErrNotFound", tc.peer, tc.id, err)
		}
	}
	if n, _ := s.ReadUpTo(ctx, me, carol); n != 0 || read()["c1"] {
		t.Errorf("carol's chat counts as read")
	}
	if _, err := s.DeleteChat(ctx, me, you); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ReadUpTo(ctx, me, you); n != 0 {
		t.Errorf("the deleted chat is still read up to %d", n)
	}
	checkIntegrity(t, s)
}
