package xmppclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Client State Indication (XEP-0352) against prosody: with mod_csi_simple
// the server takes <inactive/> (it holds back a presence update to alice,
// here bob entering a room she is in, and sends it once she is active
// again; a message with a body still comes at once); without the module
// the feature is not offered and nothing is sent, and the presence comes
// at once.
func TestClientStateIndication(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modules []string
		csi     bool
	}{
		{"csi_simple", []string{"csi_simple"}, true},
		{"no CSI", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := prosodytest.Start(t, prosodytest.WithModule(tc.modules...), prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false"))
			srv.CreateUser(t, "alice", "pw")
			srv.CreateUser(t, "bob", "pw")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			a := start(t, config(srv, "alice", "pw"))
			b := start(t, config(srv, "bob", "pw"))
			a.wait("alice online", 15*time.Second, online)
			b.wait("bob online", 15*time.Second, online)
			lounge := jid.MustParse("lounge@muc.clove.test")
			if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
				t.Fatal(err)
			}
			sent, err := a.c.SetInactive(ctx, true)
			if err != nil || sent != tc.csi {
				t.Fatalf("SetInactive: sent %v (%v), want sent %v", sent, err, tc.csi)
			}
			if err := b.c.JoinRoom(ctx, lounge, "bob", xmppclient.JoinOptions{MustExist: true}); err != nil {
				t.Fatal(err)
			}
			bobIn := func(ev xmppclient.Event) bool {
				o, ok := ev.(xmppclient.Occupant)
				return ok && o.Nick == "bob" && !o.Left
			}
			if !tc.csi {
				a.wait("bob's presence, at once", 5*time.Second, bobIn)
				return
			}
			a.none("bob's presence while alice is inactive", 3*time.Second, bobIn)
			t0 := time.Now()
			if sent, err := a.c.SetInactive(ctx, false); err != nil || !sent {
				t.Fatalf("SetInactive(false): sent %v (%v)", sent, err)
			}
			a.wait("bob's presence once active", 5*time.Second, bobIn)
			t.Logf("the held presence came %v after <active/>", time.Since(t0).Round(time.Millisecond))

			// Inactive again: a message with a body is not held.
			if sent, err := a.c.SetInactive(ctx, true); err != nil || !sent {
				t.Fatalf("SetInactive(true) again: sent %v (%v)", sent, err)
			}
			if _, err := b.c.SendGroup(ctx, lounge, "still there?"); err != nil {
				t.Fatal(err)
			}
			a.wait("bob's message while inactive", 5*time.Second, func(ev xmppclient.Event) bool {
				g, ok := ev.(xmppclient.GroupMessage)
				return ok && g.Body == "still there?"
			})
		})
	}
}

// none fails if an event match accepts comes within d.
func (p *peer) none(what string, d time.Duration, match func(xmppclient.Event) bool) {
	p.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-p.events:
			if !ok {
				p.t.Fatalf("waiting for no %s: client stopped", what)
			}
			if match(ev) {
				p.t.Fatalf("got %s: %+v", what, ev)
			}
		case <-timer.C:
			return
		}
	}
}
