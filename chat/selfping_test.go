package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// A room that silently dropped us (prosody made to forget the occupant
// through its admin shell) is rejoined after the self-ping, the rejoin is
// told (the window says it in the room's view), and what was said while
// we were out comes with the history asked for on rejoining: nothing lost,
// nothing twice.
//
// Both with XEP-0045's history and from the room's archive (XEP-0313,
// after the last message the client saw of the room).
func TestSelfPingRejoinKeepsTheHistory(t *testing.T) {
	for _, tc := range []struct{ name, muc string }{
		{"history since", `Component "muc.clove.test" "muc"`},
		{"room archive", "Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"},
	} {
		t.Run(tc.name, func(t *testing.T) { selfPingRejoin(t, tc.muc, tc.name == "room archive") })
	}
}

func selfPingRejoin(t *testing.T, muc string, archive bool) {
	srv := prosodytest.Start(t, prosodytest.WithModule("admin_shell"), prosodytest.Config(muc))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	bp, ba := testAccount(t, srv, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	as, err := ap.Session(aa, "alice-pw", Options{Tweak: func(c *xmppclient.Config) { c.SelfPingIdle = time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	as.Start(ctx)
	bs, err := bp.Session(ba, "bob-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs.Start(ctx)
	rejoined := make(chan xmppclient.RoomRejoined, 1)
	synced := make(chan xmppclient.RoomArchiveSynced, 1)
	go func() {
		for ev := range as.Events() {
			if r, ok := clientEvent(ev).(xmppclient.RoomRejoined); ok {
				rejoined <- r
			}
			if r, ok := clientEvent(ev).(xmppclient.RoomArchiveSynced); ok {
				synced <- r
			}
		}
	}()
	go func() {
		for range bs.Events() {
		}
	}()
	for _, s := range []*Session{as, bs} {
		if err := s.WaitOnline(ctx); err != nil {
			t.Fatal(err)
		}
	}
	room := "lounge@muc.clove.test"
	if err := as.JoinRoom(ctx, room, "", true); err != nil {
		t.Fatal(err)
	}
	if err := bs.JoinRoom(ctx, room, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.SendGroup(ctx, room, "before"); err != nil {
		t.Fatal(err)
	}
	out := srv.Shell(t, `>local r = prosody.hosts["muc.clove.test"].modules.muc.get_room_from_jid("`+room+`"); `+
		`local o = r:get_occupant_by_nick("`+room+`/alice"); o.role = nil; r:save_occupant(o); return "dropped"`)
	if !strings.Contains(out, "dropped") {
		t.Fatalf("prosody shell: %s", out)
	}
	if _, err := bs.SendGroup(ctx, room, "while alice was out"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-rejoined:
		t.Logf("rejoined %s (%s)", r.Room, r.Condition)
	case <-time.After(20 * time.Second):
		t.Fatal("no rejoin after prosody dropped alice")
	}
	var bodies []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		hist, err := ap.History(ctx, aa.JID, room, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		bodies = bodies[:0]
		for _, m := range hist {
			bodies = append(bodies, m.Body)
		}
		if strings.Join(bodies, "|") == "before|while alice was out" || time.Now().After(deadline) {
			break
		}
	}
	if strings.Join(bodies, "|") != "before|while alice was out" {
		t.Fatalf("alice's history of the room: %q", bodies)
	}
	if archive {
		// After "before", the last message alice saw: only the one missed.
		select {
		case r := <-synced:
			if r.Messages != 1 || r.Err != nil {
				t.Fatalf("the rejoin's catch-up: %+v, want the 1 message missed", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the rejoin did not read the room's archive")
		}
	}
}
