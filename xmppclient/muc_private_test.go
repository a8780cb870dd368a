package xmppclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Private messages in a room (XEP-0045 §7.5) with slixmpp as the other
// occupant, through a real prosody: slixmpp's PM to lounge/alice reaches
// Clove as a private message from lounge/bob (not the room, not bob's real
// address), and Clove's PM to lounge/bob reaches slixmpp as type chat from
// lounge/alice with muc#user's <x/>, unencrypted.
func TestRoomPrivateMessages(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(mucComponent))
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("alice online", 15*time.Second, online)
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	lounge := jid.MustParse("lounge@muc.clove.test")
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := bob.JoinRoom(ctx, lounge.String(), "bob"); err != nil {
		t.Fatal(err)
	}

	if err := bob.Send(ctx, slixtest.Outgoing{To: "lounge@muc.clove.test/alice", Body: "psst, alice", ExtraXML: `<x xmlns='http://jabber.org/protocol/muc#user'/>`}); err != nil {
		t.Fatal(err)
	}
	got := a.wait("bob's private message", 15*time.Second, func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.MessageReceived)
		return ok && m.Body == "psst, alice"
	}).(xmppclient.MessageReceived)
	if !got.Private || got.From.String() != "lounge@muc.clove.test/bob" || got.Outgoing || got.Encrypted {
		t.Fatalf("alice got %+v; want a private message from lounge@muc.clove.test/bob", got.Message)
	}

	if _, err := a.c.SendPrivate(ctx, jid.MustParse("lounge@muc.clove.test/bob"), "hi bob, just you"); err != nil {
		t.Fatal(err)
	}
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == "hi bob, just you" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Body != "hi bob, just you" {
			continue
		}
		if m.From != "lounge@muc.clove.test/alice" || m.Type != "chat" || !strings.Contains(m.XML, "http://jabber.org/protocol/muc#user") || strings.Contains(m.XML, "axolotl") {
			t.Fatalf("bob got from %q type %q: %s", m.From, m.Type, m.XML)
		}
	}
	// Not a room occupant's address: refused at once.
	if _, err := a.c.SendPrivate(ctx, lounge, "x"); err == nil {
		t.Error("a private message to the room's bare address was accepted")
	}
}
