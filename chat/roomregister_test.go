package chat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The window's join (JoinRoom with no nick, as the Join dialog sends an
// empty Nickname field) takes the nick registered with the room (XEP-0045
// §7.12), against prosody 0.12's MUC: alice creates the room, registers
// "Ally" (§7.10), leaves, and joins again with no nick; a second
// registration is ErrAlreadyRegistered. A room that does not exist
// answers the x-roomuser-item question with an error: the join falls back
// to the account's name without waiting out the 5 s bound.
func TestJoinRoomTakesTheReservedNick(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"), prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "alice-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	room := "club@muc.clove.test"
	run := startRunning(t, ctx, ap, aa, "alice-pw", Options{Rooms: true})
	if err := run.s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := run.s.JoinRoom(ctx, room, "", true); err != nil {
		t.Fatal(err)
	}
	t.Logf("join of a new room (reserved-nick question refused first): %v", time.Since(start))
	if time.Since(start) > 3*time.Second {
		t.Errorf("the join of a new room took %v: the reserved-nick question held it up", time.Since(start))
	}
	if nick, _ := run.s.RoomNick(mustRoom(t, room)); nick != "alice" {
		t.Fatalf("first join as %q, want alice", nick)
	}
	if got, err := run.s.RegisterWithRoom(ctx, room, "Ally"); err != nil || got != "Ally" {
		t.Fatalf("register: %q, %v", got, err)
	}
	var already *xmppclient.ErrAlreadyRegistered
	if _, err := run.s.RegisterWithRoom(ctx, room, "Other"); !errors.As(err, &already) || already.Nick != "Ally" {
		t.Fatalf("second register: %v; want already registered as Ally", err)
	}
	if err := run.s.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := run.s.JoinRoom(ctx, room, "", false); err != nil {
		t.Fatal(err)
	}
	if nick, _ := run.s.RoomNick(mustRoom(t, room)); nick != "Ally" {
		t.Fatalf("join without a nick as %q, want the registered Ally", nick)
	}
}
