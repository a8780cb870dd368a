package transport

import "net"

// directTLSConn marks a connection to a direct TLS port (XEP-0368): the
// client must start TLS with its first byte instead of waiting for
// STARTTLS. The TLS itself is the XMPP client's (it owns the certificate
// policy); transport only says which targets need it.
type directTLSConn struct{ net.Conn }

// DirectTLS reports that the peer expects TLS from the first byte.
func (directTLSConn) DirectTLS() bool { return true }

// IsDirectTLS reports whether c, from Dial, reaches a direct TLS port (an
// _xmpps-client SRV target, or a Server override with DirectTLS).
func IsDirectTLS(c net.Conn) bool {
	d, ok := c.(interface{ DirectTLS() bool })
	return ok && d.DirectTLS()
}
