package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestRooms(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	lounge := Room{Account: "me@example.org", JID: "lounge@muc.example.org", Name: "Lounge", Nick: "me", Autojoin: true}
	dev := Room{Account: "me@example.org", JID: "dev@muc.example.org"}
	theirs := Room{Account: "other@example.org", JID: "x@muc.example.org"}
	for _, r := range []Room{lounge, dev, theirs} {
		if err := s.PutRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	dev2 := dev
	dev2.Nick, dev2.Autojoin = "Mé ✓", true
	if err := s.PutRoom(ctx, dev2); err != nil { // replace
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		do      func() error
		account string
		want    []Room
	}{
		{"sorted by JID", nil, "me@example.org", []Room{dev2, lounge}},
		{"other account", nil, "other@example.org", []Room{theirs}},
		{"unknown account", nil, "nobody@example.org", nil},
		{"remove", func() error { return s.RemoveRoom(ctx, "me@example.org", dev.JID) }, "me@example.org", []Room{lounge}},
		{"remove again", func() error { return s.RemoveRoom(ctx, "me@example.org", dev.JID) }, "me@example.org", []Room{lounge}},
		{"set replaces all", func() error { return s.SetRooms(ctx, "me@example.org", []Room{dev}) }, "me@example.org", []Room{dev}},
		{"set leaves other accounts", nil, "other@example.org", []Room{theirs}},
		{"set to none", func() error { return s.SetRooms(ctx, "me@example.org", nil) }, "me@example.org", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.do != nil {
				if err := tc.do(); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Rooms(ctx, tc.account)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Rooms = %+v\nwant    %+v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"unknown account", s.PutRoom(ctx, Room{Account: "nobody@example.org", JID: "x@muc"}), ErrNotFound},
		{"no JID", s.PutRoom(ctx, Room{Account: "me@example.org"}), ErrInvalid},
		{"set with a room of another account", s.SetRooms(ctx, "me@example.org", []Room{theirs}), ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if got, _ := s.Rooms(ctx, "other@example.org"); !reflect.DeepEqual(got, []Room{theirs}) {
		t.Errorf("a refused SetRooms changed rooms: %+v", got)
	}
}

func TestLastTime(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org")
	const room = "lounge@muc.example.org"
	if got, err := s.LastTime(ctx, "me@example.org", room); err != nil || !got.IsZero() {
		t.Fatalf("empty: %v %v", got, err)
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i, who := range []string{"ann", "bo"} {
		m := &Message{Account: "me@example.org", Peer: room, From: room + "/" + who, To: "me@example.org", Body: "hi", OriginID: who, Time: t0.Add(time.Duration(i) * time.Minute)}
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LastTime(ctx, "me@example.org", room)
	if err != nil || !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("LastTime = %v, %v; want %v", got, err, t0.Add(time.Minute))
	}
}

// LastRoomStanzaID is the room's own id of the newest room message that
// has one: the room's archive is read after it. Messages without one (ours
// not yet reflected), from the bare room, of another room or another
// account do not count.
func TestLastRoomStanzaID(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	const room = "lounge@muc.example.org"
	add := func(account, peer, from, origin, sid string) {
		t.Helper()
		if _, err := s.AddIncoming(ctx, &Message{Account: account, Peer: peer, From: from, Body: "x", OriginID: origin, StanzaID: sid}); err != nil {
			t.Fatal(err)
		}
	}
	last := func(account, peer string) string {
		t.Helper()
		id, err := s.LastRoomStanzaID(ctx, account, peer)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := last("me@example.org", room); got != "" {
		t.Fatalf("no messages: %q", got)
	}
	add("me@example.org", room, room+"/ann", "o1", "s1")
	add("me@example.org", room, room+"/me", "o2", "") // ours, not reflected yet
	add("me@example.org", room, room, "o3", "s3")     // from the bare room
	add("me@example.org", "dev@muc.example.org", "dev@muc.example.org/ann", "o4", "s4")
	add("other@example.org", room, room+"/ann", "o5", "s5")
	for _, tc := range []struct{ account, peer, want string }{
		{"me@example.org", room, "s1"},
		{"me@example.org", "dev@muc.example.org", "s4"},
		{"other@example.org", room, "s5"},
		{"me@example.org", "nowhere@muc.example.org", ""},
	} {
		if got := last(tc.account, tc.peer); got != tc.want {
			t.Errorf("%s in %s: %q, want %q", tc.account, tc.peer, got, tc.want)
		}
	}
}
