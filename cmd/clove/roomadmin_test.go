package main

import (
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The room's owner from the command line (XEP-0045 §8–10), on a real
// prosody: alice kicks carol, who is listening in the room and is told
// why; bans her (she cannot come back) and lifts the ban; bob, with no
// rights, is refused; at last alice destroys the room.
func TestCLIRoomAdministration(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, "pw")
	}
	alice, bob, carol := newCLI(t, "pw"), newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj, cj := "alice@"+srv.Domain, "bob@"+srv.Domain, "carol@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	carol.ok("account", "add", cj, "--server", srv.C2SAddr)
	room := "board@muc.clove.test"
	alice.ok("room", "--account", aj, "send", room, "welcome") // hers: the owner

	stay := make(chan result, 1)
	go func() { stay <- carol.run("room", "--account", cj, "join", room, "--listen", "30s") }()
	waitUntil(t, 15*time.Second, "carol in the room", func() bool {
		return strings.Contains(bob.ok("room", "--account", bj, "join", room, "--history", "0"), "carol")
	})
	if r := bob.run("room", "--account", bj, "kick", room, "carol"); r.code == 0 || !strings.Contains(r.stderr, "does not let you remove carol") {
		t.Errorf("bob kicking carol: exit %d, %q; want a refusal", r.code, r.stderr)
	}
	if out := alice.ok("room", "--account", aj, "kick", room, "carol", "--reason", "spam"); !strings.Contains(out, "removed carol from "+room) {
		t.Errorf("room kick printed %q", out)
	}
	select {
	case r := <-stay:
		if r.code == 0 || !strings.Contains(r.stderr, "You were removed from the room by alice: spam.") {
			t.Errorf("carol's listening join after the kick: exit %d, %q", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("carol's listening join went on after she was kicked")
	}

	if out := alice.ok("room", "--account", aj, "ban", room, cj, "--reason", "enough"); !strings.Contains(out, "banned "+cj) {
		t.Errorf("room ban printed %q", out)
	}
	if r := carol.run("room", "--account", cj, "join", room); r.code == 0 || !strings.Contains(r.stderr, "banned") {
		t.Errorf("a banned carol joining: exit %d, %q", r.code, r.stderr)
	}
	alice.ok("room", "--account", aj, "affiliation", room, cj, "none")
	carol.ok("room", "--account", cj, "join", room, "--history", "0")
	if r := alice.run("room", "--account", aj, "role", room, "carol", "king"); r.code == 0 || !strings.Contains(r.stderr, "not a room role") {
		t.Errorf("a made-up role: exit %d, %q", r.code, r.stderr)
	}

	// The subject (§8.1): set by alice, seen at bob's next join, refused
	// to bob (prosody: moderators only), removed.
	if out := alice.ok("room", "--account", aj, "subject", room, "Board  meeting\nat noon"); out != "the subject of "+room+" is now: Board meeting at noon\n" {
		t.Errorf("room subject printed %q", out)
	}
	if out := bob.ok("room", "--account", bj, "join", room, "--history", "0"); !strings.Contains(out, "subject: Board meeting at noon") {
		t.Errorf("bob's join after the subject printed %q", out)
	}
	if r := bob.run("room", "--account", bj, "subject", room, "mine now"); r.code == 0 || !strings.Contains(r.stderr, "does not let you change the subject of "+room) {
		t.Errorf("bob setting the subject: exit %d, %q; want a refusal", r.code, r.stderr)
	}
	if out := alice.ok("room", "--account", aj, "subject", room, ""); out != "the subject of "+room+" is removed\n" {
		t.Errorf("room subject \"\" printed %q", out)
	}
	if out := bob.ok("room", "--account", bj, "join", room, "--history", "0"); strings.Contains(out, "subject:") {
		t.Errorf("bob's join after the subject was removed printed %q", out)
	}

	// The settings (§10.2): listed, changed, read back; refused to bob.
	if out := alice.ok("room", "--account", aj, "config", room); !strings.Contains(out, "muc#roomconfig_roomname\ttext-single\t") {
		t.Errorf("room config listed:\n%s", out)
	}
	if r := alice.run("room", "--account", aj, "config", room, "muc#roomconfig_nosuch=1"); r.code == 0 || !strings.Contains(r.stderr, "muc#roomconfig_roomname") {
		t.Errorf("an unknown setting: exit %d, %q", r.code, r.stderr)
	}
	out := alice.ok("room", "--account", aj, "config", room, "muc#roomconfig_roomname=Board room", "muc#roomconfig_moderatedroom=yes", "muc#roomconfig_roomsecret=s3cret")
	for _, want := range []string{"saved the settings of " + room, "muc#roomconfig_roomname\ttext-single\tBoard room", "muc#roomconfig_moderatedroom\tboolean\t1", "muc#roomconfig_roomsecret\ttext-private\t(set)"} {
		if !strings.Contains(out, want) {
			t.Errorf("room config after the change lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("room config printed the room's password:\n%s", out)
	}
	if again := alice.ok("room", "--account", aj, "config", room); !strings.Contains(again, "Board room") {
		t.Errorf("the name did not stay:\n%s", again)
	}
	// What the room says of itself (§6.4), to anyone: bob.
	info := bob.ok("room", "--account", bj, "info", room)
	for _, want := range []string{"room: " + room + "\n", "name: Board room\n", "moderated: yes\n", "password: yes\n", "members only: no\n", "addresses seen by: moderators only\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("room info lacks %q:\n%s", want, info)
		}
	}
	bob.fails(1, "does not exist", "room", "--account", bj, "info", "nowhere@muc.clove.test")
	alice.ok("room", "--account", aj, "config", room, "muc#roomconfig_roomsecret=", "muc#roomconfig_moderatedroom=0")
	if r := bob.run("room", "--account", bj, "config", room); r.code == 0 || !strings.Contains(r.stderr, "does not let you") {
		t.Errorf("bob reading the settings: exit %d, %q", r.code, r.stderr)
	}
	if r := bob.run("room", "--account", bj, "destroy", room); r.code == 0 || !strings.Contains(r.stderr, "does not let you") {
		t.Errorf("bob destroying the room: exit %d, %q", r.code, r.stderr)
	}
	if out := alice.ok("room", "--account", aj, "destroy", room, "--reason", "done"); !strings.Contains(out, "destroyed "+room) {
		t.Errorf("room destroy printed %q", out)
	}
	if r := alice.run("room", "--account", aj, "members", room); r.code == 0 || !strings.Contains(r.stderr, "was closed for good: done") {
		t.Errorf("the destroyed room's members: exit %d, %q", r.code, r.stderr)
	}
	if r := carol.run("room", "--account", cj, "join", room); r.code == 0 || !strings.Contains(r.stderr, "was closed for good: done") {
		t.Errorf("joining the destroyed room: exit %d, %q", r.code, r.stderr)
	}
}
