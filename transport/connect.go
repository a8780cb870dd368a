package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// ConnectOption configures Connect.
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

// WithDialer makes Connect use d instead of building a dialer from the
// settings: pass a long-lived *SAMDialer here so every connection shares
// one SAM session (and identity). A Direct dialer is refused when the
// settings select a proxy or SAM, so a mistake cannot leak a connection.
func WithDialer(d Dialer) ConnectOption {
	return func(c *connectConfig) { c.dialer = d }
}

// WithSAMOptions sets the options of the SAM session Connect opens when the
// settings select SAM and no dialer was given. That session lives as long
// as the returned connection.
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
func Connect(ctx context.Context, s Settings, domain string, opts ...ConnectOption) (net.Conn, error) {
	var cfg connectConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	log := orDiscard(cfg.log)
	targets, err := Targets(ctx, s, domain, cfg.resolver)
	if err != nil {
		return nil, err
	}
	mode := s.Mode()
	dialer := cfg.dialer
	var ownedSAM *SAMDialer
	switch {
	case dialer != nil:
		if mode != ModeDirect {
			switch dialer.(type) {
			case Direct, *Direct:
				return nil, fmt.Errorf("internal error: refusing to dial %s directly while a %s connection is configured", domain, mode)
			}
		}
	case mode == ModeDirect:
		// The same resolver as the SRV lookup resolves the targets.
		dialer = Direct{Net: net.Dialer{Resolver: cfg.resolver}, Logger: cfg.log}
	case mode == ModeSOCKS5:
		dialer, err = NewSOCKS5(s.Proxy, WithSOCKSLogger(cfg.log))
		if err != nil {
			return nil, err
		}
	case mode == ModeSAM:
		so := cfg.samOpts
		if so.Logger == nil {
			so.Logger = cfg.log
		}
		ownedSAM, err = NewSAM(ctx, s.SAM, so)
		if err != nil {
			return nil, err
		}
		dialer = ownedSAM
	}

	after := DefaultHedgeAfter
	if cfg.hedgeSet {
		after = cfg.hedge
	}
	var errs []error
	for _, t := range targets {
		log.Debug("connecting", "domain", domain, "target", t.Addr(), "mode", t.Mode)
		c, err := dialer.DialContext(ctx, "tcp", t.Addr())
		if err == nil {
			if mode != ModeDirect {
				// The local router: quick ACKs, and a hedge against a
				// silent first stream, for the redials too.
				c = quickAck(c)
				if after > 0 {
					addr := t.Addr()
					c = hedge(ctx, c, after, func(ctx context.Context) (net.Conn, error) {
						log.Debug("no answer yet: another stream beside the first", "target", addr, "after", after)
						c, err := dialer.DialContext(ctx, "tcp", addr)
						if err != nil {
							return nil, err
						}
						return quickAck(c), nil
					})
				}
			}
			if ownedSAM != nil {
				return &sessionConn{Conn: c, sam: ownedSAM}, nil
			}
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if ownedSAM != nil {
		_ = ownedSAM.Close()
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return nil, &connectError{
		msg:  fmt.Sprintf("could not connect to %s at any of its %d addresses: %s", domain, len(errs), strings.Join(msgs, "; ")),
		errs: errs,
	}
}

// connectError joins the attempts' errors under one message.
type connectError struct {
	msg  string
	errs []error
}

func (e *connectError) Error() string   { return e.msg }
func (e *connectError) Unwrap() []error { return e.errs }

// sessionConn closes the SAM session Connect opened with the connection.
type sessionConn struct {
	net.Conn
	sam *SAMDialer
}

func (c *sessionConn) Close() error {
	return errors.Join(c.Conn.Close(), c.sam.Close())
}
