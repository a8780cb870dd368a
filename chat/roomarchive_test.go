package chat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// roomWithArchive is a MUC service whose rooms keep an archive
// (mod_muc_mam, XEP-0313) and stay when empty.
const roomWithArchive = "Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"

// roomWithoutArchive is the same without an archive: XEP-0045's own
// history only (prosody keeps the last 20 messages in memory).
const roomWithoutArchive = "Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"

// roomSession starts alice's session (a new connection each time, as
// after a restart) and returns it with what it tells; stop ends it.
func roomSession(t *testing.T, ctx context.Context, p *Profile, a store.Account, tweak ...func(*xmppclient.Config)) (s *Session, h *heard, stop func()) {
	t.Helper()
	opts := Options{Rooms: true}
	if len(tweak) > 0 {
		opts.Tweak = tweak[0]
	}
	s, err := p.Session(a, "alice-pw", opts)
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	s.Start(sctx)
	h = listenAll(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	return s, h, func() { cancel(); _ = s.Wait() }
}

// roomBodies are the stored messages of room, oldest first.
func roomBodies(t *testing.T, ctx context.Context, p *Profile, account, room string) []store.Message {
	t.Helper()
	ms, err := p.st.History(ctx, account, room, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// carolPosts has carol say n numbered messages in room, and returns once
// the room passed the last one back to her: then the room has archived
// them all (muc_mam archives before it broadcasts).
func carolPosts(t *testing.T, ctx context.Context, carol *slixtest.Client, room string, from, n int) {
	t.Helper()
	if err := carolSays(ctx, carol, room, from, n); err != nil {
		t.Fatal(err)
	}
}

// carolSays is carolPosts for any goroutine.
func carolSays(ctx context.Context, carol *slixtest.Client, room string, from, n int) error {
	for i := from; i < from+n; i++ {
		if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: fmt.Sprintf("c%03d", i), Body: fmt.Sprintf("msg %03d", i)}); err != nil {
			return err
		}
	}
	last := fmt.Sprintf("msg %03d", from+n-1)
	if _, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Type == "groupchat" && m.Body == last {
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("the room did not pass %q back to carol: %w", last, err)
	}
	return nil
}

// What a room said while we were away comes from the room's archive
// (XEP-0313 with XEP-0045) when it keeps one: slixmpp says 250 messages
// while alice's Clove is not in the room; at her next login all 250 are
// stored, once, in order, as history; a second rejoin fetches only what is
// new, and nothing is stored twice.
func TestRoomHistoryFromTheArchive(t *testing.T) {
	const live = 40 // said by carol while alice's Clove comes back
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(roomWithArchive))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "lounge@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")

	s, h, stop := roomSession(t, ctx, p, a)
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendGroup(ctx, room, "mine"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "the room's copy of alice's message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Self && g.Body == "mine" && g.ArchiveID != ""
	})
	stop()

	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}
	carolPosts(t, ctx, carol, room, 0, 250)

	// Back: the autojoin reads the archive. Carol goes on talking
	// meanwhile: each of those comes from the archive or live (held while
	// the archive is read), and in order after the 250 either way.
	began := time.Now()
	_, h, stop = roomSession(t, ctx, p, a)
	posted := make(chan error, 1)
	go func() { posted <- carolSays(ctx, carol, room, 250, live) }()
	ev := h.wait(t, "the room's archive read", func(ev Event) bool {
		_, ok := clientEvent(ev).(xmppclient.RoomArchiveSynced)
		return ok
	})
	took := time.Since(began)
	done := clientEvent(ev).(xmppclient.RoomArchiveSynced)
	if done.Err != nil || done.Capped || done.Messages < 250 || done.Messages > 250+live {
		t.Fatalf("catch-up: %+v, want 250 messages (and some said meanwhile), not capped, no error", done)
	}
	t.Logf("%d messages from the room's archive: %d pages, %s for the archive (%s from the login's start); %d live ones held meanwhile", done.Messages, done.Pages, done.Took.Round(time.Millisecond), took.Round(time.Millisecond), done.Held)
	if err := <-posted; err != nil {
		t.Fatal(err)
	}
	h.wait(t, "the last message said meanwhile", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Body == fmt.Sprintf("msg %03d", 250+live-1)
	})
	checkRoomHistory(t, ctx, p, a.JID, room, 250+live, true)
	fresh := 0
	for _, ev := range h.all() {
		if sv, ok := ev.(Saved); ok && sv.Fresh {
			if g, ok := sv.Event.(xmppclient.GroupMessage); ok {
				fresh++
				if !g.Delayed && g.Body < "msg 250" {
					t.Fatalf("%q from the archive not told as history", g.Body)
				}
			}
		}
	}
	if fresh != 250+live {
		t.Fatalf("%d new messages told, want %d", fresh, 250+live)
	}
	stop()

	// Away again: three more; the rejoin asks only for those.
	carolPosts(t, ctx, carol, room, 250+live, 3)
	_, h, stop = roomSession(t, ctx, p, a)
	defer stop()
	ev = h.wait(t, "the room's archive read again", func(ev Event) bool {
		_, ok := clientEvent(ev).(xmppclient.RoomArchiveSynced)
		return ok
	})
	if done := clientEvent(ev).(xmppclient.RoomArchiveSynced); done.Err != nil || done.Messages != 3 || done.Pages != 1 {
		t.Fatalf("second catch-up: %+v, want the 3 new messages in 1 page", done)
	}
	checkRoomHistory(t, ctx, p, a.JID, room, 253+live, true)
}

// checkRoomHistory checks the profile holds alice's "mine" then carol's
// n messages, each once, in order.
// sid: each of carol's has the room's stanza-id (rooms with an archive
// give one).
func checkRoomHistory(t *testing.T, ctx context.Context, p *Profile, account, room string, n int, sid bool) {
	t.Helper()
	ms := roomBodies(t, ctx, p, account, room)
	if len(ms) != n+1 {
		t.Fatalf("%d messages stored, want %d", len(ms), n+1)
	}
	if ms[0].Body != "mine" || !ms[0].Outgoing {
		t.Fatalf("first stored %+v, want alice's own", ms[0])
	}
	for i, m := range ms[1:] {
		if want := fmt.Sprintf("msg %03d", i); m.Body != want || m.From != room+"/carol" || sid && m.StanzaID == "" {
			t.Fatalf("message %d: %q from %s (stanza-id %q), want %q from carol with the room's id", i, m.Body, m.From, m.StanzaID, want)
		}
	}
}

// A room without an archive still gives what was said since the last
// message we have, through XEP-0045's <history since>.
func TestRoomHistoryWithoutArchive(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(roomWithoutArchive))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "lounge@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, h, stop := roomSession(t, ctx, p, a)
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendGroup(ctx, room, "mine"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "the room's copy of alice's message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Self && g.Body == "mine"
	})
	stop()
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}
	carolPosts(t, ctx, carol, room, 0, 5)
	_, h, stop = roomSession(t, ctx, p, a)
	defer stop()
	h.wait(t, "carol's last message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Body == "msg 004"
	})
	for _, ev := range h.all() {
		if _, ok := clientEvent(ev).(xmppclient.RoomArchiveSynced); ok {
			t.Fatal("a room without an archive was asked for it")
		}
	}
	checkRoomHistory(t, ctx, p, a.JID, room, 5, false)
}

// all is every event told so far.
func (h *heard) all() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.evs...)
}

// A catch-up bounded to 100 messages keeps the newest 100 of the 250
// said, in order, and says that older ones were left (the window shows
// it in the room).
func TestRoomHistoryFromTheArchiveCapped(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(roomWithArchive))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "lounge@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	capped := func(c *xmppclient.Config) { c.RoomArchiveMax = 100 }
	s, h, stop := roomSession(t, ctx, p, a, capped)
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendGroup(ctx, room, "mine"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "the room's copy of alice's message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Self && g.Body == "mine" && g.ArchiveID != ""
	})
	stop()
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}
	carolPosts(t, ctx, carol, room, 0, 250)
	_, h, stop = roomSession(t, ctx, p, a, capped)
	defer stop()
	ev := h.wait(t, "the room's archive read", func(ev Event) bool {
		_, ok := clientEvent(ev).(xmppclient.RoomArchiveSynced)
		return ok
	})
	if done := clientEvent(ev).(xmppclient.RoomArchiveSynced); done.Err != nil || !done.Capped || done.Messages != 100 {
		t.Fatalf("catch-up: %+v, want 100 messages, capped", done)
	}
	ms := roomBodies(t, ctx, p, a.JID, room)
	if len(ms) != 101 || ms[0].Body != "mine" {
		t.Fatalf("%d stored, want alice's and the newest 100", len(ms))
	}
	for i, m := range ms[1:] {
		if want := fmt.Sprintf("msg %03d", 150+i); m.Body != want {
			t.Fatalf("message %d: %q, want %q", i, m.Body, want)
		}
	}
}
