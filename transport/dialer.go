package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Dialer opens a stream connection to addr ("host:port"). Every
// implementation in this package honours ctx (cancellation and deadline) and
// returns a *DialError worded for the user.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Direct dials over the ordinary network with net.Dialer (TCP_NODELAY on,
// as Go sets it by default). It refuses .i2p names: resolving one would leak
// it to DNS.
type Direct struct {
	Net    net.Dialer   // zero value is fine
	Logger *slog.Logger // nil: no logging
}

// DialContext implements Dialer.
func (d Direct) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkNetwork(network, addr, ""); err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Reason: ReasonBadAddress, Err: err,
			Msg: fmt.Sprintf("%q is not a host:port address", addr)}
	}
	if IsI2P(host) {
		return nil, &DialError{Addr: addr, Reason: ReasonBadAddress,
			Msg: fmt.Sprintf("refusing to connect to %s directly: it is an I2P address (set a SOCKS5 proxy or SAM bridge)", host)}
	}
	log := orDiscard(d.Logger)
	start := time.Now()
	c, err := d.Net.DialContext(ctx, network, addr)
	if err != nil {
		log.Debug("direct dial failed", "addr", addr, "err", err)
		return nil, describeDialError(addr, "", "is the server running?", err)
	}
	setNoDelay(c)
	log.Debug("direct dial", "addr", addr, "took", time.Since(start))
	return c, nil
}

// checkNetwork accepts the stream networks this package can carry.
func checkNetwork(network, addr, via string) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
		return nil
	}
	return &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress,
		Msg: fmt.Sprintf("cannot dial %s over network %q: only TCP streams are supported", addr, network)}
}

// setNoDelay keeps Nagle's algorithm off: XMPP sends many small stanzas and
// every round trip through I2P is expensive.
func setNoDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
