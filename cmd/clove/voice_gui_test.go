package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Requesting voice from the real window under Xvfb: carol, a visitor in a
// moderated room on a real prosody, sees "Request voice" in the room's
// header; a click sends the request, which reaches slixmpp's bob, a
// moderator, naming her.
func TestGUIRequestVoiceUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_persistent = true
	muc_room_default_moderated = true
	admins = { "bob@`+prosodytest.DefaultDomain+`" }`))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	aj, cj, lounge := "alice@"+srv.Domain, "carol@"+srv.Domain, "lounge@muc."+srv.Domain
	alice, carol := newCLI(t, "alice-pw"), newCLI(t, "carol-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("room", "--account", aj, "join", lounge) // alice makes it, as its owner
	carol.ok("account", "add", cj, "--server", srv.C2SAddr)
	c, _, _, stopC := guiSession(t, srv, carol.profile, "carol")
	if err := c.JoinRoom(ctx, lounge, "", false); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	stopC()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@" + srv.Domain + "/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, lounge, "bob"); err != nil {
		t.Fatal(err)
	}

	w := startWindow(t, startXvfb(t), carol.profile, "carol-pw", "Clove — "+cj)
	time.Sleep(1500 * time.Millisecond) // the roster, then the room joined
	w.click(100, 89)                    // the room: the only row
	time.Sleep(700 * time.Millisecond)
	p := screenshotPath(t, "room-request-voice.png")
	w.screenshot(p)
	w.click(requestVoiceX, chatToolsY) // "Request voice", left of ⋮
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if strings.Contains(m.XML, "muc#request") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("bob got no voice request: %v", err)
	}
	for _, m := range ms {
		if strings.Contains(m.XML, "muc#request") && (m.From != lounge || !strings.Contains(m.XML, "<ns1:value>carol</ns1:value>")) {
			t.Fatalf("the request bob got: from %q: %s", m.From, m.XML)
		}
	}
	w.stop()
}
