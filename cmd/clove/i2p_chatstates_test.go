package main

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Typing over the private I2P network: alice and bob, two Clove sessions
// each on its own router's SOCKS proxy in I2P-only mode, share presence
// and see each other type ("composing", then "paused" 5 s after the last
// key).
func TestChatStatesOverI2P(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the private I2P network")
	}
	s := startI2PServer(t, "xmpp-states")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	type user struct {
		s  *chat.Session
		j  jid.JID
		ev chan xmppclient.Event
	}
	start := func(i int, name string) user {
		p, err := chat.OpenProfile(ctx, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		a, err := p.NewAccount(name+"@"+s.b32, chat.Settings{Proxy: "socks5://" + s.net.Client(i).SOCKSAddr, I2POnly: true, Pin: s.srv.CertFingerprint})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AddAccount(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		sess, err := p.Session(a, "pw", chat.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sctx, stop := context.WithCancel(ctx)
		sess.Start(sctx)
		u := user{s: sess, j: jid.MustParse(a.JID), ev: make(chan xmppclient.Event, 1024)}
		go func() {
			for ev := range sess.Events() {
				if sv, ok := ev.(chat.Saved); ok {
					select {
					case u.ev <- sv.Event:
					default:
					}
				}
			}
		}()
		t.Cleanup(func() { stop(); _ = sess.Wait() })
		return u
	}
	wait := func(u user, d time.Duration, what string, ok func(xmppclient.Event) bool) {
		t.Helper()
		timer := time.NewTimer(d)
		defer timer.Stop()
		for {
			select {
			case ev := <-u.ev:
				if ok(ev) {
					return
				}
			case <-timer.C:
				t.Fatalf("%s: not within %v", what, d)
			}
		}
	}
	t0 := time.Now()
	alice, bob := start(0, "alice"), start(1, "bob")
	for _, u := range []user{alice, bob} {
		if err := u.s.WaitOnline(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("both online over I2P after %v", time.Since(t0).Round(time.Millisecond))

	// Presence shared both ways.
	for _, pair := range [][2]user{{alice, bob}, {bob, alice}} {
		from, to := pair[0], pair[1]
		if err := from.s.AddContact(ctx, to.j.String(), ""); err != nil {
			t.Fatal(err)
		}
		wait(to, 2*time.Minute, to.j.String()+" is asked", func(e xmppclient.Event) bool {
			r, ok := e.(xmppclient.SubscriptionRequest)
			return ok && r.From.Equal(from.j)
		})
		if err := to.s.AnswerSubscription(ctx, from.j.String(), true); err != nil {
			t.Fatal(err)
		}
	}
	both := func(u user, peer jid.JID) {
		wait(u, 2*time.Minute, u.j.String()+" shares presence with "+peer.String(), func(e xmppclient.Event) bool {
			r, ok := e.(xmppclient.RosterChanged)
			for _, it := range r.Items {
				if ok && it.JID.Equal(peer) && it.Subscription == "both" {
					return true
				}
			}
			return false
		})
	}
	both(alice, bob.j)
	both(bob, alice.j)

	// A message each way: each sees the other's <active/> (support).
	state := func(u user, from jid.JID, st string, d time.Duration) time.Duration {
		t.Helper()
		t1 := time.Now()
		wait(u, d, u.j.String()+" sees "+from.String()+" "+st, func(e xmppclient.Event) bool {
			c, ok := e.(xmppclient.ChatState)
			return ok && c.From.Bare().Equal(from) && c.State == st
		})
		return time.Since(t1)
	}
	if _, err := alice.s.Send(ctx, bob.j, "hello over I2P"); err != nil {
		t.Fatal(err)
	}
	state(bob, alice.j, xmppclient.StateActive, 2*time.Minute)
	if _, err := bob.s.Send(ctx, alice.j, "hello back"); err != nil {
		t.Fatal(err)
	}
	state(alice, bob.j, xmppclient.StateActive, 2*time.Minute)

	alice.s.Typing(bob.j)
	took := state(bob, alice.j, xmppclient.StateComposing, time.Minute)
	t.Logf("alice types: bob sees composing after %v", took.Round(time.Millisecond))
	bob.s.Typing(alice.j)
	took = state(alice, bob.j, xmppclient.StateComposing, time.Minute)
	t.Logf("bob types: alice sees composing after %v", took.Round(time.Millisecond))
	took = state(bob, alice.j, xmppclient.StatePaused, time.Minute)
	t.Logf("alice stopped: bob sees paused %v later", took.Round(time.Millisecond))
	if n := alice.s.ChatStatesSent(); n != 2 {
		t.Errorf("alice sent %d chat states, want 2 (composing, paused)", n)
	}
}
