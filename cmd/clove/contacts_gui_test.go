package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/gui/guitest"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

func waitSaw(t *testing.T, r *guitest.Recorder, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !r.Saw(what) {
		if time.Now().After(deadline) {
			t.Fatalf("the window never got %q; it got %q", what, r.Got())
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
	start := func(user string) (*gui.Backend, *store.Store, *guitest.Recorder) {
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
		r := &guitest.Recorder{}
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

// The presence chosen in the window reaches contacts, with its message,
// and is sent again at the next login: alice goes away against a real
// prosody and bob's window shows her away; her next session starts away.
func TestGUIStatusReachesContacts(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	type running struct {
		b    *gui.Backend
		r    *guitest.Recorder
		stop func()
	}
	profiles := map[string]*chat.Profile{}
	start := func(user string) running {
		p := profiles[user]
		if p == nil {
			e := &env{profile: t.TempDir(), stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(string) string { return "" }}
			var st *store.Store
			var err error
			p, st, err = e.openTestProfile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.AddAccount(ctx, store.Account{JID: user + "@" + srv.Domain, Server: srv.C2SAddr, Pin: srv.CertFingerprint}); err != nil {
				t.Fatal(err)
			}
			profiles[user] = p
		}
		a, err := p.Account(ctx, user+"@"+srv.Domain)
		if err != nil {
			t.Fatal(err)
		}
		b := gui.NewBackend(p, a.JID)
		r := &guitest.Recorder{}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); gui.RunSession(sctx, p, a, user+"-pw", b, r, nil) }()
		stop := func() { cancel(); <-done }
		t.Cleanup(stop)
		return running{b, r, stop}
	}
	alice, bob := start("alice"), start("bob")
	waitSaw(t, alice.r, "state online")
	waitSaw(t, bob.r, "state online")
	// Mutual subscription, so each sees the other's presence.
	if err := alice.b.AddContact(ctx, bj, "Bob"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bob.r, "subscription request "+aj)
	if err := bob.b.AnswerSubscription(ctx, aj, true); err != nil {
		t.Fatal(err)
	}
	if err := bob.b.AddContact(ctx, aj, "Alice"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, alice.r, "subscription request "+bj)
	if err := alice.b.AnswerSubscription(ctx, bj, true); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bob.r, fmt.Sprintf("presence %s %d", aj, ui.Available))

	if err := alice.b.SetStatus(ctx, "away", "back at 3"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bob.r, fmt.Sprintf("presence %s %d", aj, ui.Away))
	if err := alice.b.SetStatus(ctx, "bogus", ""); err == nil {
		t.Error("a presence that does not exist was accepted")
	}

	// The next session of the same backend starts away: bob never sees
	// alice available in between.
	alice.stop()
	waitSaw(t, bob.r, fmt.Sprintf("presence %s %d", aj, ui.Unavailable))
	n := len(bob.r.Got())
	again := start("alice")
	if err := again.b.SetStatus(ctx, "dnd", ""); err != nil { // chosen before the login
		t.Fatal(err)
	}
	waitSaw(t, again.r, "state online")
	waitSaw(t, bob.r, fmt.Sprintf("presence %s %d", aj, ui.Busy))
	for _, line := range bob.r.Got()[n:] {
		if line == fmt.Sprintf("presence %s %d", aj, ui.Available) {
			t.Errorf("bob saw alice available at her login: %q", bob.r.Got()[n:])
		}
	}
}
