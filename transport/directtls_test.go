package transport

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// TestMergeSRV: _xmpps-client and _xmpp-client records are ordered as one
// RRset (XEP-0368 §2): by priority, then by weighted choice, the direct
// TLS ones marked.
func TestMergeSRV(t *testing.T) {
	srv := func(target string, port, prio, weight uint16) *net.SRV {
		return &net.SRV{Target: target, Port: port, Priority: prio, Weight: weight}
	}
	first := func(int) int { return 0 } // always the first with a running sum ≥ 0
	last := func(n int) int { return n - 1 }
	tls := func(h string, p int) Target { return Target{h, p, ModeDirect, true} }
	tcp := func(h string, p int) Target { return Target{h, p, ModeDirect, false} }
	cases := []struct {
		name        string
		xmpps, xmpp []*net.SRV
		intn        func(int) int
		want        []Target
	}{
		{"only STARTTLS", nil, []*net.SRV{srv("a.example.", 5222, 5, 0)}, first, []Target{tcp("a.example", 5222)}},
		{"only direct TLS", []*net.SRV{srv("a.example.", 5223, 5, 0)}, nil, first, []Target{tls("a.example", 5223)}},
		{"lower priority first, whichever kind",
			[]*net.SRV{srv("tls.example.", 443, 10, 0)},
			[]*net.SRV{srv("tcp.example.", 5222, 5, 0)}, first,
			[]Target{tcp("tcp.example", 5222), tls("tls.example", 443)}},
		{"direct TLS at a better priority wins",
			[]*net.SRV{srv("tls.example.", 5223, 1, 0)},
			[]*net.SRV{srv("tcp.example.", 5222, 5, 0)}, first,
			[]Target{tls("tls.example", 5223), tcp("tcp.example", 5222)}},
		{"same priority: weights mixed (the draw picks the STARTTLS one)",
			[]*net.SRV{srv("tls.example.", 5223, 5, 1)},
			[]*net.SRV{srv("tcp.example.", 5222, 5, 9)}, last,
			[]Target{tcp("tcp.example", 5222), tls("tls.example", 5223)}},
		{"same priority: weights mixed (the draw picks the direct TLS one)",
			[]*net.SRV{srv("tls.example.", 5223, 5, 1)},
			[]*net.SRV{srv("tcp.example.", 5222, 5, 9)}, func(int) int { return 1 },
			[]Target{tls("tls.example", 5223), tcp("tcp.example", 5222)}},
		{"junk, port 0 and .i2p dropped",
			[]*net.SRV{srv("bad host.", 5223, 1, 0), srv("x.example.", 0, 1, 0)},
			[]*net.SRV{srv(testB32("merge")+".", 5222, 1, 0), srv("ok.example.", 5222, 2, 0)}, first,
			[]Target{tcp("ok.example", 5222)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mergeSRV(c.xmpps, c.xmpp, c.intn)
			if len(got) != len(c.want) {
				t.Fatalf("mergeSRV = %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("[%d] = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestTargetsXMPPS: Targets asks a (local, fake) DNS server for both
// services and merges them; "." for _xmpps-client leaves the STARTTLS
// records; a Server override with DirectTLS is one direct TLS target,
// never looked up.
func TestTargetsXMPPS(t *testing.T) {
	name := dnsmessage.MustNewName
	_, r := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpps-client._tcp.both.test.": {{Priority: 1, Weight: 0, Port: 5223, Target: name("xmpp.both.test.")}},
		"_xmpp-client._tcp.both.test.":  {{Priority: 2, Weight: 0, Port: 5222, Target: name("xmpp.both.test.")}},
		"_xmpps-client._tcp.dot.test.":  {{Priority: 0, Weight: 0, Port: 0, Target: name(".")}},
		"_xmpp-client._tcp.dot.test.":   {{Priority: 1, Weight: 0, Port: 5222, Target: name("xmpp.dot.test.")}},
		"_xmpps-client._tcp.tls.test.":  {{Priority: 1, Weight: 0, Port: 443, Target: name("xmpp.tls.test.")}},
		"_xmpp-client._tcp.tls.test.":   {{Priority: 0, Weight: 0, Port: 0, Target: name(".")}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cases := []struct {
		domain string
		want   []Target
	}{
		{"both.test", []Target{{"xmpp.both.test", 5223, ModeDirect, true}, {"xmpp.both.test", 5222, ModeDirect, false}, {"both.test", 5222, ModeDirect, false}}},
		{"dot.test", []Target{{"xmpp.dot.test", 5222, ModeDirect, false}, {"dot.test", 5222, ModeDirect, false}}},
		{"tls.test", []Target{{"xmpp.tls.test", 443, ModeDirect, true}, {"tls.test", 5222, ModeDirect, false}}},
	}
	for _, c := range cases {
		got, err := Targets(ctx, Settings{}, c.domain, r)
		if err != nil || len(got) != len(c.want) {
			t.Fatalf("Targets(%s) = %v, %v; want %v", c.domain, got, err, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Targets(%s)[%d] = %v, want %v", c.domain, i, got[i], c.want[i])
			}
		}
	}
	got, err := Targets(ctx, Settings{Server: "xmpp.both.test:5223", DirectTLS: true}, "both.test", failingResolver(t))
	if err != nil || len(got) != 1 || got[0] != (Target{"xmpp.both.test", 5223, ModeDirect, true}) {
		t.Errorf("override = %v, %v", got, err)
	}
}

// TestConnectorMarksDirectTLS: a connection the Connector made to an
// _xmpps-client target says so (IsDirectTLS), one to an _xmpp-client
// target does not; through a SOCKS proxy (I2P) a DirectTLS override is
// marked too, and no DNS is asked.
func TestConnectorMarksDirectTLS(t *testing.T) {
	echo := startEcho(t)
	_, ps, _ := net.SplitHostPort(echo)
	port, _ := strconv.Atoi(ps)
	name := dnsmessage.MustNewName
	_, r := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpps-client._tcp.tls.test.": {{Priority: 1, Port: uint16(port), Target: name("localhost.")}},
		"_xmpp-client._tcp.tcp.test.":  {{Priority: 1, Port: uint16(port), Target: name("localhost.")}},
	})
	proxy := startProxy(t, pipeTo(echo))
	b32 := testB32("dtls")
	cases := []struct {
		name   string
		s      Settings
		domain string
		r      *net.Resolver
		want   bool
	}{
		{"xmpps SRV", Settings{}, "tls.test", r, true},
		{"xmpp SRV", Settings{}, "tcp.test", r, false},
		{"I2P override with DirectTLS", Settings{Proxy: "socks5://" + proxy.addr(), I2POnly: true, Server: b32 + ":5223", DirectTLS: true}, b32, failingResolver(t), true},
		{"I2P without", Settings{Proxy: "socks5://" + proxy.addr(), I2POnly: true}, b32, failingResolver(t), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := NewConnector(c.s, c.domain, WithResolver(c.r))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			nc, err := conn.Dial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if IsDirectTLS(nc) != c.want {
				t.Errorf("IsDirectTLS = %v, want %v", !c.want, c.want)
			}
		})
	}
}
