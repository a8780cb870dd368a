package chat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Message retraction (XEP-0424) with slixmpp 1.8's xep_0424 plugin as the
// other side, in a chat and in a room, both ways: a retraction from the
// message's sender erases it (kept in its place, marked retracted, its
// text gone from the history and the search); one from anybody else, or
// naming nothing, changes nothing and is never shown; Clove's own reaches
// slixmpp as its plugin reads it (the older urn:xmpp:message-retract:0)
// and carries the current one (:1) beside it.
func TestRetractionsWithSlixmpp(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "retract@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, h, stop := roomSession(t, ctx, p, a)
	defer stop()
	peer := func(user string) *slixtest.Client {
		c, err := slixtest.Start(ctx, slixtest.Params{JID: user + "@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM,
			Plugins: []string{"xep_0424"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	bob, carol := peer("bob"), peer("carol")
	bj := jid.MustParse("bob@" + srv.Domain)
	received := func(what string, ok func(xmppclient.Message) bool) xmppclient.Message {
		t.Helper()
		return clientEvent(h.wait(t, what, func(ev Event) bool {
			m, is := clientEvent(ev).(xmppclient.MessageReceived)
			return is && ok(m.Message)
		})).(xmppclient.MessageReceived).Message
	}
	stored := func(peer, id string) store.Message {
		t.Helper()
		m, err := p.Store().FindMessage(ctx, a.JID, peer, id)
		if err != nil {
			t.Fatalf("%s in the chat with %s: %v", id, peer, err)
		}
		return m
	}

	// A chat: carol's retraction of bob's message changes nothing; bob's
	// own erases it.
	for _, m := range []slixtest.Outgoing{{ID: "b1", Body: "the code is 4711"}, {ID: "b2", Body: "see you at eight"}} {
		m.To = a.JID
		if err := bob.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		received(m.Body, func(r xmppclient.Message) bool { return r.Body == m.Body })
	}
	if err := carol.Retract(ctx, a.JID, "b2", ""); err != nil {
		t.Fatal(err)
	}
	if m := received("carol's retraction", func(r xmppclient.Message) bool { return r.Retract }); m.Replaces != "" {
		t.Errorf("carol's retraction of bob's message told as applying to %q", m.Replaces)
	}
	if err := bob.Retract(ctx, a.JID, "b1", ""); err != nil {
		t.Fatal(err)
	}
	if m := received("bob's retraction", func(r xmppclient.Message) bool { return r.Retract && r.From.Bare().Equal(bj) }); m.Replaces != "b1" {
		t.Errorf("bob's retraction told as applying to %q, want b1", m.Replaces)
	}
	if m := stored(bj.String(), "b1"); !m.Retracted || m.Body != "" {
		t.Errorf("bob's retracted message in alice's history: %q retracted=%v", m.Body, m.Retracted)
	}
	if m := stored(bj.String(), "b2"); m.Retracted || m.Body != "see you at eight" {
		t.Errorf("carol changed bob's other message: %q retracted=%v", m.Body, m.Retracted)
	}
	if hist, _ := p.History(ctx, a.JID, bj.String(), 0, 50); len(hist) != 2 {
		t.Errorf("bob's chat holds %d messages, want his 2 (no retraction shown): %+v", len(hist), hist)
	}
	if found, _ := p.Store().Search(ctx, a.JID, "", "4711", 10); len(found) != 0 {
		t.Errorf("the retracted text is still found: %+v", found)
	}

	// Alice retracts her own: slixmpp's plugin reads it, and it is gone
	// from her history at once.
	id, err := s.Send(ctx, bj, "meant for carol")
	if err != nil {
		t.Fatal(err)
	}
	rid, err := s.Retract(ctx, bj, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Retracts == id {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if m.Retracts == id && (m.ID != rid || !strings.Contains(m.XML, "urn:xmpp:message-retract:1")) {
			t.Errorf("alice's retraction at bob: id %s (want %s): %s", m.ID, rid, m.XML)
		}
	}
	if m := stored(bj.String(), id); !m.Retracted || m.Body != "" {
		t.Errorf("alice's retracted message: %q retracted=%v", m.Body, m.Retracted)
	}
	if _, err := s.Retract(ctx, bj, "b2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retracting bob's message: %v, want ErrNotFound", err)
	}

	// A room: each message named by the room's stanza-id.
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cl   *slixtest.Client
		nick string
	}{{bob, "bob"}, {carol, "carol"}} {
		if err := c.cl.SendPresence(ctx, room+"/"+c.nick, "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"); err != nil {
			t.Fatal(err)
		}
		h.wait(t, c.nick+" in the room", func(ev Event) bool {
			o, ok := clientEvent(ev).(xmppclient.Occupant)
			return ok && o.Nick == c.nick && !o.Left
		})
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: "rb1", Body: "wrong room, sorry"}); err != nil {
		t.Fatal(err)
	}
	g := clientEvent(h.wait(t, "bob's room message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Body == "wrong room, sorry"
	})).(xmppclient.GroupMessage)
	if g.ArchiveID == "" {
		t.Fatal("the room gave bob's message no stanza-id")
	}
	groupRetraction := func(who string) xmppclient.GroupMessage {
		t.Helper()
		return clientEvent(h.wait(t, who+"'s room retraction", func(ev Event) bool {
			r, ok := clientEvent(ev).(xmppclient.GroupMessage)

			return ok && r.Nick == who && r.Body == "" && r.Subject == ""
		})).(xmppclient.GroupMessage)
	}
	if err := carol.Retract(ctx, room, g.ArchiveID, "groupchat"); err != nil {
		t.Fatal(err)
	}
	if r := groupRetraction("carol"); r.Retracts != "" {
		t.Errorf("carol's retraction of bob's room message applied to %q", r.Retracts)
	}
	if m := stored(room, g.ArchiveID); m.Retracted {
		t.Errorf("carol retracted bob's room message")
	}
	if err := bob.Retract(ctx, room, g.ArchiveID, "groupchat"); err != nil {
		t.Fatal(err)
	}
	if r := groupRetraction("bob"); r.Retracts != g.ArchiveID {
		t.Errorf("bob's room retraction applied to %q, want %s", r.Retracts, g.ArchiveID)
	}
	if m := stored(room, g.ArchiveID); !m.Retracted || m.Body != "" {
		t.Errorf("bob's retracted room message: %q retracted=%v", m.Body, m.Retracted)
	}

	// The room vouches for its senders (prosody 0.12's XEP-0421
	// occupant-id): carol, who takes the nick "bob" once bob changed his,
	// cannot retract bob's message; bob can, under his new nick.
	if err := bob.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: "rb2", Body: "bob's second"}); err != nil {
		t.Fatal(err)
	}
	g2 := clientEvent(h.wait(t, "bob's second room message", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Body == "bob's second"
	})).(xmppclient.GroupMessage)
	if g2.OccupantID == "" {
		t.Fatal("prosody's room gave bob's message no occupant-id (XEP-0421)")
	}
	renamed := func(cl *slixtest.Client, from, to string) {
		t.Helper()
		if err := cl.SendPresence(ctx, room+"/"+to, ""); err != nil {
			t.Fatal(err)
		}
		h.wait(t, from+" renamed "+to, func(ev Event) bool {
			o, ok := clientEvent(ev).(xmppclient.Occupant)
			return ok && o.Nick == from && o.NewNick == to
		})
	}
	renamed(bob, "bob", "bobby")
	renamed(carol, "carol", "bob")
	if err := carol.Retract(ctx, room, g2.ArchiveID, "groupchat"); err != nil {
		t.Fatal(err)
	}
	// (Her retraction: nick bob, but not bob's occupant-id.)
	if r := clientEvent(h.wait(t, "carol's retraction as bob", func(ev Event) bool {
		r, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && r.Nick == "bob" && r.Body == "" && r.OccupantID != "" && r.OccupantID != g2.OccupantID
	})).(xmppclient.GroupMessage); r.Retracts != "" {
		t.Errorf("carol, under bob's old nick, retracted his message %q", r.Retracts)
	}
	if m := stored(room, g2.ArchiveID); m.Retracted {
		t.Errorf("carol, under bob's old nick, retracted his message")
	}
	if err := bob.Retract(ctx, room, g2.ArchiveID, "groupchat"); err != nil {
		t.Fatal(err)
	}
	if r := groupRetraction("bobby"); r.Retracts != g2.ArchiveID {
		t.Errorf("bob's retraction under his new nick applied to %q, want %s", r.Retracts, g2.ArchiveID)
	}
	if m := stored(room, g2.ArchiveID); !m.Retracted {
		t.Errorf("bob's retraction under his new nick was not applied")
	}

	// Alice retracts hers in the room, once the room has given it its id.
	sent, err := s.SendGroup(ctx, room, "my wrong room message")
	if err != nil {
		t.Fatal(err)
	}
	var ref string
	until(t, 20*time.Second, "the room's id of alice's message", func() bool {
		ref = RefID(stored(room, sent.OriginID))
		return ref != sent.OriginID
	})
	if err := s.RetractGroup(ctx, room, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Type == "groupchat" && m.Retracts == ref {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	if m := stored(room, ref); !m.Retracted || m.Body != "" {
		t.Errorf("alice's retracted room message: %q retracted=%v", m.Body, m.Retracted)
	}
	if err := s.RetractGroup(ctx, room, g.ArchiveID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alice retracting bob's room message: %v, want ErrNotFound", err)
	}
}
