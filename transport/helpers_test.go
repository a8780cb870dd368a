package transport

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// testB32 returns a well-formed .b32.i2p address derived from seed.
func testB32(seed string) string {
	h := sha256.Sum256([]byte(seed))
	enc := base32.NewEncoding(base32Digits).WithPadding(base32.NoPadding)
	return enc.EncodeToString(h[:]) + B32Suffix
}

// testB33 returns a syntactically valid b33 address (56 base32 characters).
func testB33(seed string) string {
	h := sha256.Sum256([]byte(seed))
	b := append(h[:], 0x01, 0x02, 0x03) // 35 bytes -> 56 characters
	enc := base32.NewEncoding(base32Digits).WithPadding(base32.NoPadding)
	return enc.EncodeToString(b) + B32Suffix
}

// startEcho starts a loopback echo server.
func startEcho(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			})
		}
	})
	return ln.Addr().String()
}

// scriptServer is a loopback TCP server that runs handle for every
// connection and cleans up after itself (closing the connections, so no
// goroutine outlives the test).
type scriptServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startScript(t testing.TB, handle func(c net.Conn)) *scriptServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{ln: ln}
	t.Cleanup(s.close)
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	return s
}

func (s *scriptServer) addr() string { return s.ln.Addr().String() }

func (s *scriptServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// failingResolver fails the test if it is ever asked anything.
func failingResolver(t testing.TB) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			t.Errorf("unexpected DNS query (%s %s)", network, address)
			return nil, errors.New("DNS is forbidden in this test")
		},
	}
}

// checkGoroutines waits until the goroutine count is back to base.
func checkGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d goroutines, want at most %d\n%s", n, base, buf)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantErr checks err is a non-nil error whose message has every part.
func wantErr(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err.Error(), p)
		}
	}
}

func dialErr(t testing.TB, err error) *DialError {
	t.Helper()
	var de *DialError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *DialError", err, err)
	}
	if de.Error() == "" {
		t.Fatal("empty error message")
	}
	return de
}
