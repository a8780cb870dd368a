package transport

import (
	"context"
	"net"
	"strconv"
	"testing"
)

// DialHost takes the account's way out for other traffic (file uploads and
// downloads): through the SOCKS proxy with the name unresolved, and it
// refuses, before dialling, an .i2p host without I2P and a clearnet host
// on an I2P-only account.
func TestConnectorDialHost(t *testing.T) {
	echo := startEcho(t)
	proxy := startProxy(t, pipeTo(echo))
	b32 := testB32("dialhost")
	cases := []struct {
		name     string
		settings Settings
		domain   string
		addr     string
		wantErr  string
		viaProxy bool
	}{
		{"socks, i2p host", Settings{Proxy: proxy.addr(), I2POnly: true}, b32, b32 + ":80", "", true},
		{"socks, clearnet host on an i2p-only account", Settings{Proxy: proxy.addr(), I2POnly: true}, b32, "example.org:80", "over I2P only", false},
		{"socks, clearnet host", Settings{Proxy: proxy.addr()}, "example.org", "files.example.org:443", "", true},
		{"direct, i2p host", Settings{}, "example.org", b32 + ":80", "needs I2P", false},
		{"bad address", Settings{Proxy: proxy.addr()}, "example.org", "nohostport", "not a host:port", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewConnector(tc.settings, tc.domain, WithResolver(failingResolver(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			before := len(proxy.requests())
			conn, err := c.DialHost(context.Background(), "tcp", tc.addr)
			if tc.wantErr != "" {
				wantErr(t, err, tc.wantErr)
				if n := len(proxy.requests()); n != before {
					t.Errorf("the proxy was asked %d times for a refused dial", n-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			echoRoundTrip(t, conn, "hello")
			conn.Close()
			reqs := proxy.requests()
			if len(reqs) != before+1 {
				t.Fatalf("proxy requests %d, want %d", len(reqs), before+1)
			}
			if r := reqs[len(reqs)-1]; r.Atyp != 3 || net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) != tc.addr {
				t.Errorf("the proxy was asked for %+v, want the name %s (ATYP 3)", r, tc.addr)
			}
		})
	}
}
