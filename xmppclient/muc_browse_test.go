package xmppclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// publicRooms is a MUC component whose new rooms are public: prosody
// 0.12 makes them hidden (muc_room_default_public = false), and a hidden
// room is not listed in the service's disco#items.
const publicRooms = `Component "muc.clove.test" "muc"
    muc_room_default_public = true`

// Discovering rooms (XEP-0045 §6.1–6.4) on a real prosody with a MUC
// component: the service is found among the server's items, its public
// rooms are listed with their occupant counts, and what is not a service
// gets an empty list or one clear error.
func TestRoomBrowse(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(publicRooms))
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	lounge, tea := jid.MustParse("lounge@muc.clove.test"), jid.MustParse("tea@muc.clove.test")
	for _, r := range []jid.JID{lounge, tea} {
		if err := a.c.JoinRoom(ctx, r, "alice", xmppclient.JoinOptions{}); err != nil {
			t.Fatalf("creating %s: %v", r, err)
		}
	}
	if err := b.c.JoinRoom(ctx, lounge, "bob", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	svcs, err := b.c.RoomServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 1 || svcs[0].String() != "muc.clove.test" {
		t.Fatalf("services: %v, want [muc.clove.test]", svcs)
	}
	rooms, err := b.c.ListRooms(ctx, svcs[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("services and %d rooms in %s: %+v", len(rooms), time.Since(start).Round(time.Millisecond), rooms)
	got := map[string]int{}
	for _, r := range rooms {
		got[r.JID.String()] = r.Occupants
	}
	want := map[string]int{lounge.String(): 2, tea.String(): 1}
	if len(got) != len(want) {
		t.Fatalf("rooms: %v, want %v", got, want)
	}
	for r, n := range want {
		if got[r] != n {
			t.Errorf("%s: %d occupants listed, want %d", r, got[r], n)
		}
	}

	// The server itself lists components, not rooms: an empty list.
	if rooms, err := b.c.ListRooms(ctx, jid.MustParse(srv.Domain)); err != nil || len(rooms) != 0 {
		t.Errorf("rooms of the server itself: %v, %v; want none", rooms, err)
	}
	// A room address is not a service.
	if _, err := b.c.ListRooms(ctx, lounge); err == nil {
		t.Error("listing the rooms of a room: no error")
	}
}
