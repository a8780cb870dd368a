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

// Invitations both ways with slixmpp (its xep_0249 and xep_0045 plugins)
// as the other party, through a real prosody's MUC: direct and mediated
// received (with reason and password), a mediated one declined, both kinds
// sent; a blocked person's invitation never arrives, a malformed one is
// one clear error.
func TestInvitations(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(mucComponent))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("alice online", 15*time.Second, online)
	plugins := []string{"xep_0045", "xep_0249"}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: plugins})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: plugins})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	// Alice makes the room, so she owns it: the room shows an owner the
	// real address of who invites (in a semi-anonymous room others see
	// room/nick, and a blocklist has nothing to match).
	room := "den@muc.clove.test"
	if err := a.c.JoinRoom(ctx, jid.MustParse(room), "alice", xmppclient.JoinOptions{History: -1}); err != nil {
		t.Fatal(err)
	}
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := a.c.LeaveRoom(ctx, jid.MustParse(room)); err != nil {
		t.Fatal(err)
	}
	isInvite := func(ev xmppclient.Event) bool { _, ok := ev.(xmppclient.Invitation); return ok }

	// Direct (XEP-0249), with a reason and a password.
	if err := bob.Invite(ctx, slixtest.Invite{Room: room, To: "alice@clove.test", Reason: "come see", Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	inv := a.wait("bob's direct invitation", 10*time.Second, isInvite).(xmppclient.Invitation)
	want := xmppclient.Invitation{Room: jid.MustParse(room), From: jid.MustParse("bob@clove.test"), Reason: "come see", Password: "s3cret"}
	if !sameInvite(inv, want) {
		t.Fatalf("direct invitation: got %+v, want %+v", inv, want)
	}

	// Blocked: carol's mediated invitation (from the room's address) is
	// dropped; bob's, sent after it, is the next one to arrive.
	if err := a.c.Block(ctx, jid.MustParse("carol@clove.test")); err != nil {
		t.Fatal(err)
	}
	if err := carol.Invite(ctx, slixtest.Invite{Room: room, To: "alice@clove.test", Reason: "from carol", Mediated: true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // carol's reaches alice first
	if err := bob.Invite(ctx, slixtest.Invite{Room: room, To: "alice@clove.test", Reason: "via the room", Mediated: true}); err != nil {
		t.Fatal(err)
	}
	inv = a.wait("bob's mediated invitation", 10*time.Second, isInvite).(xmppclient.Invitation)
	want = xmppclient.Invitation{Room: jid.MustParse(room), From: jid.MustParse("bob@clove.test"), Reason: "via the room", Mediated: true}
	if !sameInvite(inv, want) {
		t.Fatalf("mediated invitation (carol's blocked one must not arrive): got %+v, want %+v", inv, want)
	}

	// Declined: the room passes the decline to bob.
	if err := a.c.Decline(ctx, inv, "busy now"); err != nil {
		t.Fatal(err)
	}
	waitXML(ctx, t, bob, "the decline at bob", "decline from=\"alice@clove.test", "busy now")

	// Sent, both kinds: bob's slixmpp receives them.
	if err := a.c.Invite(ctx, jid.MustParse(room), jid.MustParse("bob@clove.test"), xmppclient.InviteOptions{Reason: "direct from alice"}); err != nil {
		t.Fatal(err)
	}
	waitXML(ctx, t, bob, "alice's direct invitation", `"jabber:x:conference"`, `jid="`+room+`"`, "direct from alice")
	if err := a.c.JoinRoom(ctx, jid.MustParse(room), "alice", xmppclient.JoinOptions{History: -1}); err != nil {
		t.Fatal(err)
	}
	if err := a.c.Invite(ctx, jid.MustParse(room), jid.MustParse("bob@clove.test"), xmppclient.InviteOptions{Reason: "mediated from alice", Mediated: true}); err != nil {
		t.Fatal(err)
	}
	// Bob is no moderator: the semi-anonymous room names alice room/nick.
	waitXML(ctx, t, bob, "alice's mediated invitation", `invite from="den@muc.clove.test/alice"`, "mediated from alice")

	// Bad input: an invitation to something that is not a room is one
	// clear error; sending one to a malformed room is refused.
	if err := bob.Send(ctx, slixtest.Outgoing{To: "alice@clove.test", Type: "normal", ExtraXML: `<x xmlns='jabber:x:conference' jid='@@bad'/>`}); err != nil {
		t.Fatal(err)
	}
	ee := a.wait("the bad invitation's error", 10*time.Second, func(ev xmppclient.Event) bool {
		if isInvite(ev) {
			t.Fatalf("a malformed invitation came through: %+v", ev)
		}
		e, ok := ev.(xmppclient.ErrorEvent)
		return ok && strings.Contains(e.Err.Error(), "not a room address")
	})
	t.Logf("user sees: %v", ee.(xmppclient.ErrorEvent).Err)
	err = a.c.Invite(ctx, jid.MustParse("muc.clove.test"), jid.MustParse("bob@clove.test"), xmppclient.InviteOptions{})
	if err == nil || !strings.Contains(err.Error(), "not a room address") {
		t.Fatalf("inviting to a service address: %v", err)
	}
}

// mucComponent is a MUC service whose new rooms are open at once
// (slixmpp's join does not configure the room it creates).
const mucComponent = "Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false"

func sameInvite(a, b xmppclient.Invitation) bool {
	return a.Room.Equal(b.Room) && a.From.Equal(b.From) && a.Reason == b.Reason && a.Password == b.Password && a.Mediated == b.Mediated
}

// waitXML waits for a message at c whose XML holds every one of parts.
func waitXML(ctx context.Context, t *testing.T, c *slixtest.Client, what string, parts ...string) slixtest.Message {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var found slixtest.Message
	_, err := c.Wait(wctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(m.XML, p)
			}
			if ok {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		var xs []string
		for _, m := range c.Messages() {
			xs = append(xs, m.XML)
		}
		t.Fatalf("%s: %v; received:\n%s", what, err, strings.Join(xs, "\n"))
	}
	return found
}
