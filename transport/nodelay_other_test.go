//go:build !unix

package transport

import (
	"net"
	"testing"
)

func checkNoDelay(t testing.TB, c net.Conn) {
	t.Helper()
	if _, ok := c.(*net.TCPConn); !ok {
		t.Fatalf("underlying connection is %T, not *net.TCPConn", c)
	}
}
