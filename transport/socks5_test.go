package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// socksRequest is what the test proxy was asked for.
type socksRequest struct {
	Atyp byte
	Host string
	Port int
}

// testProxy is a small SOCKS5 server: it records each CONNECT request and
// then runs reply, which by default connects to upstream and pipes.
type testProxy struct {
	*scriptServer
	mu   sync.Mutex
	reqs []socksRequest
}

// readSOCKSGreeting reads the client's method list.
func readSOCKSGreeting(c net.Conn) ([]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return nil, err
	}
	if h[0] != 5 {
		return nil, errors.New("not socks5")
	}
	m := make([]byte, h[1])
	_, err := io.ReadFull(c, m)
	return m, err
}

// readSOCKSRequest reads a CONNECT request.
func readSOCKSRequest(c net.Conn) (socksRequest, error) {
	var h [4]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return socksRequest{}, err
	}
	r := socksRequest{Atyp: h[3]}
	switch h[3] {
	case 1:
		var a [4]byte
		if _, err := io.ReadFull(c, a[:]); err != nil {
			return r, err
		}
		r.Host = net.IP(a[:]).String()
	case 4:
		var a [16]byte
		if _, err := io.ReadFull(c, a[:]); err != nil {
			return r, err
		}
		r.Host = net.IP(a[:]).String()
	case 3:
		var l [1]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return r, err
		}
		name := make([]byte, l[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return r, err
		}
		r.Host = string(name)
	default:
		return r, errors.New("bad atyp")
	}
	var p [2]byte
	if _, err := io.ReadFull(c, p[:]); err != nil {
		return r, err
	}
	r.Port = int(binary.BigEndian.Uint16(p[:]))
	return r, nil
}

var socksOKReply = []byte{5, 0, 0, 1, 127, 0, 0, 1, 0x14, 0x66}

// startProxy starts a test proxy; after the greeting ("05 00") and the
// request, reply(c, req) takes over.
func startProxy(t testing.TB, reply func(c net.Conn, req socksRequest)) *testProxy {
	p := &testProxy{}
	p.scriptServer = startScript(t, func(c net.Conn) {
		if _, err := readSOCKSGreeting(c); err != nil {
			return
		}
		if _, err := c.Write([]byte{5, 0}); err != nil {
			return
		}
		req, err := readSOCKSRequest(c)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.reqs = append(p.reqs, req)
		p.mu.Unlock()
		reply(c, req)
	})
	return p
}

func (p *testProxy) requests() []socksRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.reqs)
}

// pipeTo replies success and pipes to upstream.
func pipeTo(upstream string) func(c net.Conn, req socksRequest) {
	return func(c net.Conn, req socksRequest) {
		u, err := net.Dial("tcp", upstream)
		if err != nil {
			_, _ = c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		defer u.Close()
		if _, err := c.Write(socksOKReply); err != nil {
			return
		}
		done := make(chan struct{})
		go func() { _, _ = io.Copy(u, c); u.(*net.TCPConn).CloseWrite(); close(done) }()
		_, _ = io.Copy(c, u)
		<-done
	}
}

// spyDialer wraps the proxy dial and records every address dialled.
func spyDialer(d *socksDialer) *[]string {
	var mu sync.Mutex
	var seen []string
	inner := d.dialProxy
	d.dialProxy = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		seen = append(seen, addr)
		mu.Unlock()
		return inner(ctx, network, addr)
	}
	return &seen
}

func echoRoundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != msg {
		t.Fatalf("echo = %q, want %q", buf, msg)
	}
}

func TestSOCKS5SendsNamesUnresolved(t *testing.T) {
	echo := startEcho(t)
	proxyS := startProxy(t, pipeTo(echo))
	b32 := testB32("socks-" + strconv.FormatInt(time.Now().UnixNano(), 10)) // random: resolves nowhere

	tests := []struct {
		name     string
		addr     string
		wantAtyp byte
		wantHost string
	}{
		{"b32", b32 + ":5222", 3, b32},
		{"b32 upper-case is sent lower-case", strings.ToUpper(b32) + ":5222", 3, b32},
		{"b33", testB33("s") + ":5222", 3, testB33("s")},
		{"clearnet name that resolves nowhere", "xmpp.clove-test.invalid:5222", 3, "xmpp.clove-test.invalid"},
		{"ipv4 literal", "192.0.2.1:5222", 1, "192.0.2.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewSOCKS5("socks5://" + proxyS.addr())
			if err != nil {
				t.Fatal(err)
			}
			seen := spyDialer(d.(*socksDialer))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			before := len(proxyS.requests())
			c, err := d.DialContext(ctx, "tcp", tc.addr)
			if err != nil {
				t.Fatalf("DialContext: %v", err)
			}
			defer c.Close()
			echoRoundTrip(t, c, "<stream:stream>")
			reqs := proxyS.requests()
			if len(reqs) != before+1 {
				t.Fatalf("proxy saw %d requests, want %d", len(reqs), before+1)
			}
			got := reqs[len(reqs)-1]
			if got.Atyp != tc.wantAtyp || got.Host != tc.wantHost || got.Port != 5222 {
				t.Errorf("proxy got ATYP %d host %q port %d; want ATYP %d host %q port 5222", got.Atyp, got.Host, got.Port, tc.wantAtyp, tc.wantHost)
			}
			// The only connection opened was to the proxy's IP: no DNS.
			if len(*seen) != 1 || (*seen)[0] != proxyS.addr() {
				t.Errorf("dialled %v, want only the proxy %s", *seen, proxyS.addr())
			}
			if ra := c.RemoteAddr().String(); !strings.EqualFold(ra, net.JoinHostPort(tc.wantHost, "5222")) {
				t.Errorf("RemoteAddr = %s", ra)
			}
			checkNoDelay(t, c.(*socksConn).NetConn())
		})
	}
}

func TestSOCKS5LocalhostProxyNeedsNoDNS(t *testing.T) {
	echo := startEcho(t)
	p := startProxy(t, pipeTo(echo))
	_, port, _ := net.SplitHostPort(p.addr())
	d, err := NewSOCKS5("localhost:" + port)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.(*socksDialer).proxyAddr; got != "127.0.0.1:"+port {
		t.Fatalf("proxy address = %s, want 127.0.0.1:%s", got, port)
	}
	c, err := d.DialContext(context.Background(), "tcp", testB32("lh")+":5222")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestNewSOCKS5Options(t *testing.T) {
	tests := []struct {
		in       string
		opts     []SOCKSOption
		wantAddr string
		wantUser string
		wantErr  string
	}{
		{"socks5://127.0.0.1:4447", nil, "127.0.0.1:4447", "", ""},
		{"127.0.0.1:9050", nil, "127.0.0.1:9050", "", ""},
		{"socks5://alice:pw@127.0.0.1:9050", nil, "127.0.0.1:9050", "alice", ""},
		{"socks5://[::1]:9050", nil, "[::1]:9050", "", ""},
		{"127.0.0.1:9050", []SOCKSOption{WithSOCKSAuth("bob", "x")}, "127.0.0.1:9050", "bob", ""},
		{"127.0.0.1:9050", []SOCKSOption{WithSOCKSAuth("", "x")}, "", "", "username must be 1–255 bytes"},
		{"socks4://127.0.0.1:9050", nil, "", "", "only SOCKS5"},
		{"socks5://tor.example:9050", nil, "", "", "must be an IP address"},
		{"", nil, "", "", "no SOCKS5 proxy"},
		{"socks5://%zz", nil, "", "", "not a valid URL"},
	}
	for _, tc := range tests {
		d, err := NewSOCKS5(tc.in, tc.opts...)
		if tc.wantErr != "" {
			wantErr(t, err, tc.wantErr)
			continue
		}
		if err != nil {
			t.Errorf("NewSOCKS5(%q): %v", tc.in, err)
			continue
		}
		sd := d.(*socksDialer)
		user := ""
		if sd.auth != nil {
			user = sd.auth.User
		}
		if sd.proxyAddr != tc.wantAddr || user != tc.wantUser {
			t.Errorf("NewSOCKS5(%q) = %s user %q; want %s user %q", tc.in, sd.proxyAddr, user, tc.wantAddr, tc.wantUser)
		}
	}
}

func TestSOCKS5Auth(t *testing.T) {
	echo := startEcho(t)
	srv := startScript(t, func(c net.Conn) {
		m, err := readSOCKSGreeting(c)
		if err != nil || !bytes.Contains(m, []byte{2}) {
			_, _ = c.Write([]byte{5, 0xff})
			return
		}
		_, _ = c.Write([]byte{5, 2})
		var h [2]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return
		}
		user := make([]byte, h[1])
		_, _ = io.ReadFull(c, user)
		var pl [1]byte
		_, _ = io.ReadFull(c, pl[:])
		pass := make([]byte, pl[0])
		_, _ = io.ReadFull(c, pass)
		if string(user) != "alice" || string(pass) != "secret" {
			_, _ = c.Write([]byte{1, 1})
			return
		}
		_, _ = c.Write([]byte{1, 0})
		req, err := readSOCKSRequest(c)
		if err != nil {
			return
		}
		pipeTo(echo)(c, req)
	})
	ctx := context.Background()
	target := testB32("auth") + ":5222"

	d, _ := NewSOCKS5("socks5://alice:secret@" + srv.addr())
	c, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		t.Fatalf("with the right password: %v", err)
	}
	echoRoundTrip(t, c, "hi")
	c.Close()

	d, _ = NewSOCKS5(srv.addr(), WithSOCKSAuth("alice", "wrong"))
	_, err = d.DialContext(ctx, "tcp", target)
	wantErr(t, err, "refused the username and password")
	if de := dialErr(t, err); de.Reason != ReasonProxyAuth {
		t.Errorf("reason %v", de.Reason)
	}

	d, _ = NewSOCKS5(srv.addr())
	_, err = d.DialContext(ctx, "tcp", target)
	wantErr(t, err, "accepts none of the authentication methods")
}

// TestSOCKS5Failures: reply codes and misbehaving proxies become clear
// errors; nothing panics and no goroutine is left behind.
func TestSOCKS5Failures(t *testing.T) {
	base := runtime.NumGoroutine()
	b32 := testB32("fail")
	replyCode := func(code byte) func(c net.Conn) {
		return func(c net.Conn) {
			if _, err := readSOCKSGreeting(c); err != nil {
				return
			}
			_, _ = c.Write([]byte{5, 0})
			if _, err := readSOCKSRequest(c); err != nil {
				return
			}
			_, _ = c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0})
		}
	}
	raw := func(b []byte, afterGreeting bool) func(c net.Conn) {
		return func(c net.Conn) {
			if afterGreeting {
				if _, err := readSOCKSGreeting(c); err != nil {
					return
				}
			}
			_, _ = c.Write(b)
			// Drain until the client gives up, so it sees our bytes, not a reset.
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = io.Copy(io.Discard, c)
		}
	}
	tests := []struct {
		name       string
		handle     func(c net.Conn) // nil: nothing listening
		target     string
		timeout    time.Duration
		want       string
		wantReason Reason
		wantCode   byte
	}{
		{"0x01 general failure", replyCode(1), b32 + ":5222", 0, "general failure", ReasonDestinationUnreachable, 1},
		{"0x02 not allowed", replyCode(2), b32 + ":5222", 0, "does not allow connections to " + b32 + ":5222", ReasonProxyRefused, 2},
		{"0x03 network unreachable", replyCode(3), "example.org:5222", 0, "network unreachable", ReasonNoRoute, 3},
		{"0x04 i2p host unreachable", replyCode(4), b32 + ":5222", 0, "the I2P router found no way to " + b32 + ": it is offline or not published yet, or the router has no tunnels yet (started just now?)", ReasonDestinationUnreachable, 4},
		{"0x04 clearnet host unreachable", replyCode(4), "example.org:5222", 0, "could not reach example.org:5222: host unreachable", ReasonDestinationUnreachable, 4},
		{"0x05 refused", replyCode(5), b32 + ":5222", 0, b32 + ":5222 refused the connection", ReasonRefused, 5},
		{"0x06 ttl", replyCode(6), b32 + ":5222", 0, "timed out reaching", ReasonTimeout, 6},
		{"0x07 command", replyCode(7), b32 + ":5222", 0, "does not support the CONNECT command", ReasonProxyRefused, 7},
		{"0x08 clearnet via i2p router", replyCode(8), "example.org:5222", 0, "without an outproxy cannot reach clearnet hosts", ReasonProxyRefused, 8},
		{"0x08 name", replyCode(8), b32 + ":5222", 0, "does not accept host names", ReasonProxyRefused, 8},
		{"unknown code", replyCode(0x42), b32 + ":5222", 0, "unknown reply code 0x42", ReasonProxyRefused, 0x42},
		{"closes at once", func(c net.Conn) {}, b32 + ":5222", 0, "closed the connection without answering", ReasonProxyProtocol, 0},
		{"closes after greeting", func(c net.Conn) {
			if _, err := readSOCKSGreeting(c); err == nil {
				_, _ = c.Write([]byte{5, 0})
				_, _ = readSOCKSRequest(c)
			}
		}, b32 + ":5222", 0, "closed the connection in the middle of the SOCKS5 handshake (reply)", ReasonProxyProtocol, 0},
		{"closes mid-reply", raw([]byte{5, 0, 5, 0, 0, 1, 127}, true), b32 + ":5222", 0, "in the middle of the SOCKS5 handshake", ReasonProxyProtocol, 0},
		{"closes mid-greeting", raw([]byte{5}, true), b32 + ":5222", 0, "in the middle of the SOCKS5 handshake (greeting)", ReasonProxyProtocol, 0},
		{"http server", raw([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), false), b32 + ":5222", 0, `does not speak SOCKS5: it answered "HTTP/1.1 400`, ReasonProxyProtocol, 0},
		{"binary garbage", raw([]byte{0x00, 0xff, 0x13, 0x37}, true), b32 + ":5222", 0, "does not speak SOCKS5: it answered 00 ff 13 37", ReasonProxyProtocol, 0},
		{"socks4 reply", raw([]byte{0, 0x5a, 0, 0, 0, 0, 0, 0}, true), b32 + ":5222", 0, "does not speak SOCKS5", ReasonProxyProtocol, 0},
		{"bad reply version", raw([]byte{5, 0, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0}, true), b32 + ":5222", 0, "does not speak SOCKS5", ReasonProxyProtocol, 0},
		{"bad atyp", raw([]byte{5, 0, 5, 0, 0, 9, 0, 0, 0, 0, 0, 0}, true), b32 + ":5222", 0, "does not speak SOCKS5", ReasonProxyProtocol, 0},
		{"unoffered auth", raw([]byte{5, 2}, true), b32 + ":5222", 0, "wants authentication method 0x02", ReasonProxyAuth, 0},
		{"no acceptable auth", raw([]byte{5, 0xff}, true), b32 + ":5222", 0, "accepts none of the authentication methods", ReasonProxyAuth, 0},
		{"silent proxy", func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }, b32 + ":5222", 300 * time.Millisecond, "timed out waiting for the SOCKS5 proxy", ReasonTimeout, 0},
		{"silent destination", func(c net.Conn) {
			if _, err := readSOCKSGreeting(c); err == nil {
				_, _ = c.Write([]byte{5, 0})
				_, _ = io.Copy(io.Discard, c)
			}
		}, b32 + ":5222", 300 * time.Millisecond, "timed out waiting for the I2P destination " + b32, ReasonTimeout, 0},
		{"nothing listening", nil, b32 + ":5222", 0, "could not reach the SOCKS5 proxy at 127.0.0.1:", ReasonProxyUnreachable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var addr string
			if tc.handle == nil {
				addr = closedPort(t)
			} else {
				addr = startScript(t, tc.handle).addr()
			}
			d, err := NewSOCKS5(addr)
			if err != nil {
				t.Fatal(err)
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			c, err := d.DialContext(ctx, "tcp", tc.target)
			took := time.Since(start)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			wantErr(t, err, tc.want)
			de := dialErr(t, err)
			if de.Reason != tc.wantReason || de.SOCKSReply != tc.wantCode {
				t.Errorf("reason %v code %#x; want %v %#x", de.Reason, de.SOCKSReply, tc.wantReason, tc.wantCode)
			}
			if tc.timeout > 0 && took > tc.timeout+500*time.Millisecond {
				t.Errorf("took %v with a %v timeout", took, tc.timeout)
			}
			if tc.timeout > 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout error does not wrap context.DeadlineExceeded: %v", err)
			}
		})
	}
	checkGoroutines(t, base)
}

func TestSOCKS5BadTargets(t *testing.T) {
	d, err := NewSOCKS5(closedPort(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ network, addr, want string }{
		{"udp", testB32("x") + ":5222", "only TCP"},
		{"tcp", testB32("x"), "not a host:port"},
		{"tcp", "forum.i2p:5222", "needs an address book"},
		{"tcp", "bad..name:5222", "not a valid host name"},
		{"tcp", testB32("x") + ":0", "invalid port"},
		{"tcp", strings.Repeat("a", 300) + ".org:5222", "not a valid host name"},
	}
	for _, tc := range tests {
		_, err := d.DialContext(context.Background(), tc.network, tc.addr)
		wantErr(t, err, tc.want)
		if de := dialErr(t, err); de.Reason != ReasonBadAddress {
			t.Errorf("%s: reason %v", tc.addr, de.Reason)
		}
	}
}

// TestSOCKS5HandshakeTime measures connect + SOCKS5 handshake + the proxy's
// own connect through the test proxy on loopback, and the first echo.
func TestSOCKS5HandshakeTime(t *testing.T) {
	echo := startEcho(t)
	p := startProxy(t, pipeTo(echo))
	d, _ := NewSOCKS5(p.addr())
	target := testB32("time") + ":5222"
	var dials, rtts []time.Duration
	for range 200 {
		start := time.Now()
		c, err := d.DialContext(context.Background(), "tcp", target)
		if err != nil {
			t.Fatal(err)
		}
		dials = append(dials, time.Since(start))
		start = time.Now()
		echoRoundTrip(t, c, "x")
		rtts = append(rtts, time.Since(start))
		c.Close()
	}
	med := func(s []time.Duration) time.Duration {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	t.Logf("SOCKS5 dial through the test proxy (loopback, 200 runs): median %v, p95 %v; first echo median %v",
		med(dials), dials[len(dials)*95/100], med(rtts))
}

func BenchmarkSOCKS5Dial(b *testing.B) {
	echo := startEcho(b)
	p := startProxy(b, pipeTo(echo))
	d, _ := NewSOCKS5(p.addr())
	target := testB32("bench") + ":5222"
	for b.Loop() {
		c, err := d.DialContext(context.Background(), "tcp", target)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
