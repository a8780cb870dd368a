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

// Changing availability in a room (XEP-0045 §7.7), with slixmpp as the
// other occupant through a real prosody (with privacy lists, for
// invisibility):
//   - prosody does not pass a later broadcast presence to the rooms an
//     account joined (slixmpp's broadcast status never reaches alice from
//     the room), which is why Clove tells the rooms itself;
//   - alice's join carries her chosen show and status; each later change
//     reaches the room (slixmpp sees it from lounge/alice);
//   - going invisible tells the room nothing of the new status text;
//     becoming visible again tells it the new presence.
func TestRoomSeesOurPresence(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(mucComponent), prosodytest.WithPrivacyLists())
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("alice online", 15*time.Second, online)
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	lounge := jid.MustParse("lounge@muc.clove.test")
	if err := bob.JoinRoom(ctx, lounge.String(), "bob"); err != nil {
		t.Fatal(err)
	}
	const occ = "lounge@muc.clove.test/alice"
	fromAlice := func(typ string, want ...string) func(slixtest.Presence) bool {
		return func(p slixtest.Presence) bool {
			if p.From != occ || p.Type != typ {
				return false
			}
			for _, w := range want {
				if !strings.Contains(p.XML, w) {
					return false
				}
			}
			return true
		}
	}

	// The join carries the presence chosen before it.
	if err := a.c.SetPresence(ctx, "xa", "gone fishing"); err != nil {
		t.Fatal(err)
	}
	skip := len(bob.Presences())
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitPresence(ctx, skip, fromAlice("", "show>xa</", "status>gone fishing</", "muc#user")); err != nil {
		t.Fatalf("bob did not see alice join as xa: %v (%+v)", err, bob.Presences())
	}

	// Prosody itself: slixmpp's broadcast presence stays out of the room.
	if err := bob.SendPresence(ctx, "", "<status>broadcast only</status>"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: lounge.String(), Type: "groupchat", Body: "marker"}); err != nil {
		t.Fatal(err)
	}
	var forwarded bool
	a.wait("bob's marker", 15*time.Second, func(ev xmppclient.Event) bool {
		if o, ok := ev.(xmppclient.Occupant); ok && o.Nick == "bob" && o.Status == "broadcast only" {
			forwarded = true
		}
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "marker"
	})
	if forwarded {
		t.Error("prosody passed a broadcast presence to the room: Clove's own room presence is now a duplicate (mucpresence.go)")
	}

	// Each change reaches the room, and others' reach alice.
	for _, c := range []struct{ show, text string }{{"away", "at lunch"}, {"dnd", "in a meeting"}, {"", "back"}} {
		skip := len(bob.Presences())
		begin := time.Now()
		if err := a.c.SetPresence(ctx, c.show, c.text); err != nil {
			t.Fatal(err)
		}
		want := []string{"status>" + c.text + "</"}
		if c.show != "" {
			want = append(want, "show>"+c.show+"</")
		}
		p, err := bob.WaitPresence(ctx, skip, fromAlice("", want...))
		if err != nil {
			t.Fatalf("bob did not see alice's %q/%q: %v", c.show, c.text, err)
		}
		if c.show == "" && strings.Contains(p.XML, "show>") {
			t.Fatalf("available again but bob got %s", p.XML)
		}
		t.Logf("%q/%q reached the room's other occupant in %v", c.show, c.text, time.Since(begin).Round(time.Millisecond))
	}
	if err := bob.SendPresence(ctx, lounge.String()+"/bob", "<show>away</show><status>brb</status>"); err != nil {
		t.Fatal(err)
	}
	a.wait("bob away in the room", 15*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Nick == "bob" && o.Show == "away" && o.Status == "brb" && !o.Left
	})

	// Invisible: the room sees alice leave and come back plainly (the
	// re-entry), never the new text.
	for deadline := time.Now().Add(5 * time.Second); a.c.InvisibleSupport() != xmppclient.Supported; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server's privacy lists were not found: %v", a.c.InvisibleSupport())
		}
	}
	skip = len(bob.Presences())
	if err := a.c.SetPresence(ctx, xmppclient.Invisible, "secret plans"); err != nil {
		t.Fatal(err)
	}
	back, err := bob.WaitPresence(ctx, skip, fromAlice("", "muc"))
	if err != nil {
		t.Fatalf("alice did not come back into the room while invisible: %v", err)
	}
	if strings.Contains(back.XML, "show>") || strings.Contains(back.XML, "status>") {
		t.Fatalf("invisible, the room got %s", back.XML)
	}
	skip = len(bob.Presences())
	if err := a.c.SetPresence(ctx, "dnd", "visible again"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitPresence(ctx, skip, fromAlice("", "show>dnd</", "status>visible again</")); err != nil {
		t.Fatalf("bob did not see alice visible again: %v", err)
	}
	for _, p := range bob.Presences() {
		if strings.Contains(p.XML, "secret plans") {
			t.Fatalf("the invisible status text reached the room: %s", p.XML)
		}
	}
}
