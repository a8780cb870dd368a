//go:build unix

package transport

import (
	"net"
	"syscall"
	"testing"
)

// checkNoDelay asserts TCP_NODELAY is set on a TCP connection.
func checkNoDelay(t testing.TB, c net.Conn) {
	t.Helper()
	tc, ok := c.(*net.TCPConn)
	if !ok {
		t.Fatalf("underlying connection is %T, not *net.TCPConn", c)
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	if v == 0 {
		t.Error("TCP_NODELAY is off")
	}
}
