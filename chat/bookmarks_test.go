package chat

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A room bookmarked (with autojoin) on another device of the account
// appears in this profile and is entered; removed there, it is left and
// forgotten here. Prosody 0.12 with mod_bookmarks (XEP-0402) and a MUC.
func TestBookmarkFromAnotherDevice(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"),
		prosodytest.Config(`Component "muc.clove.test" "muc"`))
	srv.CreateUser(t, "alice", "alice-pw")
	p1, a1 := testAccount(t, srv, "alice")
	p2, a2 := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s1, err := p1.Session(a1, "alice-pw", Options{Rooms: true})
	if err != nil {
		t.Fatal(err)
	}
	s1.Start(ctx)
	s2, err := p2.Session(a2, "alice-pw", Options{Rooms: true})
	if err != nil {
		t.Fatal(err)
	}
	s2.Start(ctx)
	if err := s1.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s2.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	joined := make(chan string, 4)
	left := make(chan string, 4)
	go func() {
		for ev := range s1.Events() {
			switch e := clientEvent(ev).(type) {
			case xmppclient.RoomJoined:
				joined <- e.Room.String()
			case xmppclient.BookmarkRemoved:
				left <- e.Room.String()
			}
		}
	}()
	go func() {
		for range s2.Events() {
		}
	}()
	time.Sleep(500 * time.Millisecond) // prosody learns s1's +notify from its caps
	room := "lounge@muc.clove.test"
	if err := s2.JoinRoom(ctx, room, "", true); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-joined:
		if r != room {
			t.Fatalf("joined %s", r)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the room bookmarked on the other device was not entered here")
	}
	rooms, err := p1.st.Rooms(ctx, a1.JID)
	if err != nil || len(rooms) != 1 || rooms[0].JID != room || !rooms[0].Autojoin {
		t.Fatalf("profile rooms after the bookmark: %+v, %v", rooms, err)
	}
	if err := s2.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	select {
	case <-left:
	case <-time.After(15 * time.Second):
		t.Fatal("the removal on the other device was not heard")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, in := s1.RoomNick(mustRoom(t, room))
		rooms, _ := p1.st.Rooms(ctx, a1.JID)
		if !in && len(rooms) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the removal elsewhere: still in=%v, rooms %+v", in, rooms)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustRoom(t *testing.T, s string) jid.JID {
	t.Helper()
	j, err := RoomJID(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
