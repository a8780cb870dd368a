package main

import (
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Rooms from the CLI against a real prosody with a MUC component: bob
// stays in a room; alice joins (and sees him there), then says something,
// which bob prints; the history shows it to the next one who joins.
func TestCLIRoom(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"`))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	srv.CreateUser(t, "carol", "pw")
	alice, bob, carol := newCLI(t, "pw"), newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj, cj := "alice@"+srv.Domain, "bob@"+srv.Domain, "carol@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	carol.ok("account", "add", cj, "--server", srv.C2SAddr)
	room := "lounge@muc.clove.test"

	bobOut := make(chan string, 1)
	go func() { bobOut <- bob.ok("room", "--account", bj, "join", room, "--nick", "Bobby", "--listen", "8s") }()
	var out string
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out, "2 here: Bobby, alice"); {
		if time.Now().After(deadline) {
			t.Fatalf("alice never saw bob in the room: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
		out = alice.ok("room", "--account", aj, "join", room, "--history", "0")
	}
	id := strings.TrimSpace(alice.ok("room", "--account", aj, "send", room, "hello room"))
	if id == "" {
		t.Fatal("room send printed no id")
	}
	out = carol.ok("room", "--account", cj, "join", room)
	if !strings.Contains(out, "alice: hello room") || !strings.Contains(out, "2 here: Bobby, carol") {
		t.Fatalf("carol's join: %q", out)
	}
	got := <-bobOut
	for _, want := range []string{"joined " + room + " as Bobby; 1 here: Bobby", "* alice joined", "alice: hello room", "* carol joined"} {
		if !strings.Contains(got, want) {
			t.Fatalf("bob's room: want %q in\n%s", want, got)
		}
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"room", "--account", aj, "join", "not a room"}, 2, "not a room address"},
		{[]string{"room", "--account", aj, "join", "lounge@muc.clove.test/nick"}, 2, "not a room address"},
		{[]string{"room", "--account", aj, "shout", room}, 2, "join, send, retract, moderate, nick, register, invite, members, info, subject, kick, role, ban, affiliation, destroy, config, encryption, start or list"},
		{[]string{"room", "--account", aj, "send", room}, 2, "room send takes ROOM and TEXT"},
		{[]string{"room", "join", room}, 2, "--account"},
	} {
		alice.fails(c.code, c.want, c.args...)
	}
	// A wrong password: one clear error, at once.
	wrong := newCLI(t, "nope")
	wrong.profile = alice.profile
	wrong.fails(1, "password", "room", "--account", aj, "join", room)
}
