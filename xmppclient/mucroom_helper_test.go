package xmppclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// ownedRoom is the set-up of the room administration tests: a fresh
// prosody, alice (Clove) in room name, which she made and owns, carol
// (Clove) online but not in it, and, when asked, slixmpp's bob in it.
type ownedRoom struct {
	srv  *prosodytest.Server
	ctx  context.Context
	a, c *peer
	room jid.JID
	bob  *slixtest.Client // nil unless asked
}

// newOwnedRoom sets it up on a prosody with component (its MUC's
// Component section); the context ends with the test (at most 2 minutes).
func newOwnedRoom(t *testing.T, component, name string, withBob bool) ownedRoom {
	t.Helper()
	if withBob {
		slixtest.Require(t)
	}
	r := ownedRoom{srv: prosodytest.Start(t, prosodytest.Config(component))}
	for _, u := range []string{"alice", "bob", "carol"} {
		r.srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r.ctx = ctx
	r.a = start(t, config(r.srv, "alice", "pw"))
	r.c = start(t, config(r.srv, "carol", "pw"))
	r.a.wait("alice online", 15*time.Second, online)
	r.c.wait("carol online", 15*time.Second, online)
	r.room = jid.MustParse(name + "@muc." + r.srv.Domain)
	if err := r.a.c.JoinRoom(ctx, r.room, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if !withBob {
		return r
	}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@" + r.srv.Domain + "/slix", Password: "pw", Addr: r.srv.C2SAddr, CertPEM: r.srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, r.room.String(), "bob"); err != nil {
		t.Fatal(err)
	}
	r.bob = bob
	return r
}
