package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// `clove room send --to NICK ROOM TEXT`: a private message to slixmpp's
// bob in the room, type chat from lounge/alice with muc#user's <x/>, kept
// in alice's history of lounge/bob; a nick not in the room fails clearly.
func TestCLIRoomPrivateMessage(t *testing.T) {
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"
    muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := newCLI(t, "pw")
	aj, room := "alice@"+srv.Domain, "lounge@muc.clove.test"
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("room", "--account", aj, "join", room) // made by alice: a room slixmpp makes stays locked
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@" + srv.Domain + "/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(alice.ok("room", "--account", aj, "send", "--to", "bob", room, "just", "for", "you"))
	if id == "" {
		t.Fatal("no id printed")
	}
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == "just for you" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Body == "just for you" && (m.From != room+"/alice" || m.Type != "chat" || !strings.Contains(m.XML, "http://jabber.org/protocol/muc#user")) {
			t.Fatalf("bob got from %q type %q: %s", m.From, m.Type, m.XML)
		}
	}
	if h := alice.ok("history", "--account", aj, "--with", room+"/bob"); !strings.Contains(h, "just for you") {
		t.Errorf("history of %s/bob: %q", room, h)
	}
	alice.fails(2, "not --file", "room", "--account", aj, "send", "--to", "bob", "--file", "x.txt", room)
}
