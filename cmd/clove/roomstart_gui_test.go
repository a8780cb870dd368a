package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Turning a chat into a room in the real window under Xvfb (XEP-0045
// §7.9), slixmpp as bob: in Bob's chat, ⋮ → Start group chat… offers the
// contacts with Bob ticked; Enter makes the room, bob (slixmpp) gets the
// invitation from it naming alice and joins the members-only room, and
// the window opens the room with its "Invited …" note (and bob's "away:
// brb" beside his nick once he says it, §7.7); its ⋮ → Members…
// lists alice and bob, and carol's address typed there and Enter make her
// a member. Screenshots: group-start.png (the dialog),
// group-started.png and room-members.png, with
// CLOVE_UPDATE_SCREENSHOTS=1.
func TestGUIStartGroupChatUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\""))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := newCLI(t, "alice-pw")
	aj := "alice@" + srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", "bob@"+srv.Domain, "--name", "Bob")
	alice.ok("roster", "--account", aj, "add", "carol@"+srv.Domain, "--name", "Carol")

	w := aliceWindow(t, alice, aj)
	w.click(100, 89) // Bob, the first row
	time.Sleep(500 * time.Millisecond)
	w.click(chatMenuX, chatToolsY)
	time.Sleep(400 * time.Millisecond)
	// A contact's ⋮: Start group chat…, then the contact's menu.
	shot(t, w, "chat-menu.png")
	w.click(chatMenuItemX, chatMenuFirstY) // Start group chat…
	time.Sleep(700 * time.Millisecond)
	shot(t, w, "group-start.png")
	// bob logs in only now: slixmpp asks alice for her presence, and the
	// request would push Bob's row down.
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	w.keys("Return")
	var room string
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if strings.HasPrefix(m.From, "chat-") && strings.Contains(m.XML, "invite") {
				room = m.From
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("bob got no invitation: %v (%d messages)", err, len(ms))
	}
	if !strings.HasSuffix(room, "@muc.clove.test") {
		t.Fatalf("invited to %q", room)
	}
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatalf("bob could not join %s: %v", room, err)
	}
	// bob says he is away in the room (§7.7): the People list shows it.
	if err := bob.SendPresence(ctx, room+"/bob", "<show>away</show><status>brb</status>"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	p := shot(t, w, "group-started.png")
	if os.Getenv("CLOVE_UPDATE_SCREENSHOTS") == "" {
		t.Logf("screenshot: %s", p)
	}
	// The room's ⋮ menu → Members… (§7.11): alice the owner, bob a member.
	w.click(chatMenuX, chatToolsY)
	time.Sleep(400 * time.Millisecond)
	w.click(chatMenuItemX, chatMenuFirstY+2*chatMenuItemH) // Members…
	time.Sleep(1000 * time.Millisecond)
	// An owner may edit the lists (§9.5): the address entry has the
	// focus; carol's address and Enter make her a member.
	w.must("type", "--delay", "15", "carol@"+srv.Domain)
	w.keys("Return")
	time.Sleep(1500 * time.Millisecond)
	shot(t, w, "room-members.png")
	w.stop()
	if got := alice.ok("room", "--account", aj, "members", room); !strings.Contains(got, "carol@"+srv.Domain+"\tmember") {
		t.Errorf("after carol was added in Members…, room members printed %q", got)
	}
	h := alice.ok("room", "--account", aj, "list", "muc.clove.test")
	if strings.Contains(h, room) {
		t.Errorf("the private room is listed publicly: %s", h)
	}
}
