package xmppclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Our own message read back from a room's archive (XEP-0313) carries the
// same keys as the live copy the room reflected: our origin-id as ID and
// the room's stanza-id as ArchiveID, Self set, so the profile stores it
// once; and the catch-up starts after AfterID.
func TestRoomArchiveOwnMessageKeepsItsIDs(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("alice online", 15*time.Second, online)
	lounge := jid.MustParse("lounge@muc.clove.test")
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	live := map[string]xmppclient.GroupMessage{}
	for _, body := range []string{"one", "mine"} {
		id, err := a.c.SendGroup(ctx, lounge, body)
		if err != nil {
			t.Fatal(err)
		}
		g := a.wait("the room's copy of "+body, 10*time.Second, func(ev xmppclient.Event) bool {
			g, ok := ev.(xmppclient.GroupMessage)
			return ok && g.Self && g.ID == id
		}).(xmppclient.GroupMessage)
		if g.ArchiveID == "" {
			t.Fatalf("no stanza-id on the room's copy of %q", body)
		}
		live[body] = g
	}
	if err := a.c.LeaveRoom(ctx, lounge); err != nil {
		t.Fatal(err)
	}
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{MustExist: true, Archive: true, AfterID: live["one"].ArchiveID}); err != nil {
		t.Fatal(err)
	}
	var got []xmppclient.GroupMessage
	a.wait("the catch-up", 10*time.Second, func(ev xmppclient.Event) bool {
		if g, ok := ev.(xmppclient.GroupMessage); ok && g.Body != "" {
			got = append(got, g)
		}
		_, ok := ev.(xmppclient.RoomArchiveSynced)
		return ok
	})
	want := live["mine"]
	if len(got) != 1 || got[0].Body != "mine" || !got[0].Self || !got[0].Delayed || got[0].ID != want.ID || got[0].ArchiveID != want.ArchiveID {
		t.Fatalf("from the archive %+v, want only %q with ID %q, ArchiveID %q, Self, Delayed", got, "mine", want.ID, want.ArchiveID)
	}
}
