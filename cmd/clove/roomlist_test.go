package main

import (
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// `clove room list` against a real prosody whose MUC component keeps
// public, persistent rooms: two rooms made by joining them from the CLI are
// listed (address, occupants, name), with or without the service named;
// bad service addresses are usage errors.
func TestCLIRoomList(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"
    muc_room_default_public = true
    muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "pw")
	alice := newCLI(t, "pw")
	aj := "alice@" + srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	for _, r := range []string{"tea@muc.clove.test", "lounge@muc.clove.test"} {
		alice.ok("room", "--account", aj, "join", r, "--history", "0")
	}
	want := "lounge@muc.clove.test\t0\t\ntea@muc.clove.test\t0\t\n"
	for _, args := range [][]string{
		{"room", "--account", aj, "list"},
		{"room", "--account", aj, "list", "muc.clove.test"},
	} {
		if got := alice.ok(args...); got != want {
			t.Errorf("%s: got %q, want %q", strings.Join(args[3:], " "), got, want)
		}
	}
	if got := alice.ok("room", "--account", aj, "list", srv.Domain); got != "" {
		t.Errorf("rooms of the server itself: %q, want none", got)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"room", "--account", aj, "list", "tea@muc.clove.test"}, 2, "not a chat room service"},
		{[]string{"room", "--account", aj, "list", "a", "b"}, 2, "at most one service"},
	} {
		alice.fails(c.code, c.want, c.args...)
	}
}
