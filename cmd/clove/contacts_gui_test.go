package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

// recorder is a Sink that writes down what it was told.
type recorder struct{ got []string }

func (r *recorder) OnState(s ui.ConnState, e string) { r.add("state %s %s", s, e) }
func (r *recorder) OnMessage(m ui.Message) {
	r.add("msg %s %s out=%v %q %s nick=%s history=%v", m.Key, m.Peer, m.Outgoing, m.Body, m.State, m.Nick, m.History)
}
func (r *recorder) OnMessageState(k string, s ui.MsgState) { r.add("mstate %s %s", k, s) }
func (r *recorder) OnPresence(j string, p ui.Presence)     { r.add("presence %s %d", j, p) }
func (r *recorder) OnRoster()                              { r.add("roster") }
func (r *recorder) OnSubscriptionRequest(j string)         { r.add("subscription request %s", j) }
func (r *recorder) OnRoomJoined(room, nick string)         { r.add("joined %s as %s", room, nick) }
func (r *recorder) OnOccupant(room, nick string, left bool) {
	r.add("occupant %s %s left=%v", room, nick, left)
}
func (r *recorder) OnRoomSubject(room, subject string) { r.add("subject %s %q", room, subject) }
func (r *recorder) OnSessionStarted()                  { r.add("session started") }
func (r *recorder) OfferAction(label string, _ func()) { r.add("offer %s", label) }
func (r *recorder) add(f string, a ...any) {
	r.got = append(r.got, strings.TrimSpace(fmt.Sprintf(f, a...)))
}

// lockedRecorder is a recorder safe for the session's goroutine and the test.
type lockedRecorder struct {
	mu   sync.Mutex
	r    recorder
	acts map[string]func() // the actions offered, by label
}

func (l *lockedRecorder) OnState(s ui.ConnState, e string) { l.do(func() { l.r.OnState(s, e) }) }
func (l *lockedRecorder) OnMessage(m ui.Message)           { l.do(func() { l.r.OnMessage(m) }) }
func (l *lockedRecorder) OnMessageState(k string, s ui.MsgState) {
	l.do(func() { l.r.OnMessageState(k, s) })
}
func (l *lockedRecorder) OnPresence(j string, p ui.Presence) { l.do(func() { l.r.OnPresence(j, p) }) }
func (l *lockedRecorder) OnRoster()                          { l.do(l.r.OnRoster) }
func (l *lockedRecorder) OnSubscriptionRequest(j string) {
	l.do(func() { l.r.OnSubscriptionRequest(j) })
}
func (l *lockedRecorder) OnRoomJoined(room, nick string) {
	l.do(func() { l.r.OnRoomJoined(room, nick) })
}
func (l *lockedRecorder) OnOccupant(room, nick string, left bool) {
	l.do(func() { l.r.OnOccupant(room, nick, left) })
}
func (l *lockedRecorder) OnSessionStarted() { l.do(l.r.OnSessionStarted) }
func (l *lockedRecorder) OfferAction(label string, act func()) {
	l.do(func() {
		l.r.OfferAction(label, act)
		if l.acts == nil {
			l.acts = map[string]func(){}
		}
		l.acts[label] = act
	})
}

// tap does the action offered as label.
func (l *lockedRecorder) tap(t *testing.T, label string) {
	t.Helper()
	l.mu.Lock()
	act := l.acts[label]
	l.mu.Unlock()
	if act == nil {
		t.Fatalf("%q was never offered", label)
	}
	act()
}

// lastState is the last connection state the window was told.
func (l *lockedRecorder) lastState() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.r.got) - 1; i >= 0; i-- {
		if strings.HasPrefix(l.r.got[i], "state ") {
			return l.r.got[i]
		}
	}
	return ""
}
func (l *lockedRecorder) OnRoomSubject(room, subject string) {
	l.do(func() { l.r.OnRoomSubject(room, subject) })
}
func (l *lockedRecorder) do(f func()) { l.mu.Lock(); defer l.mu.Unlock(); f() }

func (l *lockedRecorder) saw(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, g := range l.r.got {
		if strings.HasPrefix(g, s) {
			return true
		}
	}
	return false
}

func waitSaw(t *testing.T, r *lockedRecorder, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !r.saw(what) {
		if time.Now().After(deadline) {
			t.Fatalf("the window never got %q; it got %q", what, r.r.got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The window's roster editing against a real prosody: alice adds bob, bob
// sees the request and accepts it, alice removes him; bad addresses and a
// session not logged in are plain errors.
func TestGUIBackendEditsTheRoster(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	start := func(user string) (*gui.Backend, *store.Store, *lockedRecorder) {
		e := &env{profile: t.TempDir(), stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(string) string { return "" }}
		p, st, err := e.openTestProfile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := store.Account{JID: user + "@" + srv.Domain, Server: srv.C2SAddr, Pin: srv.CertFingerprint}
		if err := st.AddAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		b := gui.NewBackend(p, a.JID)
		if err := b.AddContact(ctx, "carol@"+srv.Domain, ""); err == nil || !strings.Contains(err.Error(), "not logged in") {
			t.Errorf("before login: %v", err)
		}
		r := &lockedRecorder{}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); gui.RunSession(sctx, p, a, user+"-pw", b, r, nil) }()
		t.Cleanup(func() { cancel(); <-done; st.Close() })
		waitSaw(t, r, "state online")
		return b, st, r
	}
	alice, ast, _ := start("alice")
	bob, _, bobWin := start("bob")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain

	for _, bad := range []string{"", "not an address", srv.Domain, "@" + srv.Domain} {
		if err := alice.AddContact(ctx, bad, ""); err == nil || !strings.Contains(err.Error(), "is not a valid address") {
			t.Errorf("AddContact(%q): %v", bad, err)
		}
	}
	if err := alice.AddContact(ctx, " "+bj+" ", "Bob"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bobWin, "subscription request "+aj)
	if err := bob.AnswerSubscription(ctx, aj, true); err != nil {
		t.Fatal(err)
	}
	sub := func() string {
		cs, _ := ast.Contacts(ctx, aj)
		for _, c := range cs {
			if c.JID == bj {
				return c.Name + " " + c.Subscription
			}
		}
		return "none"
	}
	for deadline := time.Now().Add(20 * time.Second); sub() != "Bob to"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("alice's roster: bob is %q, want \"Bob to\" after bob accepted", sub())
		}
	}
	if cs, _ := alice.Contacts(ctx); len(cs) != 1 || cs[0] != (ui.Contact{JID: bj, Name: "Bob"}) {
		t.Errorf("the window's contacts: %v", cs)
	}
	// Renaming keeps the subscription (no new request goes out).
	if err := alice.RenameContact(ctx, bj, "  Robert "); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); sub() != "Robert to"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("alice's roster after renaming: bob is %q, want \"Robert to\"", sub())
		}
	}
	if err := alice.RenameContact(ctx, "not an address", "x"); err == nil || !strings.Contains(err.Error(), "is not a valid address") {
		t.Errorf("renaming a bad address: %v", err)
	}
	if err := alice.RemoveContact(ctx, bj); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); sub() != "none"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("bob is still in alice's roster: %q", sub())
		}
	}
}
