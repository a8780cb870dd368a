package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The whole chain, real SQLite on both ends: 200 messages with a prosody
// restart in the middle; afterwards Bob's profile holds each exactly once
// and Alice's outbox is empty.
func TestNoLossNoDuplicatesAcrossServerRestart(t *testing.T) {
	// Offline storage, as on any real server (the node has it): a message
	// that reaches the server while bob is reconnecting waits for him.
	// Without it the server bounces such a message (alice's copy is marked
	// failed; under load that happened once in a fresh-Debian run).
	srv, alice, bob, aj, bj := cliPair(t, prosodytest.WithModule("offline"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fast := func(c *xmppclient.Config) { c.BackoffMin, c.BackoffMax = 100*time.Millisecond, time.Second }
	as := alice.session(t, ctx, aj, fast)
	bs := bob.session(t, ctx, bj, fast)

	// Bob's events are persisted as they arrive; count what is new.
	fresh := make(chan string, 1000)
	bobDone := make(chan struct{})
	go func() {
		defer close(bobDone)
		for ev := range bs.Events() {
			if sv, ok := ev.(chat.Saved); ok && sv.Fresh {
				if m, ok := sv.Event.(xmppclient.MessageReceived); ok {
					fresh <- m.OriginID
				}
			}
		}
	}()
	aliceDone := make(chan struct{})
	go func() {
		defer close(aliceDone)
		for ev := range as.Events() {
			if sv, ok := ev.(chat.Saved); !ok {
				continue
			} else if f, ok := sv.Event.(xmppclient.MessageFailed); ok {
				t.Errorf("message %s bounced: %v", f.ID, f.Error())
			}
		}
	}()
	if err := as.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bs.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}

	const n = 200
	to := jid.MustParse(bj)
	for i := 0; i < n; i++ {
		if i == n/2 {
			srv.Restart(t)
		}
		if _, err := as.Send(ctx, to, fmt.Sprintf("numbered %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	receiveOnce(t, fresh, seen, n, 60*time.Second)
	waitOutboxEmpty(t, ctx, as, aj, 30*time.Second)
	cancel()
	<-bobDone
	<-aliceDone
	as.done()
	bs.done()

	// The profiles agree: bob's history has each message once.
	historyHasEachOnce(t, bob, bj, aj, n)
}

// receiveOnce takes message ids from fresh into seen until it holds want,
// failing on an id seen before or when within passes.
func receiveOnce(t *testing.T, fresh <-chan string, seen map[string]bool, want int, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for len(seen) < want {
		select {
		case id := <-fresh:
			if seen[id] {
				t.Fatalf("message %s stored twice", id)
			}
			seen[id] = true
		case <-timeout:
			t.Fatalf("only %d of %d messages arrived", len(seen), want)
		}
	}
}

// waitOutboxEmpty waits until the account's outbox in s's store is empty.
func waitOutboxEmpty(t *testing.T, ctx context.Context, s testSession, account string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		p, err := s.Profile().Store().Pending(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in %s's outbox", len(p), account)
		}
	}
}

// historyHasEachOnce checks c's stored history of account with peer holds
// "numbered 000" … "numbered n-1" exactly once each.
func historyHasEachOnce(t *testing.T, c cli, account, peer string, n int) {
	t.Helper()
	h := c.ok("history", "--account", account, "--with", peer, "--limit", "1000")
	for i := 0; i < n; i++ {
		if got := strings.Count(h, fmt.Sprintf(": numbered %03d [", i)); got != 1 {
			t.Fatalf("%s's history has message %d %d times", account, i, got)
		}
	}
}

func (c cli) env() *env {
	return &env{profile: c.profile, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil)), getenv: func(k string) string {
		if k == "CLOVE_PASSWORD" {
			return c.pw
		}
		return ""
	}}
}

// testSession is a running session of a test's CLI profile; done waits
// for its end (cancel its context first) and closes the profile.
type testSession struct {
	*chat.Session
	done func()
}

func (c cli) session(t *testing.T, ctx context.Context, account string, tweak func(*xmppclient.Config)) testSession {
	t.Helper()
	return startSession(t, ctx, c.env(), account, tweak)
}

// loggedSession is session with its log (debug and up) in the test's,
// each line after who.
func (c cli) loggedSession(t *testing.T, ctx context.Context, who, account string, tweak func(*xmppclient.Config)) testSession {
	t.Helper()
	e := c.env()
	e.log = slog.New(slog.NewTextHandler(newTWriter(t, who+": "), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return startSession(t, ctx, e, account, tweak)
}

func startSession(t *testing.T, ctx context.Context, e *env, account string, tweak func(*xmppclient.Config)) testSession {
	t.Helper()
	s, done, err := e.session(ctx, account, chat.Options{Tweak: tweak})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	return testSession{s, done}
}
