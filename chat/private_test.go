package chat

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Private messages in a room, stored: slixmpp's PM to alice and alice's
// answer are the history of lounge/bob, both ways, and neither is in the
// room's history nor under bob's real or the room's bare address.
func TestRoomPrivateMessagesStored(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"`))
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
	room := "lounge@muc." + srv.Domain
	if err := s.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@" + srv.Domain + "/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: room + "/alice", Body: "psst", ExtraXML: `<x xmlns='http://jabber.org/protocol/muc#user'/>`}); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 20*time.Second, "bob's private message", func(e xmppclient.Event) bool {
		m, ok := e.(xmppclient.MessageReceived)
		return ok && m.Body == "psst" && m.Private
	})
	if _, err := s.SendPrivate(ctx, jid.MustParse(room), "bob", "psst back"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == "psst back" {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	var h []string
	until(t, 10*time.Second, "both in lounge/bob's history", func() bool {
		ms, err := p.History(ctx, a.JID, room+"/bob", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		h = h[:0]
		for _, m := range ms {
			h = append(h, m.From+": "+m.Body)
		}
		return len(h) == 2
	})
	if h[0] != room+"/bob: psst" || h[1] != a.JID+": psst back" {
		t.Errorf("lounge/bob's history: %q", h)
	}
	for _, peer := range []string{room, "bob@" + srv.Domain} {
		if ms, _ := p.History(ctx, a.JID, peer, 0, 10); len(ms) != 0 {
			t.Errorf("%d messages stored under %s", len(ms), peer)
		}
	}
	if _, err := s.SendPrivate(ctx, jid.MustParse("elsewhere@muc."+srv.Domain), "bob", "x"); err == nil {
		t.Error("a private message in a room alice is not in was accepted")
	}
}

// until polls ok every 50 ms until it holds, failing after d.
func until(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting until %s", d, what)
}
