package xmppclient_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// relay forwards TCP to prosody and can cut every connection, the way a
// dropped Wi-Fi or a restarted router does, without touching the server.
// With oneWay > 0 it holds every chunk that long in each direction
// (delayCopy): a link with a round trip of 2×oneWay.
type relay struct {
	ln     net.Listener
	target string
	oneWay time.Duration
	mu     sync.Mutex
	conns  []net.Conn
}

func newRelay(t *testing.T, target string) *relay { return newDelayedRelay(t, target, 0) }

func newDelayedRelay(t *testing.T, target string, oneWay time.Duration) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, oneWay: oneWay}
	t.Cleanup(func() { ln.Close(); r.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, s)
			r.mu.Unlock()
			if oneWay > 0 {
				go delayCopy(s, c, oneWay)
				go delayCopy(c, s, oneWay)
				continue
			}
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return r
}

func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// testOutbox is an in-memory Outbox, one entry at a time (no batches:
// the client's one-by-one path), whose state the test can read.
type testOutbox struct{ b batchOutbox }

func (o *testOutbox) Enqueue(ctx context.Context, e xmppclient.OutboxEntry) error {
	return o.b.Enqueue(ctx, e)
}

func (o *testOutbox) Pending(ctx context.Context) ([]xmppclient.OutboxEntry, error) {
	return o.b.Pending(ctx)
}

func (o *testOutbox) Acked(ctx context.Context, id string) error { return o.b.Acked(ctx, id) }

func (o *testOutbox) len() int {
	p, _ := o.b.Pending(context.Background())
	return len(p)
}

// collect counts messages at the receiver by origin id.
func collect(p *peer, ids map[string]bool, want int, d time.Duration) (dups int) {
	p.t.Helper()
	seen := map[string]int{}
	p.wait(fmt.Sprintf("%d messages", want), d, func(ev xmppclient.Event) bool {
		if m, ok := ev.(xmppclient.MessageReceived); ok && ids[m.OriginID] {
			seen[m.OriginID]++
			if seen[m.OriginID] > 1 {
				dups++
			}
		}
		return len(seen) == want
	})
	return dups
}

// alicebob starts a prosody with users alice and bob, and a client for
// each: alice's keeps its outbox in box and, when relayed, dials through
// a relay the test can cut. It returns once both are online.
func alicebob(t *testing.T, box xmppclient.Outbox, relayed bool) (srv *prosodytest.Server, a, b *peer, r *relay) {
	t.Helper()
	prosodytest.Require(t)
	srv = prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	acfg := config(srv, "alice", "pw")
	acfg.Outbox = box
	if relayed {
		r = newRelay(t, srv.C2SAddr)
		acfg.Dial = func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", r.ln.Addr().String())
		}
	}
	a = start(t, acfg)
	b = start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	return srv, a, b, r
}

func TestReconnectAfterServerRestartLosesNothing(t *testing.T) {
	box := &testOutbox{}
	srv, a, b, _ := alicebob(t, box, false)

	const n = 200
	bob := jid.MustParse("bob@" + srv.Domain)
	ids := map[string]bool{}
	for i := 0; i < n; i++ {
		if i == n/2 {
			srv.Restart(t)
		}
		id, err := a.c.Send(context.Background(), bob, fmt.Sprintf("msg %d", i))
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		ids[id] = true
	}
	dups := collect(b, ids, n, 60*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for box.len() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if box.len() != 0 {
		t.Fatalf("%d messages still in the outbox after delivery", box.len())
	}
	t.Logf("%d messages across a server restart: all %d delivered, %d delivered twice at the client level (deduplicated by origin-id in the store)", n, n, dups)
}

func TestStreamResumptionAfterDroppedConnection(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prosody log:\n%s", srv.LogTail(150))
		}
	})
	r := newRelay(t, srv.C2SAddr)
	box := &testOutbox{}
	acfg := config(srv, "alice", "pw")
	acfg.Outbox = box
	acfg.Dial = func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", r.ln.Addr().String())
	}
	a := start(t, acfg)
	b := start(t, config(srv, "bob", "pw"))
	// Online comes once the roster request and presence are on their
	// way; the server's answers (stream management enabled, then the
	// roster) follow. Resumption needs the first: cut after the roster.
	var on, roster bool
	a.wait("alice online with her roster", 15*time.Second, func(ev xmppclient.Event) bool {
		on = on || online(ev)
		if rc, ok := ev.(xmppclient.RosterChanged); ok && rc.Full {
			roster = true
		}
		return on && roster
	})
	b.wait("bob online", 15*time.Second, online)
	alice, bob := jid.MustParse("alice@"+srv.Domain), jid.MustParse("bob@"+srv.Domain)

	r.cut()
	a.wait("alice notices the drop", 10*time.Second, func(ev xmppclient.Event) bool {
		sc, ok := ev.(xmppclient.StateChanged)
		return ok && sc.State == xmppclient.Offline
	})
	// While alice is away: bob writes to her, she writes to bob.
	if _, err := b.c.Send(context.Background(), alice, "while you were away"); err != nil {
		t.Fatal(err)
	}
	id, err := a.c.Send(context.Background(), bob, "queued while offline")
	if err != nil {
		t.Fatal(err)
	}
	// The held message may arrive before or after the Online event.
	var resumed, held, acked bool
	a.wait("resumption, the held message and the ack", 15*time.Second, func(ev xmppclient.Event) bool {
		switch ev := ev.(type) {
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Online {
				resumed = ev.Resumed
				if !resumed {
					t.Errorf("reconnected without resuming the session")
				}
			}
		case xmppclient.MessageReceived:
			held = held || ev.Body == "while you were away"
		case xmppclient.MessageAcked:
			acked = acked || ev.ID == id
		}
		return resumed && held && acked
	})
	b.wait("alice's queued message", 10*time.Second, bodyIs("queued while offline"))
	if box.len() != 0 {
		t.Fatalf("outbox not empty: %d", box.len())
	}
}

// TestSendManyAcrossDroppedConnection cuts alice's connection in the middle
// of a burst: every message still reaches bob, none is lost, and the outbox
// empties once the server has acked them all.
func TestSendManyAcrossDroppedConnection(t *testing.T) {
	box := &batchOutbox{}
	srv, a, b, r := alicebob(t, box, true)

	const n = 3000
	msgs := burst(srv, n)
	type result struct {
		ids []string
		err error
	}
	sent := make(chan result, 1)
	go func() {
		ids, err := a.c.SendMany(context.Background(), msgs)
		sent <- result{ids, err}
	}()
	seen := map[string]bool{}
	b.wait("the first 300 at bob", 20*time.Second, func(ev xmppclient.Event) bool {
		if m, ok := ev.(xmppclient.MessageReceived); ok {
			seen[m.Body] = true
		}
		return len(seen) >= 300
	})
	r.cut()
	res := <-sent
	if res.err != nil || len(res.ids) != n {
		t.Fatalf("SendMany: %d ids, %v", len(res.ids), res.err)
	}
	timeout := time.After(30 * time.Second)
	for len(seen) < n {
		select {
		case ev := <-b.events:
			if m, ok := ev.(xmppclient.MessageReceived); ok {
				seen[m.Body] = true
			}
			if sc, ok := ev.(xmppclient.StateChanged); ok && sc.State != xmppclient.Online {
				// Only alice's connection was cut.
				t.Errorf("bob's session: %v (%v)", sc.State, sc.Err)
			}
		case <-timeout:
			t.Logf("prosody log:\n%s", srv.LogTail(60))
			var missing []string
			for i := 0; i < n && len(missing) < 10; i++ {
				if !seen[fmt.Sprintf("burst %d", i)] {
					missing = append(missing, fmt.Sprint(i))
				}
			}
			p, _ := box.Pending(context.Background())
			t.Fatalf("%d of %d at bob (missing e.g. %v); %d in alice's outbox; chunks %v", len(seen), n, missing, len(p), box.chunks)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, _ := box.Pending(context.Background())
		if len(p) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in the outbox after delivery", len(p))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
