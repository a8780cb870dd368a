package xmppclient

import (
	"net"
	"sync"
	"time"
)

// writeStall is how long a write may make no progress before the
// connection is given up (see sessionConn).
const writeStall = 2 * time.Minute

// sessionConn is the connection as mellium sees it: it hides the
// deadlines, and bounds stalled writes itself.
//
// mellium v0.22.0 turns every context passed to Send or Encode into a
// goroutine that, once the context ends, sets the connection's deadline to
// a time in the past and then clears it. The goroutine also races the
// write's own end: when the caller cancels its context right after the
// write (defer cancel()), it often still fires, and whatever write is on
// the connection at that moment — anyone's — fails with "i/o timeout";
// a TLS connection whose write failed is broken for good. Under load this
// dropped sessions that were fine (TestSendManyAcrossDroppedConnection:
// bob, whose connection the test leaves alone, sending a receipt per
// message, lost his session in at least 3 of 10 runs, and with it
// messages the server had archived and would not offer again except
// through MAM). So mellium's deadlines are ignored; login sets its own
// deadline on the connection underneath, and after login a write that
// makes no progress for writeStall (the peer stopped reading) fails,
// which ends the session and starts a reconnect.
//
// Before STARTTLS it also bounds what the server sends in one piece (its
// stream features), as smConn does on the encrypted stream after it.
type sessionConn struct {
	net.Conn
	mu      sync.Mutex
	guarded bool      // logged in: stalled writes are bounded here (during login, by login's deadline)
	armed   time.Time // when the write deadline was last pushed back

	rg    *readGuard
	rmu   sync.Mutex
	plain *streamScanner // until STARTTLS; nil after
}

func newSessionConn(c net.Conn, guard *readGuard, limit int64) *sessionConn {
	return &sessionConn{Conn: c, rg: guard, plain: &streamScanner{limit: limit}}
}

func (c *sessionConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	plain := c.plain
	c.rmu.Unlock()
	if plain == nil {
		return c.Conn.Read(p)
	}
	if err := plain.over; err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		if ferr := plain.feed(p[:n]); ferr != nil {
			c.rg.set(ferr)
			return 0, ferr
		}
	}
	return n, err
}

// encrypted stops the plaintext scanner: TLS starts on this connection.
func (c *sessionConn) encrypted() {
	c.rmu.Lock()
	c.plain = nil
	c.rmu.Unlock()
}

// readGuard records why a connection's reads were refused (a stanza over
// the limit), for the session's end to report instead of mellium's error.
type readGuard struct {
	mu      sync.Mutex
	refused error
}

func (g *readGuard) set(err error) {
	g.mu.Lock()
	if g.refused == nil {
		g.refused = err
	}
	g.mu.Unlock()
}

func (g *readGuard) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refused
}

func (c *sessionConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if now := time.Now(); c.guarded && now.Sub(c.armed) > writeStall/2 {
		// A write starts with at least writeStall/2 before its deadline.
		_ = c.Conn.SetWriteDeadline(now.Add(writeStall))
		c.armed = now
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// guard starts bounding stalled writes, once login (whose deadline the
// caller just cleared) is over.
func (c *sessionConn) guard() {
	c.mu.Lock()
	c.guarded, c.armed = true, time.Time{}
	c.mu.Unlock()
}

func (*sessionConn) SetDeadline(time.Time) error      { return nil }
func (*sessionConn) SetReadDeadline(time.Time) error  { return nil }
func (*sessionConn) SetWriteDeadline(time.Time) error { return nil }
