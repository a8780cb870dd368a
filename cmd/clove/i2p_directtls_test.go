package main

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// directTLSPort is the I2P port the server's direct TLS tunnel takes
// (XEP-0368's usual 5223; 5222 stays STARTTLS).
const directTLSPort = 5223

// TestI2PDirectTLSLoginTime measures Clove's whole login (SOCKS stream
// to the .b32.i2p server, TLS, SCRAM, bind, SM, roster, carbons, presence)
// over the private I2P network, STARTTLS on I2P port 5222 against direct
// TLS on 5223 of the same destination, alternating, through one client
// router's SOCKS proxy; the figures go to the log (docs/direct-tls.md).
func TestI2PDirectTLSLoginTime(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the private I2P network")
	}
	s := startI2PServerWith(t, "xmpp-dtls", []prosodytest.Option{prosodytest.WithDirectTLS()})
	s.net.ServerTunnel(t, "xmpp-dtls-5223", s.srv.DirectTLSAddr, i2pnet.Keys(s.dest), i2pnet.InPort(directTLSPort))
	socks := "socks5://" + s.net.Client(0).SOCKSAddr
	var rtts []time.Duration // XEP-0199 pings through I2P, once logged in
	login := func(direct bool) (time.Duration, error) {
		port := 5222
		if direct {
			port = directTLSPort
		}
		ts := transport.Settings{Server: net.JoinHostPort(s.b32, strconv.Itoa(port)), Proxy: socks, I2POnly: true}
		conn, err := transport.NewConnector(ts, s.b32)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		c, err := xmppclient.New(xmppclient.Config{
			JID: jid.MustParse("alice@" + s.b32), Password: "pw", Dial: conn.Dial, DirectTLS: direct,
			Pin: s.srv.CertFingerprint, Passive: true, NoReconnect: true, ConnectTimeout: time.Minute,
		})
		if err != nil {
			return 0, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		begin := time.Now()
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		defer func() { cancel(); <-done }()
		err = c.WaitOnline(ctx)
		took := time.Since(begin)
		for range 3 {
			t0 := time.Now()
			if err == nil && c.Ping(ctx) == nil {
				rtts = append(rtts, time.Since(t0))
			}
		}
		return took, err
	}
	// One login each first: the new tunnel's first stream (and the
	// router's first to the destination) is not what is measured.
	for _, direct := range []bool{false, true} {
		var took time.Duration
		var err error
		for try := 1; try <= cliTries; try++ {
			if took, err = login(direct); err == nil {
				break
			}
			t.Logf("warm-up login (direct TLS %v) try %d: %v", direct, try, err)
		}
		if err != nil {
			t.Fatalf("warm-up login (direct TLS %v): %v", direct, err)
		}
		t.Logf("warm-up login, direct TLS %v: %v", direct, took.Round(time.Millisecond))
	}
	const runs = 10
	var starttls, direct []time.Duration
	for i := range 2 * runs {
		d := i%2 == 1
		took, err := login(d)
		if err != nil {
			t.Fatalf("login %d (direct TLS %v): %v", i, d, err)
		}
		if d {
			direct = append(direct, took)
		} else {
			starttls = append(starttls, took)
		}
	}
	slices.Sort(starttls)
	slices.Sort(direct)
	slices.Sort(rtts)
	rtt := rtts[len(rtts)/2]
	ms := func(ds []time.Duration) []int64 {
		out := make([]int64, len(ds))
		for i, d := range ds {
			out[i] = d.Milliseconds()
		}
		return out
	}
	saved := starttls[runs/2] - direct[runs/2]
	t.Logf("I2P login over %d runs each: STARTTLS p50 %v %v ms; direct TLS p50 %v %v ms; saved at p50 %v = %.1f round trips (ping p50 %v of %d)",
		runs, starttls[runs/2].Round(time.Millisecond), ms(starttls), direct[runs/2].Round(time.Millisecond), ms(direct),
		saved.Round(time.Millisecond), float64(saved)/float64(rtt), rtt.Round(100*time.Microsecond), len(rtts))
}

// TestI2PDirectTLSOverSAMDispatcher: an account in SAM mode logs in over
// direct TLS to a server behind a dispatcher like the bundled node's (SAM
// streams all reach I2P port 0, so the dispatcher tells the ClientHello by
// its first byte and sends it to prosody's direct TLS port), pins the
// certificate, and its message reaches bob, who uses STARTTLS through the
// same dispatcher.
func TestI2PDirectTLSOverSAMDispatcher(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the private I2P network")
	}
	prosodytest.Require(t)
	n := i2pnet.Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"), prosodytest.WithDirectTLS())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	port := func(addr string) int {
		_, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		return n
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = portmux.Serve(ctx, ln, portmux.Ports{C2S: port(srv.C2SAddr), TLS: port(srv.DirectTLSAddr)}, 0, func(msg string) { t.Log("dispatcher: " + msg) })
	}()
	t.Cleanup(func() { stop(); <-done })
	n.ServerTunnel(t, "xmpp-dtls-mux", ln.Addr().String(), i2pnet.Keys(dest))
	wctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := i2pnet.WaitReachable(wctx, n.Client(0).SOCKSAddr, dest.B32, 5222); err != nil {
		t.Fatalf("prosody behind %s: %v", dest.B32, err)
	}
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+dest.B32, "bob@"+dest.B32
	r, took := runI2P(t, alice, "account", "add", aj, "--sam", n.Client(0).SAMAddr, "--i2p-hops", "1", "--i2p-only",
		"--server", dest.B32+":5223", "--direct-tls")
	if !strings.Contains(r.stderr, "pinned") || !strings.Contains(r.stderr, xmppclient.FormatFingerprint(srv.CertFingerprint)) {
		t.Fatalf("account add over direct TLS: want the pin reported, stderr %q", r.stderr)
	}
	t.Logf("account add over SAM + direct TLS (a new SAM session, login): %v", took.Round(time.Millisecond))
	runI2P(t, bob, "account", "add", bj, "--sam", n.Client(1).SAMAddr, "--i2p-hops", "1", "--i2p-only")
	r, _ = runI2P(t, alice, "send", "--account", aj, bj, "over SAM, direct TLS")
	id := strings.TrimSpace(r.stdout)
	r, _ = runI2P(t, bob, "listen", "--account", bj, "--count", "1", "--timeout", "90s", "--json")
	var m jsonMessage
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || m.Body != "over SAM, direct TLS" || m.ID != id {
		t.Fatalf("bob got %q (%v); want the message %s", r.stdout, err, id)
	}
}
