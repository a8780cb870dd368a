package xmppclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// alpnXMPPClient is the ALPN protocol name XEP-0368 §3 asks a client to
// offer on a direct TLS connection.
const alpnXMPPClient = "xmpp-client"

// ErrNotDirectTLS: the port did not answer a TLS handshake; most often it
// is a STARTTLS port (5222) given as a direct TLS one.
var ErrNotDirectTLS = errors.New("the server's port did not answer with TLS: is it a direct TLS port (XEP-0368, often 5223)? A STARTTLS port (5222) is not; add the account without --direct-tls for it")

// directTLS starts TLS on conn from the first byte (XEP-0368) and returns
// the encrypted connection as the session reads it (counted for stream
// management and bounded like after STARTTLS). The certificate goes
// through the same verifier as with STARTTLS, so pins work alike.
func directTLS(ctx context.Context, conn net.Conn, cfg *tls.Config, sm *smState, guard *readGuard, limit int64) (*smConn, error) {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{alpnXMPPClient}
	if sc, ok := conn.(*sessionConn); ok {
		sc.encrypted() // TLS records from the first byte: no plaintext scanner
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) {
			// The peer answered, but not with TLS (prosody's STARTTLS
			// port answers a ClientHello with a plaintext stream error).
			return nil, fmt.Errorf("%w (%v)", ErrNotDirectTLS, err)
		}
		return nil, err
	}
	return newSMConn(tc, sm, guard, limit), nil
}

// newDirectTLSSession negotiates the XMPP session on an already encrypted
// connection: mellium is told the stream is Secure (it only sees a
// *tls.Conn as such itself, and ours is wrapped), so no STARTTLS is
// looked for and SASL, which needs a secure stream, goes first.
func newDirectTLSSession(ctx context.Context, j jid.JID, rw net.Conn, features ...xmpp.StreamFeature) (*xmpp.Session, error) {
	return xmpp.NewSession(ctx, j.Domain(), j, rw, xmpp.Secure, xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
		return xmpp.StreamConfig{Features: features}
	}))
}

// isDirectTLS: the dialer marked conn as reaching a direct TLS port
// (transport's connections do, for _xmpps-client SRV targets; the
// method, not the package, so xmppclient stays free of transport).
func isDirectTLS(conn net.Conn) bool {
	d, ok := conn.(interface{ DirectTLS() bool })
	return ok && d.DirectTLS()
}
