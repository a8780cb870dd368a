package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// events collects a running session's events for a test.
type events struct{ ch chan Event }

func collect(s *Session) events {
	e := events{ch: make(chan Event, 4096)}
	go func() {
		for ev := range s.Events() {
			e.ch <- ev
		}
		close(e.ch)
	}()
	return e
}

// wait returns the first client event for which ok holds.
func (e events) wait(t *testing.T, d time.Duration, what string, ok func(xmppclient.Event) bool) xmppclient.Event {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, open := <-e.ch:
			if !open {
				t.Fatalf("%s: the session ended", what)
			}
			if ce := clientEvent(ev); ce != nil && ok(ce) {
				return ce
			}
		case <-timer.C:
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

// slixPeer is slixmpp (a client that is not ours) as user@srv with the
// chat-state and correction plugins, resource res.
func slixPeer(t *testing.T, ctx context.Context, srv *prosodytest.Server, user, res string) *slixtest.Client {
	t.Helper()
	c, err := slixtest.Start(ctx, slixtest.Params{
		JID: user + "@" + srv.Domain + "/" + res, Password: user + "-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM,
		Plugins: []string{"xep_0085", "xep_0308"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// chatStatesAt are the chat-state-only messages c received.
func chatStatesAt(c *slixtest.Client) []slixtest.Message {
	var out []slixtest.Message
	for _, m := range c.Messages() {
		if m.Body == "" && strings.Contains(m.XML, "http://jabber.org/protocol/chatstates") {
			out = append(out, m)
		}
	}
	return out
}

// Chat states both ways with slixmpp on a real prosody: its typing reaches
// Clove's core; Clove's reaches it, composing once for 30 s of typing
// (a key every 150 ms), paused 5 s after the last key, never a stanza to
// someone who has not shown support or does not share presence with us.
func TestChatStatesWithSlixmpp(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	srv.CreateUser(t, "carol", "carol-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, err := p.Session(a, "alice-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	s.Start(sctx)
	ev := collect(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	bob := slixPeer(t, ctx, srv, "bob", "slix")
	carol := slixPeer(t, ctx, srv, "carol", "slix")
	bj, cj := jid.MustParse("bob@"+srv.Domain), jid.MustParse("carol@"+srv.Domain)
	subscribeBoth(t, ctx, s, ev, bj)

	// Before bob showed support: typing sends nothing.
	s.Typing(bj)
	time.Sleep(500 * time.Millisecond)
	s.LeaveChat(bj, true)
	time.Sleep(300 * time.Millisecond)
	if n := s.ChatStatesSent(); n != 0 {
		t.Fatalf("%d chat states sent before bob showed support", n)
	}

	// Bob types: alice's core hears it.
	if err := bob.Send(ctx, slixtest.Outgoing{To: a.JID, ExtraXML: `<composing xmlns='http://jabber.org/protocol/chatstates'/>`}); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 20*time.Second, "bob's composing", func(e xmppclient.Event) bool {
		cs, ok := e.(xmppclient.ChatState)
		return ok && cs.State == xmppclient.StateComposing && cs.From.Bare().Equal(bj)
	})
	if h, _ := p.History(ctx, a.JID, bj.String(), 0, 10); len(h) != 0 {
		t.Errorf("a chat state was stored: %+v", h)
	}

	// Alice types for 30 s.
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		s.Typing(bj)
		time.Sleep(150 * time.Millisecond)
	}
	typed := time.Since(start)
	time.Sleep(pauseAfter + 2*time.Second)
	states := chatStatesAt(bob)
	t.Logf("30 s of typing (%.1f s, a key every 150 ms), then 7 s idle: %d stanzas at slixmpp: %v", typed.Seconds(), len(states), stateNames(states))
	if len(states) != 2 || !strings.Contains(states[0].XML, "composing") || !strings.Contains(states[1].XML, "paused") {
		t.Fatalf("want composing then paused, got %v", stateNames(states))
	}
	for _, m := range states {
		if !strings.Contains(m.XML, "no-store") {
			t.Errorf("chat state without the no-store hint: %s", m.XML)
		}
	}

	// A message carries <active/> (and alice's typing state ends).
	if _, err := s.Send(ctx, bj, "done typing"); err != nil {
		t.Fatal(err)
	}
	got, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, "done typing") })
	if err != nil {
		t.Fatal(err)
	}
	if m := withBody(got, "done typing"); !strings.Contains(m.XML, "chatstates") || !strings.Contains(m.XML, "active") {
		t.Errorf("message without <active/>: %s", m.XML)
	}

	// Carol (not in alice's roster) shows support; alice still sends her
	// no typing: she does not share presence with carol.
	if err := carol.Send(ctx, slixtest.Outgoing{To: a.JID, ExtraXML: `<composing xmlns='http://jabber.org/protocol/chatstates'/>`}); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 20*time.Second, "carol's composing", func(e xmppclient.Event) bool {
		cs, ok := e.(xmppclient.ChatState)
		return ok && cs.From.Bare().Equal(cj)
	})
	before := s.ChatStatesSent()
	s.Typing(cj)
	time.Sleep(time.Second)
	if n := s.ChatStatesSent() - before; n != 0 || len(chatStatesAt(carol)) != 0 {
		t.Errorf("typing went to carol, who does not share presence: %d sent", n)
	}

	// Switched off: nothing more goes.
	s.SetTypingNotifications(false)
	before = s.ChatStatesSent()
	s.Typing(bj)
	time.Sleep(time.Second)
	if n := s.ChatStatesSent() - before; n != 0 {
		t.Errorf("typing notifications off, still %d sent", n)
	}

	// After a restart, bob's support is remembered: typing goes at once.
	stop()
	_ = s.Wait()
	at := len(chatStatesAt(bob))
	s2, err := p.Session(a, "alice-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s2ctx, stop2 := context.WithCancel(ctx)
	defer func() { stop2(); _ = s2.Wait() }()
	s2.Start(s2ctx)
	collect(s2)
	if err := s2.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	s2.Typing(bj)
	if _, err := bob.Wait(ctx, func([]slixtest.Message) bool { return len(chatStatesAt(bob)) > at }); err != nil {
		t.Fatalf("after a restart alice's typing did not reach bob: %v", err)
	}
	if got := stateNames(chatStatesAt(bob)[at:]); got[0] != "composing" {
		t.Errorf("after a restart: %v", got)
	}
}

func stateNames(ms []slixtest.Message) []string {
	var out []string
	for _, m := range ms {
		for _, st := range []string{"composing", "paused", "active", "inactive", "gone"} {
			if strings.Contains(m.XML, "<"+st) || strings.Contains(m.XML, ":"+st) {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

func hasBody(ms []slixtest.Message, body string) bool {
	return withBody(ms, body).Body != ""
}

func withBody(ms []slixtest.Message, body string) slixtest.Message {
	for _, m := range ms {
		if m.Body == body {
			return m
		}
	}
	return slixtest.Message{}
}

// subscribeBoth makes peer (slixmpp, which approves and asks back by
// itself) a contact of s's account with a subscription both ways.
func subscribeBoth(t *testing.T, ctx context.Context, s *Session, ev events, peer jid.JID) {
	t.Helper()
	if err := s.AddContact(ctx, peer.String(), ""); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 30*time.Second, "the subscription request back", func(e xmppclient.Event) bool {
		r, ok := e.(xmppclient.SubscriptionRequest)
		return ok && r.From.Equal(peer)
	})
	if err := s.AnswerSubscription(ctx, peer.String(), true); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 30*time.Second, "subscription both", func(e xmppclient.Event) bool {
		r, ok := e.(xmppclient.RosterChanged)
		if !ok {
			return false
		}
		for _, it := range r.Items {
			if it.JID.Bare().Equal(peer) && it.Subscription == "both" {
				return true
			}
		}
		return false
	})
}
