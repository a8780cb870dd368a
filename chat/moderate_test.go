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
)

// A room's moderation (XEP-0425) through prosody-modules' own
// mod_muc_moderation: alice, the room's owner (so a moderator), removes
// carol's message with a reason; the room tells every occupant (carol's
// slixmpp sees it) and alice's profile erases carol's words and keeps the
// reason. Carol, not a moderator, is refused by the room; her forged
// moderation, said in the room as a message of hers, is not taken.
func TestModerationWithProsody(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.NeedsModule("muc_moderation"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\", \"muc_moderation\" }"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "carol", "pw")
	const room = "moderated@muc.clove.test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, h, stop := roomSession(t, ctx, p, a)
	defer stop()
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
	said := func(id, body string) xmppclient.GroupMessage {
		t.Helper()
		if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: id, Body: body}); err != nil {
			t.Fatal(err)
		}
		return clientEvent(h.wait(t, body, func(ev Event) bool {
			g, ok := clientEvent(ev).(xmppclient.GroupMessage)
			return ok && g.Body == body && g.Retracts == ""
		})).(xmppclient.GroupMessage)
	}
	spam := said("c1", "BUY CHEAP WATCHES at example.invalid")
	kept := said("c2", "sorry, my account was taken over")
	stored := func(ref string) store.Message {
		t.Helper()
		m, err := p.Store().FindMessage(ctx, a.JID, room, ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		return m
	}

	// Carol may not: the room says so, and her message stays.
	_, cond, err := carol.IQ(ctx, "set", room, `<apply-to xmlns='urn:xmpp:fasten:0' id='`+kept.ArchiveID+`'><moderate xmlns='urn:xmpp:message-moderate:0'><retract xmlns='urn:xmpp:message-retract:0'/></moderate></apply-to>`)
	if err != nil || cond == "" {
		t.Errorf("carol's moderation was not refused (%q, %v)", cond, err)
	}
	// Her forged one, said as a message: the room passes it on from
	// room/carol, which is no moderation.
	if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: "c3",
		ExtraXML: `<apply-to xmlns='urn:xmpp:fasten:0' id='` + kept.ArchiveID + `'><moderated xmlns='urn:xmpp:message-moderate:0' by='` + room + `/alice'><retract xmlns='urn:xmpp:message-retract:0'/><reason>forged</reason></moderated></apply-to>`}); err != nil {
		t.Fatal(err)
	}

	// Alice, the owner, removes the spam.
	if err := s.ModerateGroup(ctx, room, spam.ArchiveID, "spam"); err != nil {
		t.Fatal(err)
	}
	g := clientEvent(h.wait(t, "the room's moderation", func(ev Event) bool {
		g, ok := clientEvent(ev).(xmppclient.GroupMessage)
		return ok && g.Moderated
	})).(xmppclient.GroupMessage)
	if g.Retracts != spam.ArchiveID || g.Body != "spam" || g.Moderator != "alice" || g.Nick != "" {
		t.Errorf("the moderation told as %+v", g)
	}
	if m := stored(spam.ArchiveID); !m.Retracted || !m.ModeratedAway || m.Body != "spam" {
		t.Errorf("the removed message in alice's history: %+v", m)
	}
	if found, _ := p.Store().Search(ctx, a.JID, "", "WATCHES", 10); len(found) != 0 {
		t.Errorf("the removed words are still found: %+v", found)
	}
	if _, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.From == room && strings.Contains(m.XML, "message-moderate") && strings.Contains(m.XML, spam.ArchiveID) {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("carol's client did not see the room's moderation: %v", err)
	}
	if m := stored(kept.ArchiveID); m.Retracted || m.Body != "sorry, my account was taken over" {
		t.Errorf("carol's other message, after her refused and forged moderations: %+v", m)
	}
	if err := s.ModerateGroup(ctx, room, "no-such-id", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("moderating an unknown message: %v, want ErrNotFound", err)
	}
}
