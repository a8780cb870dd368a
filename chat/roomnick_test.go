package chat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// XEP-0045 §7.6 in the app core, against prosody (MUC, XEP-0402
// bookmarks) with slixmpp in the room as bob: a change to bob's nick is
// refused (a RoomError, conflict) and nothing changes; a free one is ours
// at once, kept in the profile and the server's bookmark (autojoin kept),
// and the next login enters the room under it.
func TestRoomNickKeptForTheNextJoin(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	room := "lounge@muc.clove.test"
	run := startRunning(t, ctx, ap, aa, "alice-pw", Options{Rooms: true})
	if err := run.s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := run.s.JoinRoom(ctx, room, "", true); err != nil {
		t.Fatal(err)
	}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}

	err = run.s.ChangeRoomNick(ctx, room, "bob")
	var re *xmppclient.RoomError
	if !errors.As(err, &re) || re.Condition != stanza.Conflict || !strings.Contains(err.Error(), `you are still "alice" there`) {
		t.Fatalf("taking bob's nick: %v; want a conflict that says alice stays", err)
	}
	if nick, _ := run.s.RoomNick(mustRoom(t, room)); nick != "alice" {
		t.Errorf("after the refusal our nick is %q", nick)
	}

	start := time.Now()
	if err := run.s.ChangeRoomNick(ctx, room, "Alicia"); err != nil {
		t.Fatal(err)
	}
	t.Logf("ChangeRoomNick (room's answer and bookmark) took %v", time.Since(start).Round(time.Millisecond))
	if nick, _ := run.s.RoomNick(mustRoom(t, room)); nick != "Alicia" {
		t.Errorf("after the change our nick is %q", nick)
	}
	bms, err := run.s.Bookmarks(ctx)
	if err != nil || len(bms) != 1 || bms[0].Nick != "Alicia" || !bms[0].Autojoin {
		t.Errorf("server bookmarks: %+v %v", bms, err)
	}
	rooms, err := ap.st.Rooms(ctx, aa.JID)
	if err != nil || len(rooms) != 1 || rooms[0].Nick != "Alicia" || !rooms[0].Autojoin {
		t.Errorf("profile rooms: %+v %v", rooms, err)
	}
	// Our own message is still ours under the new nick.
	if _, err := run.s.SendGroup(ctx, room, "renamed"); err != nil {
		t.Fatal(err)
	}
	run.wait(t, "our message back as Alicia", func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "renamed" && g.Self && g.Nick == "Alicia"
	})
	run.close()

	run2 := startRunning(t, ctx, ap, aa, "alice-pw", Options{Rooms: true})
	j := run2.wait(t, "the room entered at the next login", func(ev xmppclient.Event) bool {
		j, ok := ev.(xmppclient.RoomJoined)
		return ok && j.Room.String() == room
	}).(xmppclient.RoomJoined)
	if j.Nick != "Alicia" {
		t.Errorf("the next login entered as %q, want Alicia", j.Nick)
	}
}
