package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
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

// waitBody waits until the window got a message with body.
func waitBody(t *testing.T, r *guitest.Recorder, body string) {
	t.Helper()
	want := fmt.Sprintf("%q", body)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		for _, line := range r.Got() {
			if strings.HasPrefix(line, "msg ") && strings.Contains(line, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window never got the message %s; it got %q", want, r.Got())
		}
	}
}

// waitSawAfter waits until the window got the line what after its first
// n lines.
func waitSawAfter(t *testing.T, r *guitest.Recorder, n int, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got := r.Got()
		for _, line := range got[min(n, len(got)):] {
			if line == what {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window never got %q after line %d; it got %q", what, n, got)
		}
	}
}

// Invisible from the window's backend against a real prosody with
// mod_privacy_lists: the backend offers it once logged in, bob's window
// shows alice unavailable while she is invisible (also through her next
// session, which starts invisible), messages go both ways meanwhile, and
// choosing Available shows her to bob again.
func TestGUIInvisible(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPrivacyLists())
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
	start := func(user, show string) running {
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
		// Chosen before the login, as the window does with the saved choice.
		if err := b.SetStatus(ctx, show, ""); err != nil {
			t.Fatal(err)
		}
		if ok, why := b.CanBeInvisible(); ok || why != "known once logged in" {
			t.Errorf("before the login: CanBeInvisible = %v, %q", ok, why)
		}
		r := &guitest.Recorder{}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); gui.RunSession(sctx, p, a, user+"-pw", b, r, nil) }()
		stop := func() { cancel(); <-done }
		t.Cleanup(stop)
		return running{b, r, stop}
	}
	alice, bob := start("alice", ""), start("bob", "")
	waitSaw(t, alice.r, "state online")
	waitSaw(t, bob.r, "state online")
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
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ok, _ := alice.b.CanBeInvisible(); ok {
			break
		}
		if time.Now().After(deadline) {
			ok, why := alice.b.CanBeInvisible()
			t.Fatalf("invisibility not offered with mod_privacy_lists: %v, %q", ok, why)
		}
	}

	n := len(bob.r.Got())
	begin := time.Now()
	if err := alice.b.SetStatus(ctx, "invisible", "not here"); err != nil {
		t.Fatal(err)
	}
	waitSawAfter(t, bob.r, n, fmt.Sprintf("presence %s %d", aj, ui.Unavailable))
	t.Logf("bob's window showed alice unavailable %v after she chose Invisible", time.Since(begin).Round(time.Millisecond))
	if _, err := alice.b.Send(ctx, bj, "from the shadows"); err != nil {
		t.Fatal(err)
	}
	waitBody(t, bob.r, "from the shadows")
	if _, err := bob.b.Send(ctx, aj, "I know you are there"); err != nil {
		t.Fatal(err)
	}
	waitBody(t, alice.r, "I know you are there")
	if got := bob.r.Got()[n:]; slices.Contains(got, fmt.Sprintf("presence %s %d", aj, ui.Available)) {
		t.Fatalf("bob saw alice available again while she is invisible: %q", got)
	}

	// Her next session starts invisible: bob never sees her available.
	alice.stop()
	n = len(bob.r.Got())
	again := start("alice", "invisible")
	waitSaw(t, again.r, "state online")
	if _, err := again.b.Send(ctx, bj, "back, still hidden"); err != nil {
		t.Fatal(err)
	}
	waitBody(t, bob.r, "back, still hidden")
	if _, err := bob.b.Send(ctx, aj, "got it"); err != nil {
		t.Fatal(err)
	}
	waitBody(t, again.r, "got it")
	for _, line := range bob.r.Got()[n:] {
		if line == fmt.Sprintf("presence %s %d", aj, ui.Available) {
			t.Fatalf("bob saw alice available at her invisible login: %q", bob.r.Got()[n:])
		}
	}

	n = len(bob.r.Got())
	begin = time.Now()
	if err := again.b.SetStatus(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	waitSawAfter(t, bob.r, n, fmt.Sprintf("presence %s %d", aj, ui.Available))
	t.Logf("bob's window showed alice available %v after she chose Available", time.Since(begin).Round(time.Millisecond))
}
