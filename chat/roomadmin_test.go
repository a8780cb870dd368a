package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// What the room and the CLI say of a removal, ours and others' (on one
// line; the CLI escapes control characters when it prints: termText).
func TestRemovalText(t *testing.T) {
	for _, tc := range []struct {
		o    xmppclient.Occupant
		want string
	}{
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.Kicked, Actor: "bob", Reason: "wrong room"}, "You were removed from the room by bob: wrong room."},
		{xmppclient.Occupant{Nick: "carol", Removed: xmppclient.Banned, Actor: "alice", Reason: "enough!"}, "carol was banned from the room by alice: enough!"},
		{xmppclient.Occupant{Nick: "carol", Removed: xmppclient.Kicked, Reason: "spam."}, "carol was removed from the room: spam."},
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.MembershipLost}, "You were removed: the room is for members only, and you are no longer a member."},
		{xmppclient.Occupant{Nick: "dan", Removed: xmppclient.MembersOnly}, "dan was removed: the room is now for members only."},
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.Destroyed, Reason: "moving on", Venue: jid.MustParse("new@muc.example.org")},
			"The room was closed for good by its owner: moving on. It goes on at new@muc.example.org."},
		{xmppclient.Occupant{Nick: "eve", Removed: xmppclient.Kicked, Actor: "x\x1b[31m", Reason: "a\nb"}, "eve was removed from the room by x\x1b[31m: a b."},
		{xmppclient.Occupant{Nick: "eve", Left: true}, ""},
	} {
		if got := RemovalText(tc.o); got != tc.want {
			t.Errorf("RemovalText(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}

// A bookmarked room that banned us is not entered at the next login, and
// the session says why (RoomNotEntered, which the window shows in the
// room's view as "Could not enter the room: …"). Prosody 0.12 with
// XEP-0402 bookmarks; bob owns the room.
func TestBannedRoomNotEnteredAtLogin(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"),
		prosodytest.Config(`Component "muc.clove.test" "muc"`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	login := func(ctx context.Context, p *Profile, a store.Account, pw string) *Session {
		t.Helper()
		s, err := p.Session(a, pw, Options{Rooms: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Start(ctx)
		if err := s.WaitOnline(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	pb, ab := testAccount(t, srv, "bob")
	bob := login(ctx, pb, ab, "bob-pw")
	go func() {
		for range bob.Events() {
		}
	}()
	room := "lounge@muc.clove.test"
	if err := bob.JoinRoom(ctx, room, "bob", true); err != nil {
		t.Fatal(err)
	}

	pa, aa := testAccount(t, srv, "alice")
	first, stop := context.WithCancel(ctx)
	alice := login(first, pa, aa, "alice-pw")
	go func() {
		for range alice.Events() {
		}
	}()
	if err := alice.JoinRoom(first, room, "alice", false); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	if err := bob.SetRoomAffiliation(ctx, room, aa.JID, "outcast", "go away"); err != nil {
		t.Fatal(err)
	}
	stop()
	_ = alice.Wait()

	again := login(ctx, pa, aa, "alice-pw")
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-again.Events():
			if ne, ok := ev.(RoomNotEntered); ok {
				if ne.Room.String() != room || !strings.Contains(ne.Err.Error(), "banned") {
					t.Fatalf("not entered: %s: %v", ne.Room, ne.Err)
				}
				t.Logf("at the login after the ban: %s: %v", ne.Room, ne.Err)
				return
			}
			if j, ok := clientEvent(ev).(xmppclient.RoomJoined); ok && j.Room.String() == room {
				t.Fatal("the banned room was entered at login")
			}
		case <-deadline:
			t.Fatal("no RoomNotEntered for the room that banned us")
		}
	}
}
