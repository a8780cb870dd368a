package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// OMEMO in a group chat in the real window: alice starts a group chat
// from Bob's chat (⋮ → Start group chat…); bob, on slixmpp-omemo, joins;
// the room's lock is closed and green, its dialog names bob as the member
// the messages are encrypted for; what alice types there bob decrypts, and
// what bob says, encrypted for alice, shows in the window with the small
// lock and is stored encrypted.
func TestGUIOMEMORoomUnderXvfb(t *testing.T) {
	needX(t)
	slixtest.RequireOMEMO(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithModule("private"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")

	w := startWindow(t, startXvfb(t), alice.profile, "pw", "Clove — "+aj)
	time.Sleep(700 * time.Millisecond) // the roster loads in the background
	w.click(100, 89)                   // Bob, the first row
	time.Sleep(500 * time.Millisecond)
	w.click(chatMenuX, chatToolsY)
	time.Sleep(400 * time.Millisecond)
	w.click(chatMenuItemX, chatMenuFirstY) // Start group chat…
	time.Sleep(700 * time.Millisecond)
	// bob logs in only now (see TestGUIStartGroupChatUnderXvfb).
	bob := startOMEMOSlix(t, ctx, srv, bj+"/slixmpp-omemo", slixtest.Params{})
	w.keys("Return")
	var room string
	ictx, icancel := context.WithTimeout(ctx, 20*time.Second)
	defer icancel()
	if _, err := bob.Wait(ictx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if strings.HasPrefix(m.From, "chat-") && strings.Contains(m.XML, "invite") {
				room = m.From
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("bob got no invitation: %v", err)
	}
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatalf("bob could not join %s: %v", room, err)
	}
	time.Sleep(1500 * time.Millisecond) // the lock asks again once bob is in

	const mine = "group secret from the window: the picnic is at four"
	w.must("type", "--delay", "15", mine)
	w.keys("Return")
	m := atBob(t, ctx, bob, mine)
	if !m.Encrypted || m.From != room+"/alice" {
		t.Errorf("bob got %+v, want it encrypted from %s/alice", m, room)
	}
	const theirs = "group secret from bob: I bring the lemonade"
	if _, err := bob.SendStanzas(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: theirs, Encrypt: true, Recipients: []string{aj}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "alice's window stores bob's encrypted room message", func() bool {
		for _, line := range strings.Split(strings.TrimSpace(alice.ok("history", "--account", aj, "--with", room, "--json")), "\n") {
			var m jsonMessage
			if json.Unmarshal([]byte(line), &m) == nil && m.Body == theirs && m.Encrypted {
				return true
			}
		}
		return false
	})
	time.Sleep(500 * time.Millisecond)
	// The lock by the composer (as in TestGUIOMEMOLockAndVerifyUnderXvfb)
	// is green: closed, encrypted.
	if c := pixelAt(t, shot(t, w, "omemo-room.png"), 838, 533); !(c.G > 150 && int(c.G) > int(c.R)+60) {
		t.Errorf("the room's lock is %v, not green (closed: encrypted)", c)
	}
	w.click(838, 533) // its dialog
	time.Sleep(600 * time.Millisecond)
	shot(t, w, "omemo-room-lock.png")
	w.stop()

	h := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(alice.ok("history", "--account", aj, "--with", room, "--json")), "\n") {
		var m jsonMessage
		if json.Unmarshal([]byte(line), &m) == nil {
			h[m.Body] = m.Encrypted
		}
	}
	for _, s := range []string{mine, theirs} {
		if enc, ok := h[s]; !ok || !enc {
			t.Errorf("alice's history of the room: %q present %v, encrypted %v", s, ok, enc)
		}
	}
	if slices.ContainsFunc(bob.Messages(), func(m slixtest.Message) bool { return m.DecryptError != "" }) {
		t.Errorf("slixmpp-omemo could not decrypt a message: %+v", bob.Messages())
	}
}
