package main

import (
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Registering with a room (XEP-0045 §7.10) and finding the registered
// nick again (§7.12), from the CLI against a real prosody 0.12 MUC (its
// muc/register.lib.lua; allow_unaffiliated_register so bob, not a member,
// may register too; persistent rooms so the registrations outlive the
// visits): alice registers "Ally" (her first visit creates the room, so
// she is its owner), a later join without --nick enters as Ally, a second
// registration says "already registered", and bob registering "Ally" is
// refused with one line.
func TestCLIRoomRegister(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"
	muc_room_default_persistent = true
	allow_unaffiliated_register = true`))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	room := "club@muc.clove.test"

	// The room must exist before one can register with it.
	if out := alice.ok("room", "--account", aj, "join", room, "--history", "0"); !strings.Contains(out, "as alice;") {
		t.Fatalf("first join: %q", out)
	}
	if out := alice.ok("room", "--account", aj, "register", room, "--nick", "Ally"); out != "registered as Ally in "+room+"\n" {
		t.Fatalf("register: %q", out)
	}
	if out := alice.ok("room", "--account", aj, "join", room, "--history", "0"); !strings.Contains(out, "joined "+room+" as Ally;") {
		t.Fatalf("a join without --nick did not take the registered nick: %q", out)
	}
	if out := alice.ok("room", "--account", aj, "register", room, "--nick", "Other"); out != "already registered as Ally in "+room+"\n" {
		t.Fatalf("second register: %q", out)
	}
	// Bob has no reservation: his join keeps his account's name.
	if out := bob.ok("room", "--account", bj, "join", room, "--history", "0"); !strings.Contains(out, "as bob;") {
		t.Fatalf("bob's join: %q", out)
	}
	r := bob.fails(1, "the nickname Ally is already taken in "+room, "room", "--account", bj, "register", room, "--nick", "Ally")
	t.Logf("bob: %s", r.stderr)
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
		t.Fatalf("bob taking alice's nick: want one line, got %q", r.stderr)
	}
	if out := bob.ok("room", "--account", bj, "register", room); out != "registered as bob in "+room+"\n" {
		t.Fatalf("bob's register: %q", out)
	}
}
