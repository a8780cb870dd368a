package xmppclient_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// dropOccupant makes prosody's MUC forget nick in room without telling
// anyone, as a restarted room server or a broken s2s link would: the
// occupant's role is cleared and saved, which removes it (muc.lib.lua's
// save_occupant), and no presence is sent.
func dropOccupant(t *testing.T, srv *prosodytest.Server, service, room, nick string) {
	t.Helper()
	lua := `>local r = prosody.hosts["` + service + `"].modules.muc.get_room_from_jid("` + room + `"); ` +
		`local o = r:get_occupant_by_nick("` + room + `/` + nick + `"); o.role = nil; r:save_occupant(o); ` +
		`return r:get_occupant_by_nick("` + room + `/` + nick + `") == nil and "dropped" or "still there"`
	out := srv.Shell(t, lua)
	if !strings.Contains(out, "dropped") {
		t.Fatalf("prosody did not drop %s from %s: %s", nick, room, out)
	}
}

// Self-ping (XEP-0410) against a real prosody: a silent room that still
// has us answers and nothing happens; once prosody silently forgot us,
// the next check rejoins (RoomRejoined), and the room has us again.
func TestRoomSelfPingRejoins(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithModule("admin_shell"), prosodytest.Config(`Component "muc.clove.test" "muc"`))
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := config(srv, "alice", "pw")
	cfg.SelfPingIdle = time.Second
	var logged syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := start(t, cfg)
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	room := jid.MustParse("lounge@muc.clove.test")
	if err := a.c.JoinRoom(ctx, room, "alice", xmppclient.JoinOptions{History: -1}); err != nil {
		t.Fatal(err)
	}
	if err := b.c.JoinRoom(ctx, room, "bob", xmppclient.JoinOptions{History: -1}); err != nil {
		t.Fatal(err)
	}

	// Three idle periods with the room silent: pings answered, no rejoin.
	deadline := time.After(4500 * time.Millisecond)
	for quiet := true; quiet; {
		select {
		case ev := <-a.events:
			if r, ok := ev.(xmppclient.RoomRejoined); ok {
				t.Fatalf("rejoined a room that had us: %+v", r)
			}
		case <-deadline:
			quiet = false
		}
	}

	if n := strings.Count(logged.String(), "room self-ping answered"); n < 2 {
		t.Fatalf("%d self-pings answered in 4.5 s of silence (idle 1 s), want at least 2:\n%s", n, logged.String())
	} else {
		t.Logf("%d self-pings answered in 4.5 s of silence, no rejoin", n)
	}
	dropped := time.Now()
	dropOccupant(t, srv, "muc.clove.test", room.String(), "alice")
	// Bob's message does not reach alice now: the room lost her.
	if _, err := b.c.SendGroup(ctx, room, "while alice was gone"); err != nil {
		t.Fatal(err)
	}
	ev := a.wait("the rejoin", 15*time.Second, func(ev xmppclient.Event) bool {
		_, ok := ev.(xmppclient.RoomRejoined)
		return ok
	}).(xmppclient.RoomRejoined)
	t.Logf("rejoined %.1f s after prosody dropped alice (idle 1 s); the room said %s", time.Since(dropped).Seconds(), ev.Condition)
	if !ev.Room.Equal(room) || ev.Nick != "alice" || ev.Condition != stanza.NotAcceptable {
		t.Fatalf("rejoin event %+v", ev)
	}
	// Back in: what bob says now reaches her.
	if _, err := b.c.SendGroup(ctx, room, "welcome back"); err != nil {
		t.Fatal(err)
	}
	a.wait("bob's message after the rejoin", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "welcome back"
	})
	if nick, in := a.c.RoomNick(room); !in || nick != "alice" {
		t.Fatalf("after the rejoin: in=%v nick=%q", in, nick)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
