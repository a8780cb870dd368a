package xmppclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

type memPins struct {
	mu sync.Mutex
	m  map[string]string
}

func (p *memPins) Pin(_ context.Context, host string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[host], nil
}

func (p *memPins) SetPin(_ context.Context, host, fp string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[host] = fp
	return nil
}

type memCursor struct {
	mu   sync.Mutex
	last string
}

func (c *memCursor) LastArchiveID(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, nil
}

// peer is a running client whose events a test can wait on.
type peer struct {
	t      *testing.T
	c      *xmppclient.Client
	events chan xmppclient.Event
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func config(srv *prosodytest.Server, user, password string) xmppclient.Config {
	addr := srv.C2SAddr
	return xmppclient.Config{
		JID:      jid.MustParse(user + "@" + srv.Domain),
		Password: password,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		Pins:           &memPins{},
		BackoffMin:     100 * time.Millisecond,
		BackoffMax:     time.Second,
		ConnectTimeout: 10 * time.Second,
	}
}

func start(t *testing.T, cfg xmppclient.Config) *peer {
	t.Helper()
	c, err := xmppclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return run(t, c)
}

// run runs c until the test ends.
func run(t *testing.T, c *xmppclient.Client) *peer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &peer{t: t, c: c, events: make(chan xmppclient.Event, 10000), cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- c.Run(ctx) }()
	go func() {
		for ev := range c.Events() {
			p.events <- ev
		}
		close(p.events)
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *peer) stop() { p.once.Do(p.doStop) }

func (p *peer) doStop() {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		p.t.Errorf("client did not stop:\n%s", buf[:runtime.Stack(buf, true)])
	}
}

// wait returns the first event for which match is true.
func (p *peer) wait(what string, d time.Duration, match func(xmppclient.Event) bool) xmppclient.Event {
	p.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-p.events:
			if !ok {
				p.t.Fatalf("waiting for %s: client stopped", what)
			}
			if sc, ok := ev.(xmppclient.StateChanged); ok && sc.State == xmppclient.Failed {
				if match(ev) {
					return ev
				}
				p.t.Fatalf("waiting for %s: client failed: %v", what, sc.Err)
			}
			if ee, ok := ev.(xmppclient.ErrorEvent); ok {
				p.t.Logf("error event: %v", ee.Err)
			}
			if match(ev) {
				return ev
			}
		case <-timer.C:
			p.t.Fatalf("timed out after %s waiting for %s", d, what)
		}
	}
}

// pinnedOnFirstUse waits for p's first login to a server it never saw:
// the certificate pinned as new, the pin the server's key, then online
// and the pin stored.
func pinnedOnFirstUse(t *testing.T, p *peer, pins *memPins, srv *prosodytest.Server) {
	t.Helper()
	ev := p.wait("pin", 15*time.Second, func(ev xmppclient.Event) bool { _, ok := ev.(xmppclient.CertPinned); return ok }).(xmppclient.CertPinned)
	if ev.Known || ev.Fingerprint != srv.CertFingerprint {
		t.Fatalf("pinned %+v, server key %s", ev, srv.CertFingerprint)
	}
	p.wait("online", 15*time.Second, online)
	if fp, _ := pins.Pin(context.Background(), srv.Domain); fp != srv.CertFingerprint {
		t.Fatalf("stored pin %q", fp)
	}
}

func online(ev xmppclient.Event) bool {
	sc, ok := ev.(xmppclient.StateChanged)
	return ok && sc.State == xmppclient.Online
}

func bodyIs(body string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.MessageReceived)
		return ok && m.Body == body
	}
}

func TestChatBothWaysWithAcksAndReceipts(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	a := start(t, config(srv, "alice", "alice-pw"))
	b := start(t, config(srv, "bob", "bob-pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	if want := "clove-"; !strings.HasPrefix(a.c.JID().Resourcepart(), want) {
		t.Errorf("bound %s: the resource Clove asked for was not kept", a.c.JID())
	}

	bob := jid.MustParse("bob@" + srv.Domain)
	id, err := a.c.Send(context.Background(), bob, "hello bob <&> ✓")
	if err != nil {
		t.Fatal(err)
	}
	got := b.wait("message at bob", 10*time.Second, bodyIs("hello bob <&> ✓")).(xmppclient.MessageReceived)
	if got.OriginID != id || !got.From.Bare().Equal(jid.MustParse("alice@"+srv.Domain)) {
		t.Fatalf("got %+v, want origin id %s from alice", got.Message, id)
	}
	// The server's ack and bob's receipt can arrive in either order.
	var acked, receipt bool
	a.wait("server ack and delivery receipt", 10*time.Second, func(ev xmppclient.Event) bool {
		switch ev := ev.(type) {
		case xmppclient.MessageAcked:
			acked = acked || ev.ID == id
		case xmppclient.ReceiptReceived:
			receipt = receipt || ev.ID == id
		}
		return acked && receipt
	})
	if _, err := b.c.Send(context.Background(), jid.MustParse("alice@"+srv.Domain), "hi alice"); err != nil {
		t.Fatal(err)
	}
	a.wait("reply at alice", 10*time.Second, bodyIs("hi alice"))
}

// batchOutbox is an in-memory BatchOutbox that records the size of each
// durable write.
type batchOutbox struct {
	mu      sync.Mutex
	pending []xmppclient.OutboxEntry
	chunks  []int
}

func (o *batchOutbox) Enqueue(ctx context.Context, e xmppclient.OutboxEntry) error {
	return o.EnqueueBatch(ctx, []xmppclient.OutboxEntry{e})
}

func (o *batchOutbox) EnqueueBatch(_ context.Context, es []xmppclient.OutboxEntry) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending = append(o.pending, es...)
	o.chunks = append(o.chunks, len(es))
	return nil
}

func (o *batchOutbox) Pending(context.Context) ([]xmppclient.OutboxEntry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]xmppclient.OutboxEntry(nil), o.pending...), nil
}

func (o *batchOutbox) Acked(ctx context.Context, id string) error {
	return o.AckedBatch(ctx, []string{id})
}

func (o *batchOutbox) AckedBatch(_ context.Context, ids []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	o.pending = slices.DeleteFunc(o.pending, func(e xmppclient.OutboxEntry) bool { return gone[e.ID] })
	return nil
}

// TestSendManyInChunks: a burst is written in growing chunks, each sent
// once durable; all arrive in order, all are acked, the outbox empties.
func TestSendManyInChunks(t *testing.T) {
	ob := &batchOutbox{}
	srv, a, b, _ := alicebob(t, ob, false)

	const n = 1000
	ids, err := a.c.SendMany(context.Background(), burst(srv, n))
	if err != nil || len(ids) != n {
		t.Fatalf("SendMany: %d ids, %v", len(ids), err)
	}
	ob.mu.Lock()
	chunks := slices.Clone(ob.chunks)
	ob.mu.Unlock()
	if len(chunks) < 3 || chunks[0] >= chunks[1] || sum(chunks) != n {
		t.Errorf("durable writes of %v: want growing chunks adding up to %d", chunks, n)
	}
	next := 0
	b.wait("the burst at bob", 20*time.Second, func(ev xmppclient.Event) bool {
		if m, ok := ev.(xmppclient.MessageReceived); ok {
			if want := fmt.Sprintf("burst %d", next); m.Body != want || m.OriginID != ids[next] {
				t.Fatalf("message %d at bob: %q (origin id %s), want %q (%s)", next, m.Body, m.OriginID, want, ids[next])
			}
			next++
		}
		return next == n
	})
	acked := map[string]bool{}
	a.wait("acks for the burst", 20*time.Second, func(ev xmppclient.Event) bool {
		if m, ok := ev.(xmppclient.MessageAcked); ok {
			acked[m.ID] = true
		}
		return len(acked) == n
	})
	if p, _ := ob.Pending(context.Background()); len(p) != 0 {
		t.Errorf("%d messages left in the outbox after every ack", len(p))
	}
}

// fullOutbox fails every durable write after the first room entries.
type fullOutbox struct {
	batchOutbox
	room int
}

func (o *fullOutbox) EnqueueBatch(ctx context.Context, es []xmppclient.OutboxEntry) error {
	o.mu.Lock()
	full := len(o.pending)+len(es) > o.room
	o.mu.Unlock()
	if full {
		return errors.New("disk full")
	}
	return o.batchOutbox.EnqueueBatch(ctx, es)
}

// TestSendManyPartlyDurable: when a chunk cannot be written, the chunks
// before it are accepted (their ids returned, queued in order) and the
// error says the rest were not saved.
func TestSendManyPartlyDurable(t *testing.T) {
	ob := &fullOutbox{room: 100}
	cfg := xmppclient.Config{JID: jid.MustParse("alice@example.test"), Outbox: ob,
		Dial: func(context.Context) (net.Conn, error) { return nil, errors.New("offline") }}
	c, err := xmppclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]xmppclient.Outgoing, 300)
	for i := range msgs {
		msgs[i] = xmppclient.Outgoing{To: jid.MustParse("bob@example.test"), Body: fmt.Sprintf("m %d", i)}
	}
	ids, err := c.SendMany(context.Background(), msgs)
	if err == nil || !strings.Contains(err.Error(), "could not save the messages: disk full") {
		t.Fatalf("error %v: want could not save … disk full", err)
	}
	p, _ := ob.Pending(context.Background())
	if len(ids) == 0 || len(ids) != len(p) || len(ids) > ob.room {
		t.Fatalf("%d ids returned, %d queued: want the same non-zero count, at most %d", len(ids), len(p), ob.room)
	}
	for i, e := range p {
		if e.ID != ids[i] || e.Body != fmt.Sprintf("m %d", i) {
			t.Fatalf("queued #%d is %s %q, want %s %q", i, e.ID, e.Body, ids[i], fmt.Sprintf("m %d", i))
		}
	}
}

// burst is n messages for bob: "burst 0", "burst 1", …
func burst(srv *prosodytest.Server, n int) []xmppclient.Outgoing {
	bob := jid.MustParse("bob@" + srv.Domain)
	msgs := make([]xmppclient.Outgoing, n)
	for i := range msgs {
		msgs[i] = xmppclient.Outgoing{To: bob, Body: fmt.Sprintf("burst %d", i)}
	}
	return msgs
}

func sum(xs []int) (s int) {
	for _, x := range xs {
		s += x
	}
	return s
}

func TestWrongPasswordIsPermanentAndClear(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "right")
	p := start(t, config(srv, "alice", "wrong"))
	ev := p.wait("failure", 15*time.Second, func(ev xmppclient.Event) bool {
		sc, ok := ev.(xmppclient.StateChanged)
		return ok && sc.State == xmppclient.Failed
	}).(xmppclient.StateChanged)
	var ae *xmppclient.AuthError
	if !errors.As(ev.Err, &ae) {
		t.Fatalf("error %v (%T) is not an AuthError", ev.Err, ev.Err)
	}
	t.Logf("user sees: %v", ev.Err)
}

func TestCertificatePinning(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")

	// First use: pinned, and the pin is the server's key.
	cfg := config(srv, "alice", "pw")
	pins := cfg.Pins.(*memPins)
	p := start(t, cfg)
	pinnedOnFirstUse(t, p, pins, srv)
	p.stop()

	// A different key later is refused for good.
	bad := config(srv, "alice", "pw")
	_ = bad.Pins.SetPin(context.Background(), srv.Domain, fmt.Sprintf("%064x", 1))
	q := start(t, bad)
	fail := q.wait("mismatch", 15*time.Second, func(ev xmppclient.Event) bool {
		sc, ok := ev.(xmppclient.StateChanged)
		return ok && sc.State == xmppclient.Failed
	}).(xmppclient.StateChanged)
	var pe *xmppclient.PinMismatchError
	if !errors.As(fail.Err, &pe) {
		t.Fatalf("error %v is not a pin mismatch", fail.Err)
	}

	// A required pin (--pin) that matches works.
	req := config(srv, "alice", "pw")
	req.Pin = xmppclient.FormatFingerprint(srv.CertFingerprint)
	start(t, req).wait("online with --pin", 15*time.Second, online)
}

func TestOfflineDeliveryAndArchiveCatchUp(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithMAM())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	a := start(t, config(srv, "alice", "pw"))
	a.wait("alice online", 15*time.Second, online)
	bob := jid.MustParse("bob@" + srv.Domain)
	for i := 0; i < 3; i++ {
		id, err := a.c.Send(context.Background(), bob, fmt.Sprintf("offline %d", i))
		if err != nil {
			t.Fatal(err)
		}
		a.wait("ack", 10*time.Second, func(ev xmppclient.Event) bool { m, ok := ev.(xmppclient.MessageAcked); return ok && m.ID == id })
	}

	// Bob logs in later: offline delivery, then the archive.
	cur := &memCursor{}
	cfg := config(srv, "bob", "pw")
	cfg.Archive = cur
	b := start(t, cfg)
	// Offline delivery and the archive catch-up interleave: take both.
	offline := map[string]bool{}
	var sync xmppclient.ArchiveSynced
	synced := false
	b.wait("offline messages and archive sync", 15*time.Second, func(ev xmppclient.Event) bool {
		switch ev := ev.(type) {
		case xmppclient.MessageReceived:
			if !ev.Archived {
				if !ev.Delayed {
					t.Errorf("offline message %q not marked delayed", ev.Body)
				}
				offline[ev.Body] = true
			}
		case xmppclient.ArchiveSynced:
			sync, synced = ev, true
		}
		return synced && len(offline) == 3
	})
	for i := 0; i < 3; i++ {
		if !offline[fmt.Sprintf("offline %d", i)] {
			t.Errorf("offline message %d missing: got %v", i, offline)
		}
	}
	if sync.LastID == "" {
		t.Fatal("no archive id after catch-up")
	}
	b.stop()

	// More messages while bob is away; catch-up after the cursor brings only those.
	cur.last = sync.LastID
	for i := 0; i < 2; i++ {
		id, _ := a.c.Send(context.Background(), bob, fmt.Sprintf("later %d", i))
		a.wait("ack", 10*time.Second, func(ev xmppclient.Event) bool { m, ok := ev.(xmppclient.MessageAcked); return ok && m.ID == id })
	}
	b2 := start(t, cfg)
	var archived []string
	b2.wait("second sync", 15*time.Second, func(ev xmppclient.Event) bool {
		if m, ok := ev.(xmppclient.MessageReceived); ok && m.Archived {
			archived = append(archived, m.Body)
		}
		_, ok := ev.(xmppclient.ArchiveSynced)
		return ok
	})
	if len(archived) != 2 || archived[0] != "later 0" || archived[1] != "later 1" {
		t.Fatalf("catch-up after cursor brought %q, want the two later messages", archived)
	}
}

func TestCarbonsBetweenTwoResources(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	phone := start(t, config(srv, "alice", "pw"))
	laptop := start(t, config(srv, "alice", "pw"))
	phone.wait("phone online", 15*time.Second, online)
	laptop.wait("laptop online", 15*time.Second, online)
	// Online means the carbons request is on the stream, not yet that the
	// server handled it (the phone's message goes on another stream): a
	// ping answered after it proves that.
	if err := laptop.c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.c.Send(context.Background(), jid.MustParse("bob@"+srv.Domain), "sent from phone"); err != nil {
		t.Fatal(err)
	}
	m := laptop.wait("carbon of sent message", 10*time.Second, bodyIs("sent from phone")).(xmppclient.MessageReceived)
	if !m.Carbon || !m.Outgoing {
		t.Fatalf("carbon %+v: want Carbon and Outgoing", m.Message)
	}
}

func TestRosterSubscriptionApproval(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	ctx := context.Background()
	alice, bob := jid.MustParse("alice@"+srv.Domain), jid.MustParse("bob@"+srv.Domain)

	if err := a.c.AddContact(ctx, bob, "Bob", []string{"Friends"}, true); err != nil {
		t.Fatal(err)
	}
	a.wait("roster push", 10*time.Second, func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.RosterChanged)
		return ok && len(r.Items) == 1 && r.Items[0].JID.Equal(bob) && r.Items[0].Name == "Bob"
	})
	b.wait("subscription request", 10*time.Second, func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.SubscriptionRequest)
		return ok && r.From.Equal(alice)
	})
	if err := b.c.Approve(ctx, alice); err != nil {
		t.Fatal(err)
	}
	var subTo, presence bool
	a.wait("subscription 'to' and bob's presence", 10*time.Second, func(ev xmppclient.Event) bool {
		switch ev := ev.(type) {
		case xmppclient.RosterChanged:
			subTo = subTo || (len(ev.Items) == 1 && ev.Items[0].Subscription == "to")
		case xmppclient.PresenceChanged:
			presence = presence || (ev.From.Bare().Equal(bob) && ev.Type == "")
		}
		return subTo && presence
	})
	if err := a.c.RemoveContact(ctx, bob); err != nil {
		t.Fatal(err)
	}
	a.wait("removal push", 10*time.Second, func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.RosterChanged)
		return ok && r.Removed
	})
}

func TestRegister(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.AllowRegistration())
	cfg := config(srv, "newbie", "s3cret-pw")
	if err := xmppclient.Register(context.Background(), cfg); err != nil {
		t.Fatalf("register: %v", err)
	}
	start(t, cfg).wait("new account online", 15*time.Second, online)
	err := xmppclient.Register(context.Background(), cfg)
	var re *xmppclient.RegisterError
	if !errors.As(err, &re) {
		t.Fatalf("second registration: %v, want a RegisterError", err)
	}
	t.Logf("user sees: %v", err)

	closed := prosodytest.Start(t)
	err = xmppclient.Register(context.Background(), config(closed, "x", "pw"))
	if !errors.Is(err, xmppclient.ErrNoRegistration) {
		t.Fatalf("registration on a server without it: %v", err)
	}
	t.Logf("user sees: %v", err)
}
