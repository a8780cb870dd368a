package transport

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestConnect(t *testing.T) {
	echo := startEcho(t)
	_, echoPort, _ := net.SplitHostPort(echo)
	proxy := startProxy(t, pipeTo(echo))
	sam := startFakeSAM(t, nil)
	b32 := testB32("connect")
	dmap := map[string]string{"example.org": b32}
	port, _ := strconv.Atoi(echoPort)
	_, srvResolver := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpp-client._tcp.srv.test.": {{Priority: 1, Weight: 1, Port: uint16(port), Target: dnsmessage.MustNewName("localhost.")}},
	})

	tests := []struct {
		name     string
		s        Settings
		domain   string
		resolver *net.Resolver
		wantReq  *socksRequest // what the proxy must have been asked, if via SOCKS
	}{
		{"direct server override", Settings{Server: echo}, "example.org", failingResolver(t), nil},
		{"direct via SRV", Settings{}, "srv.test", srvResolver, nil},
		{"socks b32", Settings{Proxy: "socks5://" + proxy.addr()}, b32, failingResolver(t), &socksRequest{3, b32, 5222}},
		{"socks darknet map", Settings{Proxy: "socks5://" + proxy.addr(), I2POnly: true, DarknetMap: dmap}, "example.org", failingResolver(t), &socksRequest{3, b32, 5222}},
		{"socks clearnet name", Settings{Proxy: "socks5://" + proxy.addr()}, "jabber.clove-test.invalid", failingResolver(t), &socksRequest{3, "jabber.clove-test.invalid", 5222}},
		{"sam b32", Settings{SAM: sam.addr()}, b32, failingResolver(t), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			before := len(proxy.requests())
			c, err := Connect(ctx, tc.s, tc.domain, WithResolver(tc.resolver))
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			echoRoundTrip(t, c, "<?xml version='1.0'?>")
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			reqs := proxy.requests()
			if tc.wantReq != nil {
				if len(reqs) != before+1 || reqs[len(reqs)-1] != *tc.wantReq {
					t.Errorf("proxy requests %v, want %v", reqs[before:], *tc.wantReq)
				}
			} else if len(reqs) != before {
				t.Errorf("proxy was used: %v", reqs[before:])
			}
		})
	}
}

func TestConnectErrors(t *testing.T) {
	closed := closedPort(t)
	b32 := testB32("connect-errors")
	refuse4 := startScript(t, func(c net.Conn) {
		if _, err := readSOCKSGreeting(c); err != nil {
			return
		}
		_, _ = c.Write([]byte{5, 0})
		if _, err := readSOCKSRequest(c); err == nil {
			_, _ = c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
		}
	})
	_, srvResolver := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpp-client._tcp.two.test.": {{Priority: 1, Weight: 1, Port: 1, Target: dnsmessage.MustNewName("localhost.")}},
	})
	tests := []struct {
		name     string
		s        Settings
		domain   string
		opts     []ConnectOption
		want     []string
		wantIs   error
		resolver *net.Resolver
	}{
		{"refused", Settings{Server: closed}, "example.org", nil,
			[]string{"could not reach " + closed + ": connection refused — is the server running?"}, syscall.ECONNREFUSED, nil},
		{"i2p destination offline", Settings{Proxy: refuse4.addr()}, b32, nil,
			[]string{"the I2P router found no way to " + b32 + ": it is offline or not published yet, or the router has no tunnels yet (started just now?)"}, nil, nil},
		{"proxy down", Settings{Proxy: "socks5://" + closed}, b32, nil,
			[]string{"could not reach the SOCKS5 proxy at " + closed + ": connection refused"}, syscall.ECONNREFUSED, nil},
		{"sam down", Settings{SAM: closed}, b32, nil,
			[]string{"could not reach the SAM bridge at " + closed}, syscall.ECONNREFUSED, nil},
		{"i2p address without proxy", Settings{}, b32, nil,
			[]string{b32 + " is an I2P address; set a SOCKS5 proxy (--proxy socks5://127.0.0.1:4447) or SAM bridge (--sam 127.0.0.1:7656)"}, nil, nil},
		{"i2p-only refuses clearnet", Settings{Proxy: "socks5://" + closed, I2POnly: true}, "example.org", nil,
			[]string{"I2P-only mode: example.org is not an I2P address"}, nil, nil},
		{"direct dialer refused in proxy mode", Settings{Proxy: "socks5://" + closed}, b32, []ConnectOption{WithDialer(Direct{})},
			[]string{"refusing to dial"}, nil, nil},
		{"all SRV targets fail", Settings{}, "two.test", nil,
			[]string{"could not connect to two.test at any of its 2 addresses", "localhost:1", "two.test:5222"}, nil, srvResolver},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.resolver
			if r == nil {
				r = failingResolver(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := Connect(ctx, tc.s, tc.domain, append(tc.opts, WithResolver(r))...)
			if err == nil {
				c.Close()
				t.Fatal("Connect succeeded")
			}
			wantErr(t, err, tc.want...)
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error does not wrap %v", tc.wantIs)
			}
		})
	}
}

// TestConnectSharedSAM: a long-lived SAMDialer passed in is used and not
// closed by Connect.
func TestConnectSharedSAM(t *testing.T) {
	f := startFakeSAM(t, nil)
	d, err := NewSAM(context.Background(), f.addr(), SAMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := Settings{SAM: f.addr()}
	for i := range 2 {
		c, err := Connect(context.Background(), s, testB32("shared"), WithDialer(d), WithResolver(failingResolver(t)))
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		echoRoundTrip(t, c, "x")
		c.Close()
	}
	n := 0
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "SESSION CREATE") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d sessions created, want 1", n)
	}
}
