package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/transport"
)

// recordingDialer records every address asked for and connects all of them
// to one loopback server, as an I2P proxy would connect a name.
type recordingDialer struct {
	target string
	mu     sync.Mutex
	addrs  []string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.target)
}

func (d *recordingDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// serve starts an httptest server on 127.0.0.1 and a dialer pointing at it.
func serve(t *testing.T, h http.HandlerFunc) *recordingDialer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &recordingDialer{target: srv.Listener.Addr().String()}
}

// rawServer accepts connections on loopback and hands each to handle, for
// servers that misbehave below what net/http lets a handler do.
func rawServer(t *testing.T, handle func(net.Conn)) *recordingDialer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	// Cleanup closes what is still open (a kept-alive connection, a
	// proxied stream) so no handler outlives the test.
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); handle(c) }()
		}
	}()
	return &recordingDialer{target: ln.Addr().String()}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

// TestURLRules: what is refused is refused before anything is dialled.
func TestURLRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url      string
		i2pOnly  bool
		clearnet bool   // error wraps ErrClearnetRefused
		errPart  string // "" means the request goes through
		dial     string // the address the dialer must get
	}{
		{url: "http://example.com/f", i2pOnly: true, clearnet: true, errPart: "outside I2P"},
		{url: "http://example.i2p.com/f", i2pOnly: true, clearnet: true, errPart: "outside I2P"},
		{url: "http://127.0.0.1/f", i2pOnly: true, clearnet: true, errPart: "IP address"},
		{url: "http://[::1]:8080/f", i2pOnly: true, clearnet: true, errPart: "IP address"},
		{url: "http://i2p/f", i2pOnly: true, clearnet: true, errPart: "outside I2P"},
		{url: "https://files.i2p/f", errPart: "no certificate authority"},
		{url: "https://FILES.I2P./f", i2pOnly: true, errPart: "no certificate authority"},
		{url: "ftp://files.i2p/f", i2pOnly: true, errPart: "only http:// and https://"},
		{url: "file:///etc/passwd", errPart: "only http:// and https://"},
		{url: "http:///nohost", errPart: "no host"},
		{url: "http://files.i2p/f", i2pOnly: true, dial: "files.i2p:80"},
		{url: "http://Files.I2P./f", i2pOnly: true, dial: "files.i2p:80"},
		{url: "http://abcd.b32.i2p:8080/f", i2pOnly: true, dial: "abcd.b32.i2p:8080"},
		{url: "http://example.com/f", dial: "example.com:80"},
		// A plain HTTP server: the TLS handshake fails after the dial.
		{url: "https://example.com/f", errPart: "HTTPS", dial: "example.com:443"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			d := serve(t, ok)
			c := NewClient(d, Options{I2POnly: tc.i2pOnly})
			_, _, err := c.Get(testCtx(t), tc.url, io.Discard, 100, nil)
			if tc.errPart == "" && err != nil {
				t.Fatalf("Get: %v", err)
			}
			if tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart)) {
				t.Fatalf("Get error = %v, want one mentioning %q", err, tc.errPart)
			}
			if errors.Is(err, ErrClearnetRefused) != tc.clearnet {
				t.Fatalf("errors.Is(%v, ErrClearnetRefused) = %v", err, !tc.clearnet)
			}
			got := d.dialled()
			if tc.dial == "" && len(got) > 0 {
				t.Fatalf("dialled %v for a refused URL", got)
			}
			if tc.dial != "" && (len(got) != 1 || got[0] != tc.dial) {
				t.Fatalf("dialled %v, want [%s]", got, tc.dial)
			}
			if err := c.Put(testCtx(t), tc.url, nil, strings.NewReader("x"), 1, "", nil); tc.dial == "" && err == nil {
				t.Fatal("Put went through where Get was refused")
			}
		})
	}
}

// TestRequestHeaders: the server sees exactly Clove's fixed headers, the
// slot's allowed ones, and nothing else.
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []http.Header
	var hosts []string
	d := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusCreated)
		}
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		hosts = append(hosts, r.Host)
		mu.Unlock()
	})
	c := NewClient(d, Options{I2POnly: true})
	if _, _, err := c.Get(testCtx(t), "http://files.i2p/a", io.Discard, 10, nil); err != nil {
		t.Fatal(err)
	}
	slot := map[string]string{"authorization": "Bearer x", "Cookie": "s=1", "Expires": "Tue", "X-Tracking": "1", "Referer": "http://leak.example/"}
	if err := c.Put(testCtx(t), "http://files.i2p/b", slot, strings.NewReader("data"), 4, "image/png", nil); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"User-Agent": "Clove"},
		{"User-Agent": "Clove", "Authorization": "Bearer x", "Cookie": "s=1", "Expires": "Tue", "Content-Type": "image/png", "Content-Length": "4"},
	}
	for i, h := range seen {
		if hosts[i] != "files.i2p" {
			t.Errorf("request %d: Host %q", i, hosts[i])
		}
		if len(h) != len(want[i]) {
			t.Errorf("request %d: headers %v, want only %v", i, h, want[i])
		}
		for k, v := range want[i] {
			if h.Get(k) != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, h.Get(k), v)
			}
		}
	}
}

// TestEnvironmentProxyIgnored: a proxy in the environment is neither used
// nor tried. Not parallel: it sets the environment.
func TestEnvironmentProxyIgnored(t *testing.T) {
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		t.Setenv(k, "http://127.0.0.1:1")
	}
	t.Setenv("NO_PROXY", "")
	d := serve(t, ok)
	var buf bytes.Buffer
	if _, _, err := NewClient(d, Options{}).Get(testCtx(t), "http://files.example/f", &buf, 100, nil); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got := d.dialled(); len(got) != 1 || got[0] != "files.example:80" {
		t.Fatalf("dialled %v, want [files.example:80]", got)
	}
}

// TestRedirectNotFollowed: a 3xx is an error naming its target, and the
// target is never dialled.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			d := serve(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				http.Redirect(w, r, "http://elsewhere.example/x", code)
			})
			c := NewClient(d, Options{})
			_, _, err := c.Get(testCtx(t), "http://files.i2p/a", io.Discard, 1000, nil)
			if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "elsewhere.example/x") {
				t.Fatalf("Get = %v, want ErrRedirect naming the target", err)
			}
			err = c.Put(testCtx(t), "http://files.i2p/a", nil, strings.NewReader("x"), 1, "", nil)
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("Put = %v, want ErrRedirect", err)
			}
			if hits.Load() != 2 {
				t.Fatalf("server hit %d times, want 2", hits.Load())
			}
			for _, a := range d.dialled() {
				if a != "files.i2p:80" {
					t.Fatalf("dialled %s", a)
				}
			}
		})
	}
}

// endless is a server body that never ends.
func endless(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 32<<10)
	for r.Context().Err() == nil {
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

func TestGetSizeLimit(t *testing.T) {
	t.Parallel()
	const max = 1 << 20
	body := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(n))
			w.Write(make([]byte, n))
		}
	}
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		wantN   int64
		tooBig  bool
		written int64 // what w receives
	}{
		{"exact fit", body(max), max, false, max},
		{"under", body(100), 100, false, 100},
		{"empty", body(0), 0, false, 0},
		{"content-length over", body(max + 1), 0, true, 0},
		{"endless chunked", endless, max, true, max},
		{"chunked one over", func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, max))
			w.(http.Flusher).Flush()
			w.Write([]byte{1})
		}, max, true, max},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := serve(t, tc.h)
			var cw countWriter
			var last, lastTotal int64
			n, _, err := NewClient(d, Options{}).Get(testCtx(t), "http://files.i2p/a", &cw, max, func(got, total int64) { last, lastTotal = got, total })
			if errors.Is(err, ErrTooLarge) != tc.tooBig {
				t.Fatalf("err = %v, tooBig %v", err, tc.tooBig)
			}
			if !tc.tooBig && err != nil {
				t.Fatal(err)
			}
			if n != tc.wantN || cw.n != tc.written {
				t.Fatalf("n = %d, written %d; want %d, %d", n, cw.n, tc.wantN, tc.written)
			}
			if tc.written > 0 && last < tc.written {
				t.Fatalf("last progress %d (total %d), want ≥ %d", last, lastTotal, tc.written)
			}
		})
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestGetEndlessBoundedMemory: a server sending 10 GB or more stops at the
// limit, and the download allocates a fixed amount whatever the limit.
// Not parallel: it reads the process's allocation counter.
func TestGetEndlessBoundedMemory(t *testing.T) {
	d := serve(t, endless)
	c := NewClient(d, Options{})
	alloc := func(max int64) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n, _, err := c.Get(testCtx(t), "http://files.i2p/a", io.Discard, max, nil)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) || n != max {
			t.Fatalf("max %d: n = %d, err = %v", max, n, err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(1<<20), alloc(32<<20)
	t.Logf("allocated %d bytes for 1 MiB, %d for 32 MiB", small, large)
	// The server's side allocates too; both stay far below the data size.
	if large > 4<<20 {
		t.Fatalf("allocated %d bytes for a 32 MiB download: memory grows with the file", large)
	}
}

// TestGetMoreThanContentLength: bytes past Content-Length are never taken.
func TestGetMoreThanContentLength(t *testing.T) {
	t.Parallel()
	d := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello")
		io.WriteString(c, "MORE-THAN-CONTENT-LENGTH")
	})
	var buf bytes.Buffer
	n, ct, err := NewClient(d, Options{}).Get(testCtx(t), "http://files.i2p/a", &buf, 100, nil)
	if err != nil || n != 5 || buf.String() != "hello" || ct != "text/plain" {
		t.Fatalf("Get = %d, %q, %v; body %q", n, ct, err, buf.String())
	}
}

// TestGetCutShort: a body shorter than its Content-Length is an error.
func TestGetCutShort(t *testing.T) {
	t.Parallel()
	d := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello")
	})
	var last, lastTotal int64
	_, _, err := NewClient(d, Options{}).Get(testCtx(t), "http://files.i2p/a", io.Discard, 1000, func(g, tot int64) { last, lastTotal = g, tot })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want unexpected EOF", err)
	}
	if last != 5 || lastTotal != 100 {
		t.Fatalf("progress (%d, %d), want (5, 100)", last, lastTotal)
	}
}

// TestNoHeadersEndsWithContext: a server that accepts and never answers
// holds the request only until ctx ends.
func TestNoHeadersEndsWithContext(t *testing.T) {
	t.Parallel()
	d := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := NewClient(d, Options{}).Get(ctx, "http://files.i2p/a", io.Discard, 100, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v", took)
	}
}

// TestErrorStatus: an error answer gives a short, printable message and
// its body is not read to the end.
func TestErrorStatus(t *testing.T) {
	t.Parallel()
	d := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "quota\x1b[31m exceeded\n\n")
		endless(w, r)
	})
	c := NewClient(d, Options{})
	_, _, err := c.Get(testCtx(t), "http://files.i2p/a", io.Discard, 1<<30, nil)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "quota [31m exceeded") {
		t.Fatalf("err = %v", err)
	}
	if len(err.Error()) > 600 || strings.ContainsAny(err.Error(), "\x1b\n") {
		t.Fatalf("message too long or unprintable: %q", err)
	}
	err = c.Put(testCtx(t), "http://files.i2p/a", nil, strings.NewReader("x"), 1, "", nil)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("Put err = %v", err)
	}
}

func TestPut(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789"), 50_000)
	for _, tc := range []struct {
		name   string
		status int
		body   io.Reader
		size   int64
		ok     bool
	}{
		{"201", http.StatusCreated, bytes.NewReader(data), int64(len(data)), true},
		{"200", http.StatusOK, bytes.NewReader(data), int64(len(data)), true},
		{"empty file", http.StatusCreated, strings.NewReader(""), 0, true},
		{"204 is not success", http.StatusNoContent, bytes.NewReader(data), int64(len(data)), false},
		{"500", http.StatusInternalServerError, bytes.NewReader(data), int64(len(data)), false},
		{"body shorter than size", http.StatusCreated, bytes.NewReader(data[:10]), 20, false},
		{"unknown size", http.StatusCreated, bytes.NewReader(data), -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got bytes.Buffer
			var gotLen int64
			d := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPut {
					t.Errorf("method %s", r.Method)
				}
				gotLen = r.ContentLength
				io.Copy(&got, r.Body)
				w.WriteHeader(tc.status)
			})
			var sent []int64
			err := NewClient(d, Options{}).Put(testCtx(t), "http://files.i2p/slot", nil, tc.body, tc.size, "application/octet-stream", func(n int64) { sent = append(sent, n) })
			if (err == nil) != tc.ok {
				t.Fatalf("Put = %v, want ok %v", err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if gotLen != tc.size || int64(got.Len()) != tc.size || !bytes.Equal(got.Bytes(), data[:tc.size]) {
				t.Fatalf("server got %d bytes (Content-Length %d), want %d", got.Len(), gotLen, tc.size)
			}
			for i := 1; i < len(sent); i++ {
				if sent[i] < sent[i-1] {
					t.Fatalf("progress went back: %v", sent)
				}
			}
			if tc.size > 0 && sent[len(sent)-1] != tc.size {
				t.Fatalf("last progress %d, want %d", sent[len(sent)-1], tc.size)
			}
		})
	}
}

// TestThroughSOCKS5: through transport's own SOCKS5 dialer, the proxy gets
// the .i2p name unresolved (ATYP 3), as i2pd needs it.
func TestThroughSOCKS5(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(ok))
	t.Cleanup(srv.Close)
	names := make(chan string, 4)
	proxy := rawServer(t, func(c net.Conn) {
		name, err := socksAccept(c)
		if err != nil {
			t.Errorf("SOCKS5: %v", err)
			return
		}
		names <- name
		up, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			return
		}
		defer up.Close()
		go func() { io.Copy(up, c); up.Close() }()
		io.Copy(c, up)
	})
	d, err := transport.NewSOCKS5(proxy.target)
	if err != nil {
		t.Fatal(err)
	}
	b32 := strings.Repeat("a", 52) + ".b32"
	var buf bytes.Buffer
	if _, _, err := NewClient(d, Options{I2POnly: true}).Get(testCtx(t), "http://"+strings.ToUpper(b32)+".I2P:8080/f", &buf, 100, nil); err != nil {
		t.Fatal(err)
	}
	if got := <-names; got != b32+".i2p:8080" || buf.String() != "hello" {
		t.Fatalf("proxy got %q, body %q", got, buf.String())
	}
}

// socksAccept is a minimal SOCKS5 server side (RFC 1928, no auth, CONNECT
// to a domain name only): it returns the requested "name:port".
func socksAccept(c net.Conn) (string, error) {
	r := bufio.NewReader(c)
	var hello [2]byte
	if _, err := io.ReadFull(r, hello[:]); err != nil || hello[0] != 5 {
		return "", fmt.Errorf("bad greeting %v: %v", hello, err)
	}
	if _, err := io.ReadFull(r, make([]byte, hello[1])); err != nil {
		return "", err
	}
	c.Write([]byte{5, 0})
	var req [5]byte // VER CMD RSV ATYP LEN
	if _, err := io.ReadFull(r, req[:]); err != nil {
		return "", err
	}
	if req[1] != 1 || req[3] != 3 {
		return "", fmt.Errorf("want CONNECT to a domain name, got CMD %d ATYP %d", req[1], req[3])
	}
	rest := make([]byte, int(req[4])+2)
	if _, err := io.ReadFull(r, rest); err != nil {
		return "", err
	}
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	port := binary.BigEndian.Uint16(rest[len(rest)-2:])
	return fmt.Sprintf("%s:%d", rest[:len(rest)-2], port), nil
}

// A server that drops the connection in the middle of an upload: Put
// fails at once, saying so, instead of hanging or reporting success.
func TestPutCutInTheMiddle(t *testing.T) {
	t.Parallel()
	d := rawServer(t, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 64<<10)
		var n int
		for n < 200<<10 {
			m, err := c.Read(buf)
			if err != nil {
				return
			}
			n += m
		}
		// Half of it read: gone, as a server that dies does.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	})
	data := bytes.Repeat([]byte("x"), 1<<20)
	t0 := time.Now()
	err := NewClient(d, Options{}).Put(testCtx(t), "http://files.i2p/slot", nil, bytes.NewReader(data), int64(len(data)), "", nil)
	if err == nil {
		t.Fatal("Put succeeded although the server dropped the upload half-way")
	}
	if took := time.Since(t0); took > 5*time.Second {
		t.Errorf("Put took %v to notice", took)
	}
	t.Logf("cut upload: %v", err)
}
