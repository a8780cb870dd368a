package xmppclient

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestSessionConnHidesDeadlinesAndBoundsStalls: mellium's deadlines do not
// reach the connection; after login a write sets one writeStall ahead,
// pushed back only once half of it has passed.
func TestSessionConnHidesDeadlinesAndBoundsStalls(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go io.Copy(io.Discard, b)
	rec := &deadlineConn{Conn: a}
	sc := &sessionConn{Conn: rec}
	past := time.Now().Add(-time.Hour)
	sc.SetDeadline(past)
	sc.SetWriteDeadline(past)
	sc.SetReadDeadline(past)
	if _, err := sc.Write([]byte("<presence/>")); err != nil {
		t.Fatalf("a write after mellium's past deadline: %v", err)
	}
	if len(rec.set) != 0 {
		t.Fatalf("deadlines set during login: %v", rec.set)
	}
	sc.guard()
	t0 := time.Now()
	sc.Write([]byte("<message/>"))
	sc.Write([]byte("<message/>"))
	if len(rec.set) != 1 || rec.set[0].Sub(t0) < writeStall-time.Second {
		t.Fatalf("write deadlines %v: want one, writeStall ahead", rec.set)
	}
	sc.armed = sc.armed.Add(-writeStall/2 - time.Second) // half of it passed
	sc.Write([]byte("<message/>"))
	if len(rec.set) != 2 {
		t.Fatalf("write deadlines %v: want it pushed back", rec.set)
	}
}

type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.set = append(c.set, t)
	return c.Conn.SetWriteDeadline(t)
}
