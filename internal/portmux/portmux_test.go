package portmux

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func TestSniffStream(t *testing.T) {
	const c2s, s2s, http, tls = 5222, 5269, 5280, 5223
	for _, tc := range []struct {
		name, in string
		port     int
		err      string
	}{
		{"client", `<?xml version='1.0'?><stream:stream to='x.b32.i2p' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`, c2s, ""},
		{"client, double quotes", `<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams">`, c2s, ""},
		{"server with dialback", `<?xml version='1.0'?><stream:stream xmlns:db='jabber:server:dialback' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='b.b32.i2p' from='a.b32.i2p' version='1.0'>`, s2s, ""},
		{"only dialback", `<stream:stream xmlns:db='jabber:server:dialback'>`, 0, "neither"},
		{"component", `<stream:stream xmlns='jabber:component:accept'>`, 0, "neither"},
		{"upload", "PUT /file_share/abc/f.bin HTTP/1.1\r\nHost: x.b32.i2p\r\n\r\n", http, ""},
		{"download", "GET /file_share/abc/f.bin HTTP/1.1\r\nHost: x.b32.i2p\r\n\r\n", http, ""},
		{"head", "HEAD / HTTP/1.1\r\n\r\n", http, ""},
		{"another method", "DELETE / HTTP/1.1\r\n\r\n", 0, "no XMPP stream header"},
		{"a method's prefix only", "PU", 0, "no XMPP stream header"},
		{"endless", strings.Repeat("a", 5000), 0, "first 4 KiB"},
		{"direct TLS", "\x16\x03\x01\x02\x00\x01", tls, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time: the header may come in pieces.
			head, port, err := Sniff(iotest.OneByteReader(strings.NewReader(tc.in)), Ports{c2s, s2s, http, tls})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			// Read no further than needed: the method, or the header's '>'.
			end := ">"
			switch port {
			case http:
				end = " "
			case tls:
				end = "\x16" // the first byte decides
			}
			if err != nil || port != tc.port || !strings.HasPrefix(tc.in, string(head)) || !strings.HasSuffix(string(head), end) {
				t.Fatalf("port %d, head %q, err %v", port, head, err)
			}
		})
	}
}

// backend accepts on a loopback port and sends what each connection's
// first read got to got.
func backend(t *testing.T, name string, got chan<- string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b := make([]byte, 4096)
				n, _ := c.Read(b)
				got <- name + ":" + string(b[:n])
				_, _ = c.Write([]byte("reply from " + name))
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestServeOnLoopback(t *testing.T) {
	before := runtime.NumGoroutine()
	got := make(chan string, 10)
	ports := Ports{C2S: backend(t, "c2s", got), S2S: backend(t, "s2s", got), HTTP: backend(t, "http", got)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, ports, 300*time.Millisecond, func(msg string) { t.Log(msg) }) }()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	for _, tc := range []struct{ name, in string }{
		{"http", "GET /file_share/x/f.bin HTTP/1.1\r\nHost: a.b32.i2p\r\n\r\n"},
		{"c2s", "<?xml version='1.0'?><stream:stream to='a.b32.i2p' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"},
		{"s2s", "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"},
	} {
		c := dial()
		if _, err := c.Write([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		if g := <-got; g != tc.name+":"+tc.in {
			t.Errorf("%s: the backends got %q", tc.name, g)
		}
		b, err := io.ReadAll(c)
		if string(b) != "reply from "+tc.name || err != nil {
			t.Errorf("%s: the reply %q, %v", tc.name, b, err)
		}
		c.Close()
	}
	// Garbage, and silence past the sniff timeout: closed, nothing forwarded.
	for _, in := range []string{strings.Repeat("garbage ", 600), "PU", ""} {
		c := dial()
		if in != "" {
			_, _ = c.Write([]byte(in))
		}
		start := time.Now()
		b, err := io.ReadAll(c)
		// Unread garbage makes the close a reset.
		if len(b) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) || time.Since(start) > 2*time.Second {
			t.Errorf("%.10q: read %q, %v after %v; want the connection closed", in, b, err, time.Since(start))
		}
		c.Close()
	}
	select {
	case g := <-got:
		t.Errorf("a backend got %q", g)
	default:
	}
	// A stream still open when Serve ends is closed, and Serve waits for it.
	open := dial()
	_, _ = open.Write([]byte("<stream:stream xmlns='jabber:client'>"))
	<-got
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if b, err := io.ReadAll(open); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the open stream: %q, %v; want it closed", b, err)
	}
	open.Close()
	// Wait for what the check below allows (the 3 backends' accept loops
	// and this test's): the loop waited only down to before+6, so under the
	// race detector a closing stream's goroutines still counted.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+3 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
