package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Deleting in a room from the CLI, on a prosody with prosody-modules'
// mod_muc_moderation (with muc_mam, which gives the room's messages the
// stanza-ids moderation names them by; without it Clove says the message
// has no id of its own): alice (who made the room, so its moderator) stays
// in it while bob says two things; `room moderate` removes one of bob's
// with a reason, `room retract` her own; her history shows both gone, the
// reason with the first; bob may not moderate (the room refuses him).
func TestCLIRoomModerateAndRetract(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.NeedsModule("muc_moderation"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\", \"muc_moderation\" }\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	room := "den@muc.clove.test"

	// Alice makes the room (its owner) before anyone else can: a join
	// racing hers made bob the owner, or found the new room still
	// locked ("does not exist"). It stays when she leaves (persistent).
	alice.ok("room", "--account", aj, "send", room, "welcome")
	stay := make(chan string, 1)
	go func() { stay <- alice.ok("room", "--account", aj, "join", room, "--listen", "12s") }()
	waitUntil(t, 10*time.Second, "alice in the room", func() bool {
		return strings.Contains(bob.ok("room", "--account", bj, "join", room, "--history", "0"), "alice")
	})
	bob.ok("room", "--account", bj, "send", room, "cheap watches here")
	bob.ok("room", "--account", bj, "send", room, "hello all")
	said := strings.Split(strings.TrimSpace(alice.ok("room", "--account", aj, "send", room, "wrong room, sorry")), "\n")
	mine := said[len(said)-1] // after the "joined …" line, the id
	var spam string
	waitUntil(t, 10*time.Second, "bob's message in alice's history", func() bool {
		for _, line := range strings.Split(alice.ok("history", "--account", aj, "--with", room, "--json"), "\n") {
			var m jsonMessage
			if json.Unmarshal([]byte(line), &m) == nil && m.Body == "cheap watches here" {
				spam = m.ID
			}
		}
		return spam != ""
	})

	if r := bob.run("room", "--account", bj, "moderate", room, spam); r.code == 0 || !strings.Contains(r.stderr, "refused") {
		t.Errorf("bob's moderation: exit %d, %q; want a refusal", r.code, r.stderr)
	}
	if out := alice.ok("room", "--account", aj, "moderate", room, spam, "--reason", "spam"); !strings.Contains(out, "removed "+spam+" in "+room) {
		t.Errorf("room moderate printed %q", out)
	}
	if out := alice.ok("room", "--account", aj, "retract", room, mine); !strings.Contains(out, "deleted "+mine+" in "+room) {
		t.Errorf("room retract printed %q", out)
	}
	h := alice.ok("history", "--account", aj, "--with", room)
	for _, want := range []string{"(removed by a moderator: spam)", "(deleted)", "hello all"} {
		if !strings.Contains(h, want) {
			t.Errorf("alice's history lacks %q:\n%s", want, h)
		}
	}
	for _, gone := range []string{"cheap watches", "wrong room"} {
		if strings.Contains(h, gone) {
			t.Errorf("alice's history still says %q:\n%s", gone, h)
		}
	}
	<-stay
}
