package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Private messages in a room in the real window under Xvfb, with slixmpp
// as the other occupant: bob's private message is listed as "bob (in
// lounge)"; a click opens it, and what alice types there reaches bob as a
// type='chat' message from lounge/alice with muc#user's <x/>.
func TestGUIRoomPrivateMessageUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	aj, lounge := "alice@"+srv.Domain, "lounge@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, lounge, "", true); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@" + srv.Domain + "/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, lounge, "bob"); err != nil {
		t.Fatal(err)
	}

	w := aliceWindow(t, alice, aj)
	// Bob writes once alice is back in the room (the room refuses a
	// private message to a nick not there): retried until it is stored.
	waitUntil(t, 30*time.Second, "bob's private message stored", func() bool {
		_ = bob.Send(ctx, slixtest.Outgoing{To: lounge + "/alice", ID: "pm1", Body: "psst, alice", ExtraXML: `<x xmlns='http://jabber.org/protocol/muc#user'/>`})
		time.Sleep(500 * time.Millisecond)
		return strings.Contains(alice.ok("history", "--account", aj, "--with", lounge+"/bob"), "psst, alice")
	})
	time.Sleep(500 * time.Millisecond)
	w.click(100, 89) // "bob (in lounge)", listed first (unread)
	time.Sleep(300 * time.Millisecond)
	const typed = "hi bob, only you read this"
	w.must("type", "--delay", "15", typed)
	w.must("key", "Return")
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == typed {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Body == typed && (m.From != lounge+"/alice" || m.Type != "chat" || !strings.Contains(m.XML, "http://jabber.org/protocol/muc#user") || strings.Contains(m.XML, "axolotl")) {
			t.Fatalf("bob got from %q type %q: %s", m.From, m.Type, m.XML)
		}
	}
	// Stored under lounge/bob both ways; the room's chat has neither.
	waitUntil(t, 10*time.Second, "alice's answer stored in the private chat", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", lounge+"/bob"), typed)
	})
	if h := alice.ok("history", "--account", aj, "--with", lounge); strings.Contains(h, "psst") || strings.Contains(h, typed) {
		t.Errorf("the room's history holds a private message: %q", h)
	}
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "room-private.png"))
	w.stop()
}
