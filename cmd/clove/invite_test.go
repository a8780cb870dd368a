package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// inviteMUC is a MUC service whose new rooms are open at once (slixmpp's
// join does not configure the room it creates).
const inviteMUC = "Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false"

// Invitations from the CLI, with slixmpp (its xep_0249 and xep_0045
// plugins) as the other party: `listen --json` prints a direct and a
// mediated one as "invite" objects; `room invite` sends both kinds; bad
// addresses are usage errors.
func TestCLIRoomInvitations(t *testing.T) {
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(inviteMUC))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice := newCLI(t, "pw")
	aj := "alice@" + srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045", "xep_0249"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	room := "den@muc.clove.test"
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}

	// Received: each invitation is sent until the listener (which takes a
	// moment to log in) printed it.
	for _, c := range []struct {
		inv  slixtest.Invite
		want jsonInvite
	}{
		{slixtest.Invite{Room: room, To: aj, Reason: "tea?", Password: "pw1"}, jsonInvite{Room: room, From: "bob@clove.test", Reason: "tea?", Password: "pw1"}},
		{slixtest.Invite{Room: room, To: aj, Reason: "through the room", Mediated: true}, jsonInvite{Room: room, From: room + "/bob", Reason: "through the room", Mediated: true}},
	} {
		out := make(chan string, 1)
		go func() { out <- alice.ok("listen", "--account", aj, "--count", "1", "--json", "--timeout", "60s") }()
		var got string
		for got == "" {
			if err := bob.Invite(ctx, c.inv); err != nil {
				t.Fatal(err)
			}
			select {
			case got = <-out:
			case <-time.After(time.Second):
			case <-ctx.Done():
				t.Fatal("listen never printed the invitation")
			}
		}
		var j jsonMessage
		if err := json.Unmarshal([]byte(strings.TrimSpace(got)), &j); err != nil || j.Invite == nil {
			t.Fatalf("listen --json printed %q (%v)", got, err)
		}
		if *j.Invite != c.want || j.From != c.want.From {
			t.Fatalf("invite: got %+v from %q, want %+v", *j.Invite, j.From, c.want)
		}
		t.Logf("listen --json: %s", strings.TrimSpace(got))
	}

	// Sent: directly, and through the room (the CLI enters it for that).
	out := alice.ok("room", "--account", aj, "invite", room, "bob@clove.test", "--reason", "join us")
	if !strings.Contains(out, "invited bob@clove.test to "+room) {
		t.Fatalf("room invite printed %q", out)
	}
	waitSlixXML(ctx, t, bob, "the direct invitation", `"jabber:x:conference"`, `jid="`+room+`"`, `reason="join us"`)
	alice.ok("room", "--account", aj, "invite", room, "bob@clove.test", "--reason", "via room", "--via-room")
	// Bob owns the room (he made it): the room shows him who invites.
	waitSlixXML(ctx, t, bob, "the mediated invitation", `invite from="alice@clove.test/`, "via room")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"room", "--account", aj, "invite", "not a room", "bob@clove.test"}, "not a room address"},
		{[]string{"room", "--account", aj, "invite", "muc.clove.test", "bob@clove.test"}, "not a room address"},
		{[]string{"room", "--account", aj, "invite", room, "no address"}, "not a valid address"},
		{[]string{"room", "--account", aj, "invite", room}, "room invite takes ROOM"},
	} {
		alice.fails(2, c.want, c.args...)
	}
}

// waitSlixXML waits for a message at c whose XML holds all of parts.
func waitSlixXML(ctx context.Context, t *testing.T, c *slixtest.Client, what string, parts ...string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := c.Wait(wctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(m.XML, p)
			}
			if all {
				return true
			}
		}
		return false
	})
	if err != nil {
		var xs []string
		for _, m := range c.Messages() {
			xs = append(xs, m.XML)
		}
		t.Fatalf("%s: %v; received:\n%s", what, err, strings.Join(xs, "\n"))
	}
}
