package xmppclient_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Client State Indication (XEP-0352) against prosody: with mod_csi_simple
// the server takes <inactive/> (it holds back a presence update to alice,
// here bob entering a room she is in, and sends it once she is active
// again; told before the login, it is told at the login); without the module
// the feature is not offered and nothing is sent, and the presence comes
// at once.
func TestClientStateIndication(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modules []string
		csi     bool
	}{
		// Prosody stays "flushing" (sending everything) for
		// csi_resume_inactive_delay (5 s) after anything important
		// went out (an iq answer, a message with a body, the room's
		// subject on a join): shortened so the test need not wait.
		{"csi_simple", []string{"csi_simple"}, true},
		{"no CSI", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := prosodytest.Start(t, prosodytest.WithModule(tc.modules...), prosodytest.Config("csi_resume_inactive_delay = 0.2\nComponent \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false"))
			t.Cleanup(func() {
				if t.Failed() {
					t.Log(srv.LogTail(60))
				}
			})
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
			if tc.csi {
				time.Sleep(time.Second) // past the pseudo-active time after the join
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
				// The server's log has every stanza it read: no CSI.
				if log, err := os.ReadFile(srv.LogFile); err != nil || strings.Contains(string(log), "urn:xmpp:csi:0") {
					t.Fatalf("CSI sent to a server without it (or no log: %v)", err)
				}
				return
			}
			a.none("bob's presence while alice is inactive", 3*time.Second, bobIn)
			t0 := time.Now()
			if sent, err := a.c.SetInactive(ctx, false); err != nil || !sent {
				t.Fatalf("SetInactive(false): sent %v (%v)", sent, err)
			}
			a.wait("bob's presence once active", 5*time.Second, bobIn)
			t.Logf("the held presence came %v after <active/>", time.Since(t0).Round(time.Millisecond))

			// Inactive before the login: told at the login.
			srv.CreateUser(t, "carol", "pw")
			cc, err := xmppclient.New(config(srv, "carol", "pw"))
			if err != nil {
				t.Fatal(err)
			}
			if sent, err := cc.SetInactive(ctx, true); sent || err != nil {
				t.Fatalf("SetInactive offline: sent %v (%v)", sent, err)
			}
			c := run(t, cc)
			c.wait("carol online", 15*time.Second, online)
			if err := c.c.JoinRoom(ctx, lounge, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // past the pseudo-active time after the join's subject
			if err := b.c.LeaveRoom(ctx, lounge); err != nil {
				t.Fatal(err)
			}
			bobLeft := func(ev xmppclient.Event) bool {
				o, ok := ev.(xmppclient.Occupant)
				return ok && o.Nick == "bob" && o.Left
			}
			c.none("bob leaving while carol is inactive from the login", 3*time.Second, bobLeft)
			if sent, err := cc.SetInactive(ctx, false); err != nil || !sent {
				t.Fatalf("carol SetInactive(false): sent %v (%v)", sent, err)
			}
			c.wait("bob leaving, once carol is active", 5*time.Second, bobLeft)
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
