package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// sessionsCreated counts the SESSION CREATE commands f received.
func sessionsCreated(f *fakeSAM) int {
	n := 0
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "SESSION CREATE") {
			n++
		}
	}
	return n
}

// countPrefix counts f's commands starting with p.
func countPrefix(f *fakeSAM, p string) int {
	n := 0
	for _, c := range f.commands() {
		if strings.HasPrefix(c, p) {
			n++
		}
	}
	return n
}

// sessionOK is the fake bridge's normal SESSION CREATE answer.
func sessionOK(line string) string {
	_, v, _ := strings.Cut(line, " DESTINATION=")
	v, _, _ = strings.Cut(v, " ")
	return "SESSION STATUS RESULT=OK DESTINATION=" + v
}

// current returns the Connector's shared session (nil if none).
func (c *Connector) current() *SAMDialer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sam
}

// waitClosedByPeer waits until the bridge side of a control connection
// sees it closed by the client.
func waitClosedByPeer(t *testing.T, ctl net.Conn) {
	t.Helper()
	_ = ctl.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := ctl.Read(make([]byte, 1))
	if err == nil || isTimeout(err) {
		t.Fatalf("the session's control connection is still open: %v", err)
	}
}

// TestConnectorSAMSession: one SAM session serves every Dial; it is made
// again when the router ended it or a dial said it is gone, with the saved
// identity; closing a connection keeps it, Close ends it.
func TestConnectorSAMSession(t *testing.T) {
	peer := testB32("connector")
	tests := []struct {
		name      string
		configure func(f *fakeSAM)
		// run dials through c; f.controls has every session's control
		// connection, in order.
		run          func(t *testing.T, c *Connector, f *fakeSAM)
		wantSessions int
	}{
		{"reuses one session", nil, func(t *testing.T, c *Connector, f *fakeSAM) {
			var first *SAMDialer
			for i := range 3 {
				conn := mustDial(t, c)
				if i == 0 {
					first = c.current()
				}
				conn.Close() // the session stays
				if d := c.current(); d != first || !d.Alive() {
					t.Fatalf("dial %d: session %p (alive %v), want %p alive", i, d, d.Alive(), first)
				}
			}
		}, 1},
		{"router ends the session", nil, func(t *testing.T, c *Connector, f *fakeSAM) {
			mustDial(t, c).Close()
			d := c.current()
			(<-f.controls).Close() // i2pd stopped or restarted
			select {
			case <-d.Ended():
			case <-time.After(5 * time.Second):
				t.Fatal("the session did not end")
			}
			mustDial(t, c).Close()
			if c.current() == d || !c.current().Alive() {
				t.Error("the ended session was not replaced")
			}
			mustDial(t, c).Close() // and the new one is reused
		}, 2},
		{"a dial reports the session ended", func(f *fakeSAM) {
			var n atomic.Int32
			f.connect = func(string) string {
				if n.Add(1) == 1 {
					return "STREAM STATUS RESULT=INVALID_ID"
				}
				return "STREAM STATUS RESULT=OK"
			}
		}, func(t *testing.T, c *Connector, f *fakeSAM) {
			_, err := c.Dial(context.Background())
			if de := dialErr(t, err); de.Reason != ReasonSessionEnded {
				t.Fatalf("reason %v (%v), want session-ended", de.Reason, err)
			}
			if c.current() != nil {
				t.Error("the session the bridge forgot is still kept")
			}
			waitClosedByPeer(t, <-f.controls)
			mustDial(t, c).Close()
		}, 2},
		{"a failed dial keeps the session", func(f *fakeSAM) {
			var n atomic.Int32
			f.connect = func(string) string {
				if n.Add(1) == 1 {
					return "STREAM STATUS RESULT=CANT_REACH_PEER"
				}
				return "STREAM STATUS RESULT=OK"
			}
		}, func(t *testing.T, c *Connector, f *fakeSAM) {
			_, err := c.Dial(context.Background())
			if de := dialErr(t, err); de.Reason != ReasonDestinationUnreachable {
				t.Fatalf("reason %v (%v)", de.Reason, err)
			}
			mustDial(t, c).Close()
		}, 1},
		{"failures in a row renew it", failFirst(3), func(t *testing.T, c *Connector, f *fakeSAM) {
			c.renewSpan, c.renewFailures = 0, 3 // the count alone
			var first *SAMDialer
			for i := range 3 {
				_, err := c.Dial(context.Background())
				if de := dialErr(t, err); de.Reason != ReasonDestinationUnreachable {
					t.Fatalf("dial %d: reason %v (%v)", i, de.Reason, err)
				}
				if i == 0 {
					first = c.current()
				}
				if i < 2 && (first == nil || c.current() != first) {
					t.Fatalf("renewed after %d failures", i+1)
				}
			}
			if c.current() != nil {
				t.Fatal("the session is kept after three failures in a row")
			}
			waitClosedByPeer(t, <-f.controls) // the old one closed
			mustDial(t, c).Close()
		}, 2},
		{"a success ends the run", failPattern("xx.xx."), func(t *testing.T, c *Connector, f *fakeSAM) {
			c.renewSpan, c.renewFailures = 0, 3
			for range 2 {
				for range 2 {
					c.Dial(context.Background())
				}
				mustDial(t, c).Close() // counted from 0 again: no third failure in a row
			}
		}, 1},
		{"failures within the span keep it", failFirst(5), func(t *testing.T, c *Connector, f *fakeSAM) {
			for range 5 {
				c.Dial(context.Background())
			}
			mustDial(t, c).Close() // the same session, a minute not yet over
		}, 1},
		{"close ends it", nil, func(t *testing.T, c *Connector, f *fakeSAM) {
			conn := mustDial(t, c)
			d := c.current()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			waitClosedByPeer(t, <-f.controls)
			if d.Alive() {
				t.Error("the session is alive after Close")
			}
			_, err := c.Dial(context.Background())
			if de := dialErr(t, err); de.Reason != ReasonCanceled || !errors.Is(err, net.ErrClosed) {
				t.Errorf("Dial after Close: %v (reason %v)", err, de.Reason)
			}
			wantErr(t, err, "not connecting to "+peer, "closed")
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			conn.Close()
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeSAM(t, func(f *fakeSAM) {
				f.controls = make(chan net.Conn, 8)
				if tc.configure != nil {
					tc.configure(f)
				}
			})
			keys := filepath.Join(t.TempDir(), "id.keys")
			c, err := NewConnector(Settings{SAM: f.addr(), I2POnly: true}, peer,
				WithSAMOptions(SAMOptions{Keys: keys, InboundLength: 1, OutboundLength: 1}), WithResolver(failingResolver(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Mode() != ModeSAM {
				t.Errorf("Mode() = %v", c.Mode())
			}
			if n := sessionsCreated(f); n != 0 {
				t.Fatalf("NewConnector created %d sessions", n)
			}
			tc.run(t, c, f)
			if n := sessionsCreated(f); n != tc.wantSessions {
				t.Errorf("%d sessions created, want %d: %q", n, tc.wantSessions, f.commands())
			}
			// Every session has the saved identity and the options given.
			if n := countPrefix(f, "DEST GENERATE"); n != 1 {
				t.Errorf("%d identities generated, want 1", n)
			}
			for _, cmd := range f.commands() {
				if strings.HasPrefix(cmd, "SESSION CREATE") && (!strings.Contains(cmd, " DESTINATION="+f.priv+" ") || !strings.Contains(cmd, " inbound.length=1")) {
					t.Errorf("session without the saved identity or options: %q", cmd)
				}
			}
			// Only the bridge was asked to connect, to the planned target.
			for _, cmd := range f.commands() {
				if strings.HasPrefix(cmd, "NAMING LOOKUP") && cmd != "NAMING LOOKUP NAME="+peer {
					t.Errorf("unexpected %q", cmd)
				}
			}
		})
	}
}

// failFirst has the bridge answer the first n STREAM CONNECTs with
// CANT_REACH_PEER (i2pd's "did not answer") and accept the rest.
func failFirst(n int) func(f *fakeSAM) {
	return failPattern(strings.Repeat("x", n))
}

// failPattern has the bridge answer the STREAM CONNECTs in turn as
// pattern says: x CANT_REACH_PEER, . accepted; accepted after its end.
func failPattern(pattern string) func(f *fakeSAM) {
	return func(f *fakeSAM) {
		var tries atomic.Int32
		f.connect = func(string) string {
			if i := int(tries.Add(1)) - 1; i < len(pattern) && pattern[i] == 'x' {
				return "STREAM STATUS RESULT=CANT_REACH_PEER"
			}
			return "STREAM STATUS RESULT=OK"
		}
	}
}

func mustDial(t *testing.T, c *Connector) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := c.Dial(ctx)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	echoRoundTrip(t, conn, "<stream:stream>")
	return conn
}

// TestConnectorConcurrent: Dials racing on a fresh Connector share the one
// session made for them; Dials racing with Close end cleanly, and none
// succeeds after it.
func TestConnectorConcurrent(t *testing.T) {
	base := runtime.NumGoroutine()
	tests := []struct {
		name  string
		slow  bool // SESSION CREATE takes 200 ms, so that the Dials overlap it
		close bool // Close while the Dials run
	}{
		{"dials share the new session", true, false},
		{"dials race with close", false, true},
		{"close while the session is being made", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeSAM(t, func(f *fakeSAM) {
				if tc.slow {
					f.session = func(line string) string { time.Sleep(200 * time.Millisecond); return sessionOK(line) }
				}
			})
			c, err := NewConnector(Settings{SAM: f.addr()}, testB32("race"), WithResolver(failingResolver(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Without Close, each dialer dials 4 times; with it, until
			// Close stops it.
			const dialers = 6
			var wg sync.WaitGroup
			var closeReturned atomic.Bool
			var ok, failed atomic.Int32
			for range dialers {
				wg.Go(func() {
					for i := 0; tc.close || i < 4; i++ {
						after := closeReturned.Load()
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						conn, err := c.Dial(ctx)
						cancel()
						if err != nil {
							failed.Add(1)
							var de *DialError
							switch {
							case !tc.close:
								t.Errorf("Dial: %v", err)
							case !errors.As(err, &de) || !errors.Is(err, net.ErrClosed):
								t.Errorf("Dial racing with Close: %v, want a closed *DialError", err)
							}
							return
						}
						if after {
							t.Errorf("a Dial started after Close returned succeeded")
						}
						ok.Add(1)
						_, _ = conn.Write([]byte("x"))
						conn.Close()
						if i > 10000 {
							t.Errorf("Close never stopped the Dials")
							return
						}
					}
				})
			}
			if tc.close {
				time.Sleep(50 * time.Millisecond)
				if err := c.Close(); err != nil {
					t.Error(err)
				}
				closeReturned.Store(true)
			}
			wg.Wait()
			t.Logf("%d dials succeeded, %d failed", ok.Load(), failed.Load())
			if n := sessionsCreated(f); n > 1 || (!tc.close && n != 1) {
				t.Errorf("%d sessions created, want 1", n)
			}
			if tc.close && c.current() != nil {
				t.Error("a session is kept after Close")
			}
		})
	}
	checkGoroutines(t, base)
}

// TestConnectorCloseCancelsDial: Close stops a Dial waiting for the router
// to build the session's tunnels, at once.
func TestConnectorCloseCancelsDial(t *testing.T) {
	base := runtime.NumGoroutine()
	t.Run("close while tunnels are built", func(t *testing.T) {
		f := startFakeSAM(t, func(f *fakeSAM) { f.session = func(string) string { return samSilent } })
		c, err := NewConnector(Settings{SAM: f.addr()}, testB32("cancel"))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := c.Dial(context.Background())
			done <- err
		}()
		for sessionsCreated(f) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		start := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Dial: %v, want a closed error", err)
			}
			t.Logf("Dial returned %v after Close", time.Since(start))
		case <-time.After(2 * time.Second):
			t.Fatal("Dial still waits after Close")
		}
	})
	checkGoroutines(t, base)
}

// TestNewConnectorErrors: the settings are checked by NewConnector, which
// touches no network; Connect gives the same errors.
func TestNewConnectorErrors(t *testing.T) {
	var accepted atomic.Int32
	sentinel := startScript(t, func(c net.Conn) { accepted.Add(1) }).addr()
	b32 := testB32("errors")
	tests := []struct {
		name   string
		s      Settings
		domain string
		opts   []ConnectOption
		want   []string // nil: no error
	}{
		{"sam ok", Settings{SAM: sentinel}, b32, nil, nil},
		{"socks ok", Settings{Proxy: "socks5://" + sentinel, I2POnly: true, DarknetMap: map[string]string{"example.org": b32}}, "example.org", nil, nil},
		{"direct ok", Settings{Server: sentinel}, "example.org", nil, nil},
		{"not a socks proxy", Settings{Proxy: "http://" + sentinel}, b32, nil, []string{"connection settings: ", "Clove supports only SOCKS5 proxies"}},
		{"proxy and sam", Settings{Proxy: sentinel, SAM: sentinel}, b32, nil, []string{"connection settings: ", "both a SOCKS5 proxy and a SAM bridge are set; choose one"}},
		{"sam bridge by name", Settings{SAM: "sam.example:7656"}, b32, nil, []string{"connection settings: ", "must be an IP address"}},
		{"i2p-only without a router", Settings{I2POnly: true}, b32, nil, []string{"I2P-only mode needs a SOCKS5 proxy"}},
		{"bad darknet map", Settings{Proxy: sentinel, DarknetMap: map[string]string{"example.org": "example.net"}}, "example.org", nil, []string{"darknet map entry for example.org"}},
		{"sam and clearnet", Settings{SAM: sentinel}, "example.org", nil, []string{"example.org is not an I2P address, and a SAM bridge can only reach .b32.i2p addresses"}},
		{"i2p without a router", Settings{}, b32, nil, []string{b32 + " is an I2P address; set a SOCKS5 proxy"}},
		{"no domain", Settings{}, " ", nil, []string{"no server domain given"}},
		{"bad tunnel length", Settings{SAM: sentinel}, b32, []ConnectOption{WithSAMOptions(SAMOptions{InboundLength: 8})}, []string{"tunnel lengths must be 1–7 hops"}},
		{"bad sam option", Settings{SAM: sentinel}, b32, []ConnectOption{WithSAMOptions(SAMOptions{Options: map[string]string{"a": "b c"}})}, []string{"invalid value"}},
		{"direct dialer for socks", Settings{Proxy: sentinel}, b32, []ConnectOption{WithDialer(Direct{})}, []string{"refusing to dial " + b32 + " directly while a socks5 connection is configured"}},
		{"direct dialer for sam", Settings{SAM: sentinel}, b32, []ConnectOption{WithDialer(&Direct{})}, []string{"refusing to dial " + b32 + " directly while a sam connection is configured"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := append(tc.opts, WithResolver(failingResolver(t)))
			c, err := NewConnector(tc.s, tc.domain, opts...)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("NewConnector: %v", err)
				}
				if err := c.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				return
			}
			if c != nil {
				t.Errorf("NewConnector returned a Connector with the error")
			}
			wantErr(t, err, tc.want...)
			_, cerr := Connect(context.Background(), tc.s, tc.domain, opts...)
			if cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("Connect says %v, NewConnector %v", cerr, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if n := accepted.Load(); n != 0 {
		t.Errorf("NewConnector or a refused Connect connected %d times", n)
	}
}

// TestConnectorPlansOnce: the settings are read once, by NewConnector;
// Dial neither checks nor plans again (a map broken afterwards changes
// nothing), in direct mode looks SRV up each time, and in the I2P modes
// resolves nothing and reaches only the proxy or bridge.
func TestConnectorPlansOnce(t *testing.T) {
	echo := startEcho(t)
	_, echoPort, _ := net.SplitHostPort(echo)
	port, _ := strconv.Atoi(echoPort)
	proxy := startProxy(t, pipeTo(echo))
	sam := startFakeSAM(t, nil)
	b32 := testB32("plans-once")
	dns, srvResolver := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpp-client._tcp.srv.test.": {{Priority: 1, Weight: 1, Port: uint16(port), Target: dnsmessage.MustNewName("localhost.")}},
	})
	tests := []struct {
		name     string
		s        Settings
		domain   string
		resolver *net.Resolver
		mode     Mode
		check    func(t *testing.T, dials int)
	}{
		{"socks through the darknet map", Settings{Proxy: "socks5://" + proxy.addr(), I2POnly: true, DarknetMap: map[string]string{"example.org": b32}}, "example.org", failingResolver(t), ModeSOCKS5,
			func(t *testing.T, dials int) {
				reqs := proxy.requests()
				if len(reqs) != dials {
					t.Fatalf("proxy saw %v, want %d requests", reqs, dials)
				}
				for _, r := range reqs {
					if r != (socksRequest{3, b32, 5222}) {
						t.Errorf("proxy asked for %v, want %s:5222 as a name", r, b32)
					}
				}
			}},
		{"sam through the darknet map", Settings{SAM: sam.addr(), DarknetMap: map[string]string{"example.org": b32}}, "example.org", failingResolver(t), ModeSAM,
			func(t *testing.T, dials int) {
				if n := countPrefix(sam, "NAMING LOOKUP NAME="+b32); n != dials {
					t.Errorf("%d lookups of %s, want %d: %q", n, b32, dials, sam.commands())
				}
				if n := sessionsCreated(sam); n != 1 {
					t.Errorf("%d sessions", n)
				}
			}},
		{"direct via SRV", Settings{DarknetMap: map[string]string{"other.org": b32}}, "srv.test", srvResolver, ModeDirect,
			func(t *testing.T, dials int) {
				n := 0
				dns.mu.Lock()
				for _, q := range dns.queries {
					if q == "TypeSRV _xmpp-client._tcp.srv.test." {
						n++
					}
				}
				dns.mu.Unlock()
				if n != dials {
					t.Errorf("%d SRV lookups for %d dials", n, dials)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewConnector(tc.s, tc.domain, WithResolver(tc.resolver))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Mode() != tc.mode {
				t.Errorf("Mode() = %v, want %v", c.Mode(), tc.mode)
			}
			// Settings that would no longer pass Validate, and a map that
			// would send the domain elsewhere: the plan stands.
			for k := range tc.s.DarknetMap {
				tc.s.DarknetMap[k] = "not-an-i2p-name.example"
			}
			tc.s.DarknetMap["bad key"] = "junk"
			const dials = 3
			for range dials {
				mustDial(t, c).Close()
			}
			tc.check(t, dials)
		})
	}
}

// TestConnectOwnsSession: Connect's SAM session lives as long as the
// connection, or ends at once when the dial fails.
func TestConnectOwnsSession(t *testing.T) {
	tests := []struct {
		name    string
		connect func(string) string
	}{
		{"closing the connection ends it", nil},
		{"a failed dial ends it", func(string) string { return "STREAM STATUS RESULT=CANT_REACH_PEER" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeSAM(t, func(f *fakeSAM) { f.controls, f.connect = make(chan net.Conn, 1), tc.connect })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := Connect(ctx, Settings{SAM: f.addr()}, testB32("owns"), WithResolver(failingResolver(t)))
			ctl := <-f.controls
			if tc.connect == nil {
				if err != nil {
					t.Fatal(err)
				}
				echoRoundTrip(t, conn, "hello")
				if err := conn.Close(); err != nil {
					t.Error(err)
				}
			} else if err == nil {
				conn.Close()
				t.Fatal("Connect succeeded")
			}
			waitClosedByPeer(t, ctl)
		})
	}
}

// TestConnectorRealI2PD: on a real (lone) router, several Dials share one
// session with the saved identity (each fails: a lone router finds no
// destination, which keeps the session), and Close ends it.
func TestConnectorRealI2PD(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 20 s (i2pd builds the session's tunnels)")
	}
	r := startI2PD(t)
	keys := filepath.Join(t.TempDir(), "clove.keys")
	unknown := testB32("nobody-connector-" + time.Now().String())
	c, err := NewConnector(Settings{SAM: r.SAM, I2POnly: true}, unknown, WithResolver(failingResolver(t)),
		WithSAMOptions(SAMOptions{Keys: keys, SessionTimeout: 90 * time.Second,
			Options: map[string]string{"inbound.length": "0", "outbound.length": "0"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var first *SAMDialer
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		start := time.Now()
		_, err := c.Dial(ctx)
		cancel()
		t.Logf("dial %d: %v after %v", i, err, time.Since(start).Round(time.Millisecond))
		if de := dialErr(t, err); de.Reason != ReasonDestinationNotFound && de.Reason != ReasonDestinationUnreachable {
			t.Fatalf("dial %d: reason %v\n%s", i, de.Reason, r.logTail())
		}
		d := c.current()
		if i == 0 {
			first = d
		}
		if d == nil || d != first || !d.Alive() {
			t.Fatalf("dial %d: session %p, want the first one (%p) alive", i, d, first)
		}
	}
	if _, err := os.Stat(keys); err != nil {
		t.Errorf("the identity was not saved: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Ended():
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the session")
	}
	_, err = c.Dial(context.Background())
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Dial after Close: %v", err)
	}
	// The router let the identity go: a new session may take it at once.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d, err := NewSAM(ctx, r.SAM, SAMOptions{Keys: keys, Options: map[string]string{"inbound.length": "0", "outbound.length": "0"}})
	if err != nil {
		t.Fatalf("the identity is still in use after Close: %v", err)
	}
	if d.Destination() != first.Destination() {
		t.Errorf("identity changed: %s then %s", first.Destination(), d.Destination())
	}
	d.Close()
}
