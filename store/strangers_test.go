package store

import (
	"reflect"
	"testing"
	"time"
)

func TestStrangers(t *testing.T) {
	ctx := t.Context()
	const me, other = "me@example.org", "other@example.org"
	s := newStoreWith(t, me, other)
	if err := s.PutContact(ctx, Contact{Account: me, JID: "bob@example.org"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoom(ctx, Room{Account: me, JID: "lounge@muc.example.org"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Strangers(ctx, me); err != nil || len(got) != 0 {
		t.Fatalf("no history: %v %v", got, err)
	}
	n := 0
	add := func(account, peer string) {
		n++
		m := &Message{Account: account, Peer: peer, From: peer, To: account, Body: "hi", OriginID: string(rune('a'+n)) + peer, Time: time.Now()}
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"zed@example.net", "bob@example.org", "lounge@muc.example.org", "dave@example.org", "zed@example.net", "anna@example.com"} {
		add(me, p)
	}
	add(other, "carl@example.org")
	got, err := s.Strangers(ctx, me)
	if want := []string{"anna@example.com", "dave@example.org", "zed@example.net"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Strangers = %v, %v; want %v (not the contact, not the room, each once, not the other account's)", got, err, want)
	}
	if err := s.PutContact(ctx, Contact{Account: me, JID: "dave@example.org"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Strangers(ctx, me); len(got) != 2 {
		t.Errorf("after adding dave as a contact: %v", got)
	}
}
