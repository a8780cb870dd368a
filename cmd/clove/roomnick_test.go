package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// XEP-0045 §7.6 from the CLI, slixmpp in the room as bob: `room nick` to
// bob's nick is refused (409) with one clear error and alice keeps hers;
// to a free one, the room tells bob (status 303, the new nick) and the
// next join uses it; bob's own change shows in alice's room as "bob is
// now known as Robert" and the occupant list has Robert, not bob.
func TestCLIRoomNick(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice := newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	room := "lounge@muc." + srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}

	// Taken: one error, the old nick kept.
	r := alice.fails(1, `the nickname "bob" is already used in `+room, "room", "--account", aj, "nick", room, "bob")
	if !strings.Contains(r.stderr, `you are still "alice" there`) {
		t.Errorf("the refusal does not say the nick stays: %q", r.stderr)
	}

	// Free: done, bob's slixmpp sees the 303 with the new nick.
	n := len(bob.Presences())
	start := time.Now()
	out := alice.ok("room", "--account", aj, "nick", room, "Alicia")
	took := time.Since(start)
	if !strings.Contains(out, "you are now Alicia in "+room) {
		t.Errorf("room nick printed %q", out)
	}
	if _, err := bob.WaitPresence(ctx, n, func(p slixtest.Presence) bool {
		return p.From == room+"/alice" && p.Type == "unavailable" && strings.Contains(p.XML, `code="303"`) && strings.Contains(p.XML, `nick="Alicia"`)
	}); err != nil {
		t.Fatalf("slixmpp saw no 303 from alice to Alicia: %v", err)
	}
	t.Logf("room nick (a whole CLI run: log in, join, rename, leave) took %v", took.Round(time.Millisecond))

	// The next join is as Alicia.
	if out := alice.ok("room", "--account", aj, "join", room, "--history", "0"); !strings.Contains(out, "joined "+room+" as Alicia") {
		t.Errorf("the next join: %q", out)
	}

	// Bob renames himself while alice listens.
	lout := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- alice.runCtx(ctx, lout, "room", "--account", aj, "join", room, "--history", "0", "--listen", "5s")
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(lout.String(), "joined "); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("alice never joined: %q", lout.String())
		}
	}
	if err := bob.SendPresence(ctx, room+"/Robert", ""); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("room join --listen exited %d: %s", code, lout.String())
	}
	got := lout.String()
	if !strings.Contains(got, "* bob is now known as Robert") || strings.Contains(got, "* bob left") || strings.Contains(got, "* Robert joined") {
		t.Errorf("alice's room while bob renamed himself:\n%s", got)
	}
	if out := alice.ok("room", "--account", aj, "join", room, "--history", "0"); !strings.Contains(out, "2 here: Alicia, Robert") {
		t.Errorf("the occupants after bob's rename: %q", out)
	}
	alice.fails(2, "room nick takes ROOM and the new nickname", "room", "--account", aj, "nick", room)
}
