package transport

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hedgeServer accepts connections on loopback; behave[i] decides what the
// i-th connection does (the last one repeats). It records what each
// connection received before it answered.
type hedgeServer struct {
	ln     net.Listener
	mu     sync.Mutex
	got    []string
	closed []chan struct{}
	n      atomic.Int32
}

type behaviour int

const (
	silent  behaviour = iota // reads, never answers
	answer                   // answers "HELLO <what it read>" then echoes
	hangUp                   // closes at once
	slowAns                  // answers after 300 ms
)

func startHedgeServer(t *testing.T, behave ...behaviour) *hedgeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hedgeServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(s.n.Add(1)) - 1
			b := behave[min(i, len(behave)-1)]
			done := make(chan struct{})
			s.mu.Lock()
			s.got = append(s.got, "")
			s.closed = append(s.closed, done)
			s.mu.Unlock()
			go s.serve(c, i, b, done)
		}
	}()
	return s
}

func (s *hedgeServer) serve(c net.Conn, i int, b behaviour, done chan struct{}) {
	defer close(done)
	defer c.Close()
	if b == hangUp {
		return
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	s.mu.Lock()
	s.got[i] = line
	s.mu.Unlock()
	if err != nil {
		return
	}
	switch b {
	case silent:
		_, _ = io.Copy(io.Discard, br) // until the client closes it
		return
	case slowAns:
		time.Sleep(300 * time.Millisecond)
	}
	if _, err := io.WriteString(c, "HELLO "+line); err != nil {
		return
	}
	_, _ = io.Copy(c, br)
}

func (s *hedgeServer) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.ln.Addr().String())
}

func (s *hedgeServer) received(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[i]
}

func (s *hedgeServer) waitClosed(t *testing.T, i int) {
	t.Helper()
	s.mu.Lock()
	ch := s.closed[i]
	s.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("connection %d still open", i)
	}
}

func hedgeUp(t *testing.T, s *hedgeServer, after time.Duration) net.Conn {
	t.Helper()
	ctx := t.Context()
	first, err := s.dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := hedge(ctx, first, after, s.dial)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHedgedConn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		behave []behaviour
		conns  int // connections the server sees in all
		winner int // which one answers
	}{
		{"first answers: no second stream", []behaviour{answer}, 1, 0},
		{"first silent: the second wins", []behaviour{silent, answer}, 2, 1},
		{"two silent: the third wins", []behaviour{silent, silent, answer}, 3, 2},
		{"first hangs up: another at once", []behaviour{hangUp, answer}, 2, 1},
		{"first slow but first: kept", []behaviour{slowAns, silent}, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startHedgeServer(t, tc.behave...)
			c := hedgeUp(t, s, 100*time.Millisecond)
			// Two writes before any answer; both are replayed.
			if _, err := io.WriteString(c, "<stream "); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, "header>\n"); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line != "HELLO <stream header>\n" {
				t.Fatalf("answer %q", line)
			}
			// After the win, it is one plain connection both ways.
			if _, err := io.WriteString(c, "ping\n"); err != nil {
				t.Fatal(err)
			}
			if line, err := br.ReadString('\n'); err != nil || line != "ping\n" {
				t.Fatalf("echo %q, %v", line, err)
			}
			time.Sleep(250 * time.Millisecond) // no more streams after the win
			if got := int(s.n.Load()); got != tc.conns {
				t.Fatalf("server saw %d connections, want %d", got, tc.conns)
			}
			if got := s.received(tc.winner); got != "<stream header>\n" {
				t.Fatalf("the winner received %q", got)
			}
			for i := range tc.conns {
				if i != tc.winner {
					s.waitClosed(t, i) // losers are closed
				}
			}
		})
	}
}

func TestHedgedConnFailures(t *testing.T) {
	t.Run("every stream hangs up", func(t *testing.T) {
		s := startHedgeServer(t, hangUp)
		c := hedgeUp(t, s, time.Hour)
		io.WriteString(c, "hi\n")
		_, err := c.Read(make([]byte, 10))
		if err == nil {
			t.Fatal("read succeeded")
		}
		if got := s.n.Load(); got != hedgeMax {
			t.Fatalf("%d connections, want %d", got, hedgeMax)
		}
	})
	t.Run("read deadline passes", func(t *testing.T) {
		s := startHedgeServer(t, silent)
		c := hedgeUp(t, s, 50*time.Millisecond)
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		io.WriteString(c, "hi\n")
		t0 := time.Now()
		_, err := c.Read(make([]byte, 10))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want a timeout, got %v", err)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Fatalf("timeout took %v", d)
		}
	})
	t.Run("close unblocks a read", func(t *testing.T) {
		s := startHedgeServer(t, silent)
		c := hedgeUp(t, s, 50*time.Millisecond)
		io.WriteString(c, "hi\n")
		go func() { time.Sleep(200 * time.Millisecond); c.Close() }()
		if _, err := c.Read(make([]byte, 10)); err == nil {
			t.Fatal("read succeeded")
		}
		for i := range int(s.n.Load()) {
			s.waitClosed(t, i)
		}
	})
	t.Run("server speaks first", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				io.WriteString(c, "banner\n")
				io.Copy(io.Discard, c)
			}
		}()
		first, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := hedge(t.Context(), first, time.Hour, nil)
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "banner") {
			t.Fatalf("%q %v", line, err)
		}
	})
}

// Connections to the router get quick ACKs (Linux), through the SOCKS
// wrapper too; anything else is left as it is.
func TestQuickAckWraps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, "hi")
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := quickAck(&socksConn{Conn: raw})
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "hi" {
		t.Fatalf("read %q, %v", b, err)
	}
	if runtime.GOOS == "linux" {
		if _, ok := c.(*socksConn).Conn.(*quickAckConn); !ok {
			t.Fatalf("inner conn is %T", c.(*socksConn).Conn)
		}
	}
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if quickAck(p1) != p1 {
		t.Fatal("a non-TCP conn was wrapped")
	}
}
