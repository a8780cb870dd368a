package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/ping"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// BenchmarkSideBySide compares Clove with bare mellium against one prosody
// (Nagle off, no rate limits), in one run, and prints the ratios:
//   - login latency: Clove's time to Online (TLS, SASL, bind, SM enable,
//     roster, carbons, presence) vs mellium's NewClientSession (TLS, SASL,
//     bind); goal ≤ 1.2×
//   - send throughput with every message persisted in SQLite before it is
//     sent and marked when the server acks it (one SendMany of 5,000), vs
//     a bare mellium loop sending the same stanzas; goal ≥ 0.9×
//
// Run it with `make bench` (or go test -run '^$' -bench SideBySide -benchtime 1x).
func BenchmarkSideBySide(b *testing.B) {
	if err := prosodytest.Available(); err != nil {
		b.Skipf("prosody not installed: %v", err)
	}
	srv := prosodytest.Start(b, prosodytest.LogLevel("info"))
	srv.CreateUser(b, "alice", "pw")
	srv.CreateUser(b, "bob", "pw")
	ctx := context.Background()

	// bob is available and reads everything, so the server delivers to him
	// instead of writing every message to offline storage (which, without
	// his presence, it did: more server work per message, and the one
	// place where stream management cost the server more).
	bob := bareLogin(b, srv, "bob")
	go bob.Serve(nil)
	defer bob.Close()
	if err := bob.Encode(ctx, struct {
		XMLName xml.Name `xml:"jabber:client presence"`
	}{}); err != nil {
		b.Fatal(err)
	}

	const logins = 40
	var bare, clove []time.Duration
	for i := 0; i < logins; i++ {
		t0 := time.Now()
		s := bareLogin(b, srv, "alice")
		bare = append(bare, time.Since(t0))
		s.Close()
		s.Conn().Close()

		c, stop := cloveClientEvents(b, srv, nil)
		t0 = time.Now()
		if err := c.client.WaitOnline(ctx); err != nil {
			b.Fatal(err)
		}
		clove = append(clove, time.Since(t0))
		stop()
	}
	pb, pc := p50(bare), p50(clove)

	const msgs = 5000
	// Alternating rounds, medians: one round alone swings ±50% here.
	const rounds = 5
	var raws, fulls, cloves, ones []sendRun
	for r := 0; r < rounds; r++ {
		raws = append(raws, measureSend(srv, msgs, func() float64 { return bareSendRate(b, srv, msgs, false) }))
		fulls = append(fulls, measureSend(srv, msgs, func() float64 { return bareSendRate(b, srv, msgs, true) }))
		cloves = append(cloves, measureSend(srv, msgs, func() float64 { return cloveSendRate(b, srv, msgs, false) }))
		ones = append(ones, measureSend(srv, msgs/5, func() float64 { return cloveSendRate(b, srv, msgs/5, true) }))
	}
	raw, full, clv, one := medianRun(raws), medianRun(fulls), medianRun(cloves), medianRun(ones)
	rawRate, fullRate, cloveRate, oneRate := raw.rate, full.rate, clv.rate, one.rate

	fmt.Printf("\n%-52s %10s %12s %8s %s\n", "side by side (same prosody, one run)", "mellium", "Clove", "ratio", "goal")
	fmt.Printf("%-52s %8.2fms %10.2fms %7.2fx %s\n", fmt.Sprintf("login p50 (%d each, alternating)", logins), ms(pb), ms(pc), float64(pc)/float64(pb), "≤ 1.2x")
	row := func(name string, base, got float64, goal string) {
		fmt.Printf("%-52s %8.0f/s %10.0f/s %7.2fx %s\n", name, base, got, got/base, goal)
	}
	fmt.Printf("send throughput, %d msgs, median of %d alternating rounds; Clove persists each message\n", msgs, rounds)
	fmt.Printf("in SQLite before sending it and marks it when the server acks it (XEP-0198)\n")
	row("  SendMany vs bare loop, same stanzas", fullRate, cloveRate, "≥ 0.9x")
	row("  SendMany vs bare loop, minimal stanzas", rawRate, cloveRate, "(info: receipts+origin-id cost prosody)")
	row(fmt.Sprintf("  one Send per message (%d), vs same stanzas", msgs/5), fullRate, oneRate, "(info: one fsync each)")
	fmt.Printf("CPU per message (µs), median round: prosody / this process (both clients, bob's reader)\n")
	for _, r := range []struct {
		name string
		run  sendRun
	}{{"bare, minimal stanzas", raw}, {"bare, same stanzas", full}, {"Clove SendMany", clv}, {"Clove one Send each", one}} {
		fmt.Printf("  %-50s %8.1f %10.1f\n", r.name, r.run.server, r.run.client)
	}
	b.ReportMetric(float64(pc)/float64(pb), "login-ratio")
	b.ReportMetric(cloveRate/fullRate, "send-ratio")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func p50(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func bareLogin(tb testing.TB, srv *prosodytest.Server, user string) *xmpp.Session {
	tb.Helper()
	conn, err := net.Dial("tcp", srv.C2SAddr)
	if err != nil {
		tb.Fatal(err)
	}
	return bareLoginOn(tb, srv, conn, user)
}

// bareLoginOn logs user (password "pw") in to srv with bare mellium
// (STARTTLS, SASL, bind) over conn, however it was dialed.
func bareLoginOn(tb testing.TB, srv *prosodytest.Server, conn net.Conn, user string) *xmpp.Session {
	tb.Helper()
	j := jid.MustParse(user + "@" + srv.Domain + "/bare")
	s, err := xmpp.NewClientSession(context.Background(), j, conn,
		xmpp.StartTLS(srv.TLSConfig()),
		xmpp.SASL("", "pw", sasl.ScramSha256, sasl.ScramSha1, sasl.Plain),
		xmpp.BindResource(),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

type benchMsg struct {
	XMLName xml.Name  `xml:"jabber:client message"`
	ID      string    `xml:"id,attr,omitempty"`
	To      string    `xml:"to,attr"`
	Type    string    `xml:"type,attr"`
	Body    string    `xml:"body"`
	Request *struct{} `xml:"urn:xmpp:receipts request"`
	Origin  *idAttr   `xml:"urn:xmpp:sid:0 origin-id"`
}

type idAttr struct {
	ID string `xml:"id,attr"`
}

// bareSendRate sends n messages with a bare mellium session and no
// persistence; full adds what Clove's messages carry (id, receipt request,
// origin-id), which costs the server more than the minimal stanza.
func bareSendRate(tb testing.TB, srv *prosodytest.Server, n int, full bool) float64 {
	s := bareLogin(tb, srv, "alice")
	defer s.Close()
	go s.Serve(nil)
	ctx := context.Background()
	to := "bob@" + srv.Domain
	t0 := time.Now()
	for i := 0; i < n; i++ {
		m := benchMsg{To: to, Type: "chat", Body: fmt.Sprintf("message %d", i)}
		if full {
			// Ids like Clove's (12 random bytes in hex): the server
			// parses, archives and indexes every byte of them.
			var b [12]byte
			_, _ = rand.Read(b[:])
			id := hex.EncodeToString(b[:])
			m.ID, m.Request, m.Origin = id, &struct{}{}, &idAttr{ID: id}
		}
		if err := s.Encode(ctx, m); err != nil {
			tb.Fatal(err)
		}
	}
	// The server has processed everything once it answers a ping.
	if err := ping.Send(ctx, s, jid.MustParse(srv.Domain)); err != nil {
		tb.Fatal(err)
	}
	return float64(n) / time.Since(t0).Seconds()
}

// sendRun is one send loop's figures: messages per second, and CPU
// microseconds per message spent by prosody and by this process.
type sendRun struct{ rate, server, client float64 }

// measureSend runs loop, which sends n messages, waits until the server
// has handled them and returns the rate, and reads the CPU both sides spent
// on it (login included: a few ms, next to a second or more of sending).
func measureSend(srv *prosodytest.Server, n int, loop func() float64) sendRun {
	s0, c0 := srv.CPUTime(), selfCPUTime()
	rate := loop()
	s1, c1 := srv.CPUTime(), selfCPUTime()
	perMsg := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	return sendRun{rate: rate, server: perMsg(s1 - s0), client: perMsg(c1 - c0)}
}

// medianRun is the run with the median rate.
func medianRun(rs []sendRun) sendRun {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b sendRun) int { return cmp.Compare(a.rate, b.rate) })
	return s[len(s)/2]
}

// selfCPUTime is this process's user+system CPU time so far.
func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cloveSendRate sends n messages with one SendMany (which writes them to
// SQLite in chunks, each sent once durable while the next is written), or
// with one Send each, and waits for every ack.
func cloveSendRate(tb testing.TB, srv *prosodytest.Server, n int, each bool) float64 {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if err := st.AddAccount(ctx, store.Account{JID: "alice@" + srv.Domain}); err != nil {
		tb.Fatal(err)
	}
	c, stop := cloveClientEvents(tb, srv, st)
	defer stop()
	if err := c.client.WaitOnline(ctx); err != nil {
		tb.Fatal(err)
	}
	to := jid.MustParse("bob@" + srv.Domain)
	t0 := time.Now()
	msgs := make([]xmppclient.Outgoing, n)
	for i := range msgs {
		msgs[i] = xmppclient.Outgoing{To: to, Body: fmt.Sprintf("message %d", i)}
		if each {
			if _, err := c.client.Send(ctx, to, msgs[i].Body); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if !each {
		if _, err := c.client.SendMany(ctx, msgs); err != nil {
			tb.Fatal(err)
		}
	}
	for acked := 0; acked < n; {
		ev := <-c.events
		if _, ok := ev.(xmppclient.MessageAcked); ok {
			acked++
		}
	}
	rate := float64(n) / time.Since(t0).Seconds()
	if p, err := st.Pending(ctx, "alice@"+srv.Domain); err != nil || len(p) != 0 {
		tb.Fatalf("outbox after the run: %d entries, %v", len(p), err)
	}
	return rate
}

type eventClient struct {
	client *xmppclient.Client
	events chan xmppclient.Event
}

// cloveClientEvents starts a Clove client for alice, on a store if st is
// not nil, with its events on a buffered channel.
func cloveClientEvents(tb testing.TB, srv *prosodytest.Server, st *store.Store) (*eventClient, func()) {
	addr := srv.C2SAddr
	return cloveClient(tb, jid.MustParse("alice@"+srv.Domain), srv.CertFingerprint, st, func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	})
}

// cloveClient starts a Clove client for j (password "pw") that dials with
// dial and requires the certificate pin.
func cloveClient(tb testing.TB, j jid.JID, pin string, st *store.Store, dial func(context.Context) (net.Conn, error), tweak ...func(*xmppclient.Config)) (*eventClient, func()) {
	cfg := xmppclient.Config{JID: j, Password: "pw", Dial: dial, Pin: pin, ConnectTimeout: 3 * time.Minute}
	for _, f := range tweak {
		f(&cfg)
	}
	if st != nil {
		cfg.Outbox = chat.StoreOutbox(st, cfg.JID.String())
	}
	c, err := xmppclient.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ec := &eventClient{client: c, events: make(chan xmppclient.Event, 1<<16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	go func() {
		for ev := range c.Events() {
			select {
			case ec.events <- ev:
			default:
			}
		}
	}()
	return ec, func() { cancel(); <-done }
}
