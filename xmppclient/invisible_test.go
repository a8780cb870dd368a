package xmppclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// befriend makes a and b see each other's presence (subscription both).
func befriend(t *testing.T, a, b *peer, aj, bj jid.JID) {
	t.Helper()
	ctx := context.Background()
	if err := a.c.AddContact(ctx, bj, "", nil, true); err != nil {
		t.Fatal(err)
	}
	b.wait("alice's request", 10*time.Second, isRequestFrom(aj))
	if err := b.c.Approve(ctx, aj); err != nil {
		t.Fatal(err)
	}
	if err := b.c.AddContact(ctx, aj, "", nil, true); err != nil {
		t.Fatal(err)
	}
	a.wait("bob's request", 10*time.Second, isRequestFrom(bj))
	if err := a.c.Approve(ctx, bj); err != nil {
		t.Fatal(err)
	}
	b.wait("alice available", 10*time.Second, presenceOf(aj, ""))
}

func isRequestFrom(j jid.JID) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.SubscriptionRequest)
		return ok && r.From.Equal(j)
	}
}

// presenceOf matches j's presence of type typ ("" available, "unavailable").
func presenceOf(j jid.JID, typ string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		p, ok := ev.(xmppclient.PresenceChanged)
		return ok && p.From.Bare().Equal(j) && p.Type == typ
	}
}

// drain returns the events that came so far, without waiting.
func (p *peer) drain() []xmppclient.Event {
	var out []xmppclient.Event
	for {
		select {
		case ev := <-p.events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// Invisible (XEP-0126 on prosody's mod_privacy_lists): bob sees alice
// leave and stay unavailable, also across a server restart that forces new
// sessions (the list is active again before her first presence, and her
// server answers bob's login probe with nothing); messages still go both
// ways; becoming visible shows her to bob with the chosen presence.
func TestInvisibleToContacts(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPrivacyLists())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	aj, bj := jid.MustParse("alice@"+srv.Domain), jid.MustParse("bob@"+srv.Domain)
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	befriend(t, a, b, aj, bj)
	for deadline := time.Now().Add(5 * time.Second); a.c.InvisibleSupport() != xmppclient.Supported; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server's privacy lists were not found: %v", a.c.InvisibleSupport())
		}
	}
	ctx := context.Background()

	begin := time.Now()
	if err := a.c.SetPresence(ctx, xmppclient.Invisible, "not here"); err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	b.wait("alice unavailable", 10*time.Second, presenceOf(aj, "unavailable"))
	t.Logf("going invisible: SetPresence %v, bob saw alice leave after %v", took.Round(time.Microsecond), time.Since(begin).Round(time.Microsecond))

	if _, err := a.c.Send(ctx, bj, "from the shadows"); err != nil {
		t.Fatal(err)
	}
	var back bool // her available presence behind the list must not leak
	b.wait("alice's message", 10*time.Second, func(ev xmppclient.Event) bool {
		back = back || presenceOf(aj, "")(ev)
		return bodyIs("from the shadows")(ev)
	})
	if back {
		t.Fatal("bob saw alice available again after she went invisible")
	}
	if _, err := b.c.Send(ctx, aj, "to the shadows"); err != nil { // her bare address
		t.Fatal(err)
	}
	a.wait("bob's message", 10*time.Second, bodyIs("to the shadows"))
	// Contacts' presence still reaches her.
	if err := b.c.SetPresence(ctx, "dnd", ""); err != nil {
		t.Fatal(err)
	}
	a.wait("bob busy", 10*time.Second, func(ev xmppclient.Event) bool {
		p, ok := ev.(xmppclient.PresenceChanged)
		return ok && p.From.Bare().Equal(bj) && p.Show == "dnd"
	})
	if err := a.c.Approve(ctx, bj); !errors.Is(err, xmppclient.ErrInvisible) {
		t.Errorf("a presence request while invisible: %v, want ErrInvisible", err)
	}

	// New sessions for both: alice's starts invisible, bob's login probes her.
	b.drain()
	srv.Restart(t)
	a.wait("alice online again", 20*time.Second, online)
	b.wait("bob online again", 20*time.Second, online)
	// A message round trip after both logins: bob's probe and anything
	// alice's login sent have been handled by then.
	if _, err := b.c.Send(ctx, aj, "still there?"); err != nil {
		t.Fatal(err)
	}
	var aliceSawBob bool
	a.wait("bob's message after the restart", 10*time.Second, func(ev xmppclient.Event) bool {
		aliceSawBob = aliceSawBob || presenceOf(bj, "")(ev)
		return bodyIs("still there?")(ev)
	})
	// Not asserted: it depends on who logged in first. Prosody's privacy
	// list also holds back her login's probes, so she learns a contact's
	// presence only when it changes (or when the contact logs in after her).
	t.Logf("after the restart invisible alice saw bob's presence: %v", aliceSawBob)
	if _, err := a.c.Send(ctx, bj, "yes"); err != nil {
		t.Fatal(err)
	}
	var sawAvailable bool
	b.wait("alice's answer after the restart", 10*time.Second, func(ev xmppclient.Event) bool {
		sawAvailable = sawAvailable || presenceOf(aj, "")(ev)
		return bodyIs("yes")(ev)
	})
	if sawAvailable {
		t.Fatal("bob saw alice available after the restart")
	}

	begin = time.Now()
	if err := a.c.SetPresence(ctx, "away", "back at 3"); err != nil {
		t.Fatal(err)
	}
	took = time.Since(begin)
	ev := b.wait("alice visible", 10*time.Second, presenceOf(aj, "")).(xmppclient.PresenceChanged)
	t.Logf("becoming visible: SetPresence %v, bob saw alice after %v", took.Round(time.Microsecond), time.Since(begin).Round(time.Microsecond))
	if ev.Show != "away" || ev.Status != "back at 3" {
		t.Errorf("bob sees alice %q %q, want away, back at 3", ev.Show, ev.Status)
	}
}

// A login that starts invisible: the contact online at the time never
// sees the account available, and its login takes one more round trip.
func TestInvisibleFromTheLogin(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPrivacyLists())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	aj, bj := jid.MustParse("alice@"+srv.Domain), jid.MustParse("bob@"+srv.Domain)
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	befriend(t, a, b, aj, bj)
	a.stop()
	b.wait("alice gone", 10*time.Second, presenceOf(aj, "unavailable"))

	for _, invisible := range []bool{false, true} {
		c, err := xmppclient.New(config(srv, "alice", "pw"))
		if err != nil {
			t.Fatal(err)
		}
		if invisible {
			_ = c.SetPresence(context.Background(), xmppclient.Invisible, "")
		}
		p := &peer{t: t, c: c, events: make(chan xmppclient.Event, 1000), cancel: func() {}, done: make(chan error, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		p.cancel = cancel
		begin := time.Now()
		go func() { p.done <- c.Run(ctx) }()
		go func() {
			for ev := range c.Events() {
				p.events <- ev
			}
			close(p.events)
		}()
		p.wait("alice online", 15*time.Second, online)
		login := time.Since(begin)
		if _, err := c.Send(context.Background(), bj, "login done"); err != nil {
			t.Fatal(err)
		}
		var sawAvailable bool
		b.wait("alice's message", 10*time.Second, func(ev xmppclient.Event) bool {
			sawAvailable = sawAvailable || presenceOf(aj, "")(ev)
			return bodyIs("login done")(ev)
		})
		t.Logf("invisible %v: login %v, bob saw alice available: %v", invisible, login.Round(time.Microsecond), sawAvailable)
		if sawAvailable == invisible {
			t.Errorf("invisible %v: bob saw alice available: %v", invisible, sawAvailable)
		}
		p.stop()
		if !invisible {
			b.wait("alice gone", 10*time.Second, presenceOf(aj, "unavailable"))
		}
	}
}

// A server without privacy lists: the client says so before trying, and
// going invisible is one clear error that changes nothing bob sees.
func TestInvisibleWithoutPrivacyLists(t *testing.T) {
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	aj, bj := jid.MustParse("alice@"+srv.Domain), jid.MustParse("bob@"+srv.Domain)
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	befriend(t, a, b, aj, bj)
	for deadline := time.Now().Add(5 * time.Second); a.c.InvisibleSupport() != xmppclient.Unsupported; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("support: %v, want unsupported", a.c.InvisibleSupport())
		}
	}
	err := a.c.SetPresence(context.Background(), xmppclient.Invisible, "")
	if err == nil || !strings.Contains(err.Error(), "does not offer invisibility") {
		t.Fatalf("going invisible without privacy lists: %v", err)
	}
	if _, err := a.c.Send(context.Background(), bj, "still visible"); err != nil {
		t.Fatal(err)
	}
	var sawLeave bool
	b.wait("alice's message", 10*time.Second, func(ev xmppclient.Event) bool {
		sawLeave = sawLeave || presenceOf(aj, "unavailable")(ev)
		return bodyIs("still visible")(ev)
	})
	if sawLeave {
		t.Fatal("bob saw alice leave")
	}
}

// Rooms see an invisible account: the list lets presence through to the
// rooms it is in (going invisible makes the server leave them, so they are
// entered again) and to a room it joins while invisible.
func TestInvisibleInRooms(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPrivacyLists(), prosodytest.Config(`Component "muc.clove.test" "muc"`))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	lounge, den := jid.MustParse("lounge@muc.clove.test"), jid.MustParse("den@muc.clove.test")
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.c.JoinRoom(ctx, lounge, "bob", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.c.JoinRoom(ctx, den, "bob", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	occupant := func(room jid.JID, left bool) func(xmppclient.Event) bool {
		return func(ev xmppclient.Event) bool {
			o, ok := ev.(xmppclient.Occupant)
			return ok && o.Room.Equal(room) && o.Nick == "alice" && o.Left == left
		}
	}
	b.wait("alice in the lounge", 10*time.Second, occupant(lounge, false))

	begin := time.Now()
	if err := a.c.SetPresence(ctx, xmppclient.Invisible, ""); err != nil {
		t.Fatal(err)
	}
	b.wait("alice leaving the lounge", 10*time.Second, occupant(lounge, true))
	b.wait("alice back in the lounge", 10*time.Second, occupant(lounge, false))
	t.Logf("going invisible: alice was out of the lounge for bob for %v", time.Since(begin).Round(time.Millisecond))
	if _, err := a.c.SendGroup(ctx, lounge, "still here"); err != nil {
		t.Fatal(err)
	}
	b.wait("alice's group message", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "still here" && g.Nick == "alice"
	})

	begin = time.Now()
	if err := a.c.JoinRoom(ctx, den, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatalf("joining a room while invisible: %v", err)
	}
	t.Logf("joining a room while invisible: %v", time.Since(begin).Round(time.Millisecond))
	b.wait("alice in the den", 10*time.Second, occupant(den, false))
}
