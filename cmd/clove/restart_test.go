package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// The whole chain, real SQLite on both ends: 200 messages with a prosody
// restart in the middle; afterwards Bob's profile holds each exactly once
// and Alice's outbox is empty.
func TestNoLossNoDuplicatesAcrossServerRestart(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)

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
		e := bob.env()
		for ev := range bs.client.Events() {
			if bs.handle(ctx, e, ev) {
				if m, ok := ev.(xmppclient.MessageReceived); ok {
					fresh <- m.OriginID
				}
			}
		}
	}()
	aliceDone := make(chan struct{})
	go func() {
		defer close(aliceDone)
		e := alice.env()
		for ev := range as.client.Events() {
			as.handle(ctx, e, ev)
		}
	}()
	if err := as.client.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bs.client.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}

	const n = 200
	to := jid.MustParse(bj)
	for i := 0; i < n; i++ {
		if i == n/2 {
			srv.Restart(t)
		}
		if _, err := as.client.Send(ctx, to, fmt.Sprintf("numbered %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	timeout := time.After(60 * time.Second)
	for len(seen) < n {
		select {
		case id := <-fresh:
			if seen[id] {
				t.Fatalf("message %s stored twice", id)
			}
			seen[id] = true
		case <-timeout:
			t.Fatalf("only %d of %d messages arrived", len(seen), n)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := as.st.Pending(ctx, aj)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in alice's outbox", len(p))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-bobDone
	<-aliceDone
	as.close(alice.env())
	bs.close(bob.env())

	// The profiles agree: bob's history has each message once.
	h := bob.ok("history", "--account", bj, "--with", aj, "--limit", "1000")
	for i := 0; i < n; i++ {
		if c := strings.Count(h, fmt.Sprintf(": numbered %03d [", i)); c != 1 {
			t.Fatalf("bob's history has message %d %d times", i, c)
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

func (c cli) session(t *testing.T, ctx context.Context, account string, tweak func(*xmppclient.Config)) *session {
	t.Helper()
	s, err := c.env().startSession(ctx, account, tweak)
	if err != nil {
		t.Fatal(err)
	}
	s.start(ctx)
	return s
}
