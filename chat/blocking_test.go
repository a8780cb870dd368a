package chat

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Blocking (XEP-0191) with slixmpp, a client that is not ours, as the
// blocked party on a real prosody: while alice blocks bob, neither his
// messages nor his presence reach her session (so never the window or
// the history); once she unblocks him, both do. The blocklist is the
// server's: it is read back as set.
func TestBlockingWithSlixmpp(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, err := p.Session(a, "alice-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	ev := collect(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	bob := slixPeer(t, ctx, srv, "bob", "slix")
	bj := "bob@" + srv.Domain

	if err := s.Block(ctx, bj); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Blocked(ctx); err != nil || len(list) != 1 || list[0] != bj {
		t.Fatalf("the blocklist: %v, %v; want [%s]", list, err, bj)
	}
	if err := bob.SendPresence(ctx, a.JID, "<status>while blocked</status>"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: a.JID, ID: "b1", Body: "sent while blocked"}); err != nil {
		t.Fatal(err)
	}
	// Both went through bob's server before the unblocking below: the
	// server answers his connection's stanzas in order, so the answer to
	// a ping sent after them proves it.
	if _, cond, err := bob.IQ(ctx, "get", srv.Domain, "<ping xmlns='urn:xmpp:ping'/>"); err != nil || cond != "" {
		t.Fatalf("bob's ping: %v %s", err, cond)
	}
	if err := s.Unblock(ctx, bj); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Blocked(ctx); err != nil || len(list) != 0 {
		t.Fatalf("the blocklist after unblocking: %v, %v", list, err)
	}
	if err := bob.SendPresence(ctx, a.JID, "<status>after unblocking</status>"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: a.JID, ID: "b2", Body: "sent after unblocking"}); err != nil {
		t.Fatal(err)
	}
	var leaked []string
	sawPresence := false
	ev.wait(t, 20*time.Second, "bob's message after unblocking", func(e xmppclient.Event) bool {
		switch e := e.(type) {
		case xmppclient.MessageReceived:
			if e.Body == "sent while blocked" {
				leaked = append(leaked, "message")
			}
			return e.Body == "sent after unblocking"
		case xmppclient.PresenceChanged:
			switch e.Status {
			case "while blocked":
				leaked = append(leaked, "presence")
			case "after unblocking":
				sawPresence = true
			}
		}
		return false
	})
	if len(leaked) > 0 {
		t.Errorf("while bob was blocked, his %v reached alice", leaked)
	}
	if !sawPresence {
		t.Error("bob's presence after unblocking did not reach alice")
	}
	h, err := p.History(ctx, a.JID, bj, 0, 10)
	if err != nil || len(h) != 1 || h[0].Body != "sent after unblocking" {
		t.Errorf("alice's history with bob: %+v, %v; want only the message after unblocking", h, err)
	}
}
