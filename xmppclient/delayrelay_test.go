package xmppclient_test

import (
	"net"
	"testing"
	"time"
)

// delayRelay relays each loopback connection to target, holding every
// chunk for oneWay in each direction: a link with a round trip of
// 2×oneWay, so a login's round trips show as time. It stops with the
// test.
func delayRelay(t *testing.T, target string, oneWay time.Duration) string {
	t.Helper()
	return newDelayedRelay(t, target, oneWay).ln.Addr().String()
}

type chunk struct {
	due  time.Time
	data []byte
}

// delayCopy copies src to dst, each chunk written oneWay after it was
// read, in order; it closes both ends when src ends.
func delayCopy(dst, src net.Conn, oneWay time.Duration) {
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(oneWay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	for range q { // let the reader end
	}
}
