//go:build !linux

package transport

import "net"

// quickAck is Linux-only (see quickack_linux.go).
func quickAck(c net.Conn) net.Conn { return c }
