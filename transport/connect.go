package transport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"
)

// ConnectOption configures Connect and NewConnector.
type ConnectOption func(*connectConfig)

type connectConfig struct {
	resolver *net.Resolver
	dialer   Dialer
	samOpts  SAMOptions
	log      *slog.Logger
	hedge    time.Duration
	hedgeSet bool
}

// WithHedge sets how long an I2P connection (SOCKS5 or SAM) waits for the
// server's first byte before opening another stream beside the first and
// keeping whichever answers (see hedge.go). Default DefaultHedgeAfter; 0
// turns it off. Direct connections are never hedged.
func WithHedge(after time.Duration) ConnectOption {
	return func(c *connectConfig) { c.hedge, c.hedgeSet = after, true }
}

// WithResolver sets the resolver for the SRV lookup in direct mode (the
// only mode in which Connect uses DNS itself). Default: net.DefaultResolver.
func WithResolver(r *net.Resolver) ConnectOption {
	return func(c *connectConfig) { c.resolver = r }
}

// WithDialer makes Connect or a Connector use d instead of building a
// dialer from the settings; d is never closed by them (a *SAMDialer given
// here is not replaced when its session ends: a Connector without this
// option does that). A Direct dialer is refused when the settings select a
// proxy or SAM, so a mistake cannot leak a connection.
func WithDialer(d Dialer) ConnectOption {
	return func(c *connectConfig) { c.dialer = d }
}

// WithSAMOptions sets the options of the SAM sessions opened when the
// settings select SAM and no dialer was given: Connect's, which lives as
// long as the returned connection, and a Connector's shared one (every
// replacement uses them too, so SAMOptions.Keys keeps the address).
func WithSAMOptions(o SAMOptions) ConnectOption {
	return func(c *connectConfig) { c.samOpts = o }
}

// WithLogger sets the logger (default: none).
func WithLogger(l *slog.Logger) ConnectOption {
	return func(c *connectConfig) { c.log = l }
}

// Connect plans the connection for the XMPP domain (see Plan and Targets)
// and dials it with the dialer the settings call for, trying each target
// in order. Errors are worded for the user, e.g. "could not reach
// 127.0.0.1:5222: connection refused — is the server running?".
//
// It is a one-shot Connector: in SAM mode (without WithDialer) the session
// it opens lives as long as the returned connection, and closing the
// connection ends it. To dial the same account again and again, keep a
// Connector instead: it checks the settings once and shares one session.
func Connect(ctx context.Context, s Settings, domain string, opts ...ConnectOption) (net.Conn, error) {
	c, err := NewConnector(s, domain, opts...)
	if err != nil {
		return nil, err
	}
	conn, err := c.Dial(ctx)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	if c.ownsSessions() {
		return &sessionConn{Conn: conn, owner: c}, nil
	}
	_ = c.Close() // nothing of the connection's: it owns no session
	return conn, nil
}

// sessionConn closes the Connector (and so the SAM session) Connect opened
// with the connection.
type sessionConn struct {
	net.Conn
	owner *Connector
}

func (c *sessionConn) Close() error {
	return errors.Join(c.Conn.Close(), c.owner.Close())
}
