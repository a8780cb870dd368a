package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/ping"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// BenchmarkI2PSideBySide compares Clove with a bare SAM stream plus a bare
// mellium session, over the private I2P network (5 i2pd routers; the
// server behind a 1-hop server tunnel; SAM sessions with 1-hop tunnels),
// in one run, and prints the ratios:
//   - router ready → logged in: a new SAM session, a stream to the server
//     and the login; Clove's full login (TLS, SCRAM, bind, SM, roster,
//     carbons, presence) vs mellium's (TLS, SCRAM, bind); goal ≤ 1.1×
//   - the same over an established SAM session (a reconnect)
//   - round trip: an XEP-0199 ping to the server and back through I2P
//   - throughput: messages to bob (online over SOCKS on another router),
//     Clove persisting each in SQLite and waiting for the server's acks,
//     vs a bare send loop ended by a ping.
//
// Run it with `make bench` (it enters its own network namespace).
func BenchmarkI2PSideBySide(b *testing.B) {
	s := startI2PServer(b, "xmpp-bench")
	router := s.net.Client(0)
	ctx := context.Background()
	samOpts := transport.SAMOptions{InboundLength: 1, OutboundLength: 1}
	target := s.b32 + ":5222"
	aj := jid.MustParse("alice@" + s.b32)
	// bob reads everything, so the server never stores offline.
	socks, err := transport.NewSOCKS5("socks5://" + s.net.Client(1).SOCKSAddr)
	if err != nil {
		b.Fatal(err)
	}
	bc, err := socks.DialContext(ctx, "tcp", target)
	if err != nil {
		b.Fatal(err)
	}
	bob := bareLoginOn(b, s.srv, bc, "bob")
	go bob.Serve(nil)
	defer bob.Close()

	// 1. Router ready → logged in, with a new SAM session each time.
	const fresh = 3
	var bareNew, cloveNew []time.Duration
	for i := 0; i < fresh; i++ {
		t0 := time.Now()
		sam, err := transport.NewSAM(ctx, router.SAMAddr, samOpts)
		if err != nil {
			b.Fatal(err)
		}
		c, err := sam.DialContext(ctx, "tcp", target)
		if err != nil {
			b.Fatal(err)
		}
		sess := bareLoginOn(b, s.srv, c, "alice")
		bareNew = append(bareNew, time.Since(t0))
		sess.Close()
		c.Close()
		sam.Close()

		t0 = time.Now()
		ec, stop := cloveClient(b, aj, s.srv.CertFingerprint, nil, func(ctx context.Context) (net.Conn, error) {
			return transport.Connect(ctx, transport.Settings{SAM: router.SAMAddr, I2POnly: true}, s.b32, transport.WithSAMOptions(samOpts))
		}, overI2P)
		if err := ec.client.WaitOnline(ctx); err != nil {
			b.Fatal(err)
		}
		cloveNew = append(cloveNew, time.Since(t0))
		stop()
	}

	// 2. Over an established session: a reconnect.
	bareSAM, err := transport.NewSAM(ctx, router.SAMAddr, samOpts)
	if err != nil {
		b.Fatal(err)
	}
	defer bareSAM.Close()
	cloveSAM, err := transport.NewSAM(ctx, router.SAMAddr, samOpts)
	if err != nil {
		b.Fatal(err)
	}
	defer cloveSAM.Close()
	cloveDial := func(ctx context.Context) (net.Conn, error) {
		return transport.Connect(ctx, transport.Settings{SAM: router.SAMAddr, I2POnly: true}, s.b32, transport.WithDialer(cloveSAM))
	}
	const again = 8
	var bareRe, cloveRe []time.Duration
	var bareSess *xmpp.Session
	for i := 0; i < again; i++ {
		t0 := time.Now()
		c, err := bareSAM.DialContext(ctx, "tcp", target)
		if err != nil {
			b.Fatal(err)
		}
		sess := bareLoginOn(b, s.srv, c, "alice")
		bareRe = append(bareRe, time.Since(t0))
		if i == again-1 {
			bareSess = sess // kept for the round trips
		} else {
			sess.Close()
			c.Close()
		}
		t0 = time.Now()
		ec, stop := cloveClient(b, aj, s.srv.CertFingerprint, nil, cloveDial, overI2P)
		if err := ec.client.WaitOnline(ctx); err != nil {
			b.Fatal(err)
		}
		cloveRe = append(cloveRe, time.Since(t0))
		stop()
	}
	go bareSess.Serve(nil)
	defer bareSess.Close()

	// 3 and 4 on one logged-in Clove client with its SQLite store.
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.AddAccount(ctx, store.Account{JID: aj.String()}); err != nil {
		b.Fatal(err)
	}
	ec, stop := cloveClient(b, aj, s.srv.CertFingerprint, st, cloveDial, overI2P)
	defer stop()
	if err := ec.client.WaitOnline(ctx); err != nil {
		b.Fatal(err)
	}
	const pings = 30
	var bareRTT, cloveRTT []time.Duration
	for i := 0; i < pings; i++ {
		t0 := time.Now()
		if err := ping.Send(ctx, bareSess, jid.MustParse(s.b32)); err != nil {
			b.Fatal(err)
		}
		bareRTT = append(bareRTT, time.Since(t0))
		t0 = time.Now()
		if err := ec.client.Ping(ctx); err != nil {
			b.Fatal(err)
		}
		cloveRTT = append(cloveRTT, time.Since(t0))
	}

	const msgs = 300
	to := jid.MustParse("bob@" + s.b32)
	var bareRates, cloveRates []float64
	for r := 0; r < 3; r++ {
		t0 := time.Now()
		for i := 0; i < msgs; i++ {
			id := fmt.Sprintf("bare-%d-%d", r, i)
			m := benchMsg{To: to.String(), Type: "chat", Body: fmt.Sprintf("message %d", i), ID: id, Request: &struct{}{}, Origin: &idAttr{ID: id}}
			if err := bareSess.Encode(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
		if err := ping.Send(ctx, bareSess, jid.MustParse(s.b32)); err != nil {
			b.Fatal(err)
		}
		bareRates = append(bareRates, msgs/time.Since(t0).Seconds())

		t0 = time.Now()
		for i := 0; i < msgs; i += 50 {
			var batch []xmppclient.Outgoing
			for j := i; j < min(i+50, msgs); j++ {
				batch = append(batch, xmppclient.Outgoing{To: to, Body: fmt.Sprintf("message %d", j)})
			}
			if _, err := ec.client.SendMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		for acked := 0; acked < msgs; {
			if _, ok := (<-ec.events).(xmppclient.MessageAcked); ok {
				acked++
			}
		}
		cloveRates = append(cloveRates, msgs/time.Since(t0).Seconds())
	}

	fmt.Printf("\n%-58s %11s %11s %7s %s\n", "over I2P, side by side (private network, 1-hop tunnels)", "bare", "Clove", "ratio", "goal")
	row := func(name string, bare, clove time.Duration, goal string) {
		fmt.Printf("%-58s %9.1fms %9.1fms %6.2fx %s\n", name, ms(bare), ms(clove), float64(clove)/float64(bare), goal)
	}
	row(fmt.Sprintf("router ready → logged in, new SAM session (p50 of %d)", fresh), p50(bareNew), p50(cloveNew), "≤ 1.1x")
	row(fmt.Sprintf("  reconnect over the session: stream + login (p50 of %d)", again), p50(bareRe), p50(cloveRe), "(info)")
	row(fmt.Sprintf("round trip, XEP-0199 ping to the server (p50 of %d)", pings), p50(bareRTT), p50(cloveRTT), "(info)")
	fmt.Printf("%-58s %9.0f/s %9.0f/s %6.2fx %s\n", fmt.Sprintf("throughput, %d messages to bob (median of 3)", msgs), median(bareRates), median(cloveRates), median(cloveRates)/median(bareRates), "(info; Clove persists + waits for acks)")
	b.ReportMetric(float64(p50(cloveNew))/float64(p50(bareNew)), "login-ratio")
}

// overI2P sets what Clove sets for an account reached through an I2P
// router (see clientConfig).
func overI2P(c *xmppclient.Config) { c.HoldAcks = true }
