package chat

import (
	"context"
	"encoding/xml"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// heard collects what a session tells, for a test to wait on.
type heard struct {
	mu     sync.Mutex
	evs    []Event
	change chan struct{}
}

func listenAll(s *Session) *heard {
	h := &heard{change: make(chan struct{})}
	go func() {
		for ev := range s.Events() {
			h.mu.Lock()
			h.evs = append(h.evs, ev)
			close(h.change)
			h.change = make(chan struct{})
			h.mu.Unlock()
		}
	}()
	return h
}

// wait returns the first event told that ok accepts.
func (h *heard) wait(t *testing.T, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for i := 0; ; {
		h.mu.Lock()
		for ; i < len(h.evs); i++ {
			if ok(h.evs[i]) {
				ev := h.evs[i]
				h.mu.Unlock()
				return ev
			}
		}
		ch := h.change
		h.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waited 30 s for %s", what)
		}
	}
}

// Replies and reactions in a room (XEP-0461, XEP-0444 with XEP-0045),
// with slixmpp as the other occupant: both name a room's message by the
// stanza-id the room gave it (XEP-0359), as the XEPs say; a reaction's
// sender is room/nick; Clove's reply carries the readable quote.
func TestRoomReplyReactionSlixmpp(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "lunch@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ap, aa := testAccount(t, srv, "alice")
	s, err := ap.Session(aa, "alice-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer func() { stop(); _ = s.Wait() }()
	s.Start(sctx)
	h := listenAll(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	if err := carol.SendPresence(ctx, room+"/carol", "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "carol in the room", func(ev Event) bool {
		o, ok := clientEvent(ev).(xmppclient.Occupant)
		return ok && o.Nick == "carol" && !o.Left
	})

	// Carol says something; its id for replies and reactions is the
	// room's stanza-id, not carol's own id.
	if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: "carol-own-id", Body: "Lunch at one?"}); err != nil {
		t.Fatal(err)
	}
	g := h.wait(t, "carol's message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Body == "Lunch at one?"
	})
	sid := clientEvent(g).(xmppclient.GroupMessage).ArchiveID
	if sid == "" || sid == "carol-own-id" {
		t.Fatalf("the room gave carol's message no stanza-id (%q)", sid)
	}

	// Alice replies: carol reads the reply to the stanza-id, quote first.
	if _, err := s.SendGroupReply(ctx, room, "One works", sid); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Body  string `xml:"body"`
		Reply *struct {
			To string `xml:"to,attr"`
			ID string `xml:"id,attr"`
		} `xml:"urn:xmpp:reply:0 reply"`
		Reactions *struct {
			ID string   `xml:"id,attr"`
			R  []string `xml:"reaction"`
		} `xml:"urn:xmpp:reactions:0 reactions"`
	}
	msgs, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if strings.Contains(m.Body, "One works") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	var aliceSID string
	for _, m := range msgs {
		if strings.Contains(m.Body, "One works") {
			if err := xml.Unmarshal([]byte(m.XML), &got); err != nil {
				t.Fatal(err)
			}
			aliceSID = m.StanzaID
		}
	}
	if got.Reply == nil || got.Reply.ID != sid || got.Reply.To != room+"/carol" || got.Body != "> Lunch at one?\nOne works" {
		t.Errorf("carol got %+v reply %+v; want the quote and a reply to %s by %s/carol", got.Body, got.Reply, sid, room)
	}

	// Carol reacts to alice's reply by its stanza-id: kept, from room/carol.
	if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat",
		ExtraXML: "<reactions xmlns='urn:xmpp:reactions:0' id='" + aliceSID + "'><reaction>👍</reaction></reactions><store xmlns='urn:xmpp:hints'/>"}); err != nil {
		t.Fatal(err)
	}
	rc := h.wait(t, "carol's reaction", func(ev Event) bool { _, ok := ev.(ReactionsChanged); return ok }).(ReactionsChanged)
	if rc.Peer != room || len(rc.All) != 1 || rc.All[0].Sender != room+"/carol" || rc.All[0].Emojis[0] != "👍" || rc.Mine[room+"/carol"] {
		t.Errorf("carol's reaction: %+v", rc)
	}

	// Alice reacts to carol's message: carol gets it by the stanza-id.
	mine, err := s.React(ctx, room, sid, []string{"🎉"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.All) != 1 || !mine.Mine[room+"/alice"] {
		t.Errorf("alice's own reaction is not hers: %+v", mine)
	}
	// (Carol's own reaction comes back from the room too: wait for alice's.)
	fromAlice := func(ms []slixtest.Message) int {
		for i, m := range ms {
			if m.From == room+"/alice" && strings.Contains(m.XML, "urn:xmpp:reactions:0") {
				return i
			}
		}
		return -1
	}
	msgs, err = carol.Wait(ctx, func(ms []slixtest.Message) bool { return fromAlice(ms) >= 0 })
	if err != nil {
		t.Fatal(err)
	}
	rm := msgs[fromAlice(msgs)]
	got.Reactions = nil
	if err := xml.Unmarshal([]byte(rm.XML), &got); err != nil {
		t.Fatal(err)
	}
	if got.Reactions == nil || got.Reactions.ID != sid || strings.Join(got.Reactions.R, "") != "🎉" || rm.Type != "groupchat" {
		t.Errorf("carol got %+v (%s); want 🎉 to %s", got.Reactions, rm.Type, sid)
	}
	hist, err := ap.History(ctx, aa.JID, room, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hist {
		if m.Body == "Lunch at one?" && (len(m.Reactions) != 1 || m.Reactions[0].Sender != room+"/alice") {
			t.Errorf("alice's reaction is not in her history: %+v", m.Reactions)
		}
	}
}

// A reaction chosen offline is kept (shown as ours at once) and goes at
// the next login; taking it back offline goes too. slixmpp's XEP-0444
// plugin reads both.
func TestReactOfflineKeptAndSent(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "pw")
	bj := "bob@" + srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ap, aa := testAccount(t, srv, "alice")
	m := &store.Message{Account: aa.JID, From: bj, To: aa.JID, Body: "Shall we?", OriginID: "b1", StanzaID: "b1"}
	if _, err := ap.st.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0444"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })

	run := func(react func(s *Session)) {
		t.Helper()
		s, err := ap.Session(aa, "alice-pw", Options{})
		if err != nil {
			t.Fatal(err)
		}
		react(s) // offline: not started
		sctx, stop := context.WithCancel(ctx)
		s.Start(sctx)
		h := listenAll(s)
		h.wait(t, "online", func(ev Event) bool {
			sc, ok := clientEvent(ev).(xmppclient.StateChanged)
			return ok && sc.State == xmppclient.Online
		})
		n := len(bob.Messages())
		if _, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return len(ms) > n }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // ReactionsSent after the ping
		stop()
		_ = s.Wait()
	}
	run(func(s *Session) {
		rc, err := s.React(ctx, bj, "b1", []string{"👍"})
		if err != nil || rc.Queued == nil || len(rc.All) != 1 || !rc.Mine[aa.JID] {
			t.Fatalf("offline React: %+v %v; want it kept, queued, ours", rc, err)
		}
	})
	got := bob.Messages()
	if last := got[len(got)-1]; last.ReactionsID != "b1" || strings.Join(last.Reactions, "") != "👍" {
		t.Errorf("bob got %+v; want 👍 to b1", last)
	}
	if ps, err := ap.st.PendingReactions(ctx, aa.JID); err != nil || len(ps) != 0 {
		t.Errorf("still pending after the login: %+v %v", ps, err)
	}
	run(func(s *Session) {
		if rc, err := s.React(ctx, bj, "b1", nil); err != nil || rc.Queued == nil || len(rc.All) != 0 {
			t.Fatalf("offline take-back: %+v %v", rc, err)
		}
	})
	got = bob.Messages()
	if last := got[len(got)-1]; last.ReactionsID != "b1" || len(last.Reactions) != 0 {
		t.Errorf("bob got %+v; want the empty set for b1", last)
	}
	hist, err := ap.History(ctx, aa.JID, bj, 0, 0)
	if err != nil || len(hist) != 1 || len(hist[0].Reactions) != 0 {
		t.Errorf("alice's history: %+v %v", hist, err)
	}
	if ps, err := ap.st.PendingReactions(ctx, aa.JID); err != nil || len(ps) != 0 {
		t.Errorf("the empty set still pending after the login: %+v %v", ps, err)
	}
}
