package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// Connector dials one XMPP domain with fixed connection settings, checked
// once, by NewConnector: it is an account's way out, kept for as long as
// the account is in use, and Dial is called for every (re)connect.
//
// In SAM mode it owns the SAM session: one session (one set of tunnels,
// one I2P address) serves every Dial. It is made on the first Dial that
// needs it, and made again, with the same SAMOptions (so the identity file
// in SAMOptions.Keys keeps the address), when the router ended it (router
// stopped or restarted) or a dial reported it gone (ReasonSessionEnded),
// and when Dial failed to reach the domain through it renewFailures times
// in a row over at least renewSpan (see noteDial). Close ends it.
//
// A Connector is safe for concurrent use, Close included.
type Connector struct {
	domain   string        // as given, for messages
	plan     Target        // Plan's answer: the one target, or the SRV fallback
	override bool          // plan is the settings' Server override: no SRV lookup
	i2pOnly  bool          // the settings' I2POnly: DialHost reaches .i2p hosts only
	resolver *net.Resolver // direct mode's SRV lookup and dials; nil: the default
	dialer   Dialer        // direct, SOCKS5 or WithDialer's; nil: the shared SAM session
	samAddr  string        // the SAM bridge, checked (SAM mode without a dialer)
	samOpts  SAMOptions
	after    time.Duration // hedge delay; 0: no hedging
	log      *slog.Logger

	stopped  context.Context // done after Close: cancels the Dials in flight
	stop     context.CancelFunc
	creating chan struct{} // one token, held by the Dial making a SAM session

	// A session whose dials to the domain keep failing is renewed after
	// renewFailures failures in a row spanning renewSpan or more.
	renewFailures int
	renewSpan     time.Duration

	mu     sync.Mutex
	closed bool
	sam    *SAMDialer // the shared session; nil before the first need and after it ended
	failed int        // Dial's failures in a row through sam
	since  time.Time  // the first of them
}

// Renewing a session that keeps failing: what a user did by logging in
// again. Seen on the private I2P network under load (2026-12-06): a client
// router's SAM session answered every stream to one node with
// CANT_REACH_PEER within milliseconds for three minutes (36 tries) while
// another router reached that node in 1.5 s; a new session on the same
// router reached it. Four failures over two minutes or more, so that a
// server that is only restarting, a reconnect's quick first retries, or
// new tunnels that peers learn late (docs/i2pd.md: a first stream can
// fail in 12 ms for a while) do not cost new tunnels, which peers would
// have to learn again; a renewal at most once per such run.
const (
	defaultRenewFailures = 4
	defaultRenewSpan     = 2 * time.Minute
)

// NewConnector checks the settings and plans the connection for the XMPP
// domain (see Plan), once; Dial then only resolves and dials. The errors
// are Plan's, worded for the user, and the SAM options' (tunnel lengths,
// option words). Nothing is dialed or looked up here.
func NewConnector(s Settings, domain string, opts ...ConnectOption) (*Connector, error) {
	var cfg connectConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	plan, err := Plan(s, domain)
	if err != nil {
		return nil, err
	}
	c := &Connector{
		domain:   domain,
		plan:     plan,
		override: strings.TrimSpace(s.Server) != "",
		i2pOnly:  s.I2POnly,
		resolver: cfg.resolver,
		after:    DefaultHedgeAfter,
		log:      orDiscard(cfg.log),
		creating: make(chan struct{}, 1),

		renewFailures: defaultRenewFailures,
		renewSpan:     defaultRenewSpan,
	}
	if cfg.hedgeSet {
		c.after = max(cfg.hedge, 0)
	}
	mode := plan.Mode
	switch {
	case cfg.dialer != nil:
		if mode != ModeDirect {
			switch cfg.dialer.(type) {
			case Direct, *Direct:
				return nil, fmt.Errorf("internal error: refusing to dial %s directly while a %s connection is configured", domain, mode)
			}
		}
		c.dialer = cfg.dialer
	case mode == ModeDirect:
		// The same resolver as the SRV lookup resolves the targets.
		c.dialer = Direct{Net: net.Dialer{Resolver: cfg.resolver}, Logger: cfg.log}
	case mode == ModeSOCKS5:
		if c.dialer, err = NewSOCKS5(s.Proxy, WithSOCKSLogger(cfg.log)); err != nil {
			return nil, err
		}
	case mode == ModeSAM:
		so := cfg.samOpts
		if so.Logger == nil {
			so.Logger = cfg.log
		}
		addr, _, _, _, err := so.setup(s.SAM)
		if err != nil {
			return nil, err
		}
		c.samAddr, c.samOpts = addr, so
	}
	c.stopped, c.stop = context.WithCancel(context.Background())
	return c, nil
}

// Mode returns how the connections leave this machine (direct, SOCKS5 or SAM).
func (c *Connector) Mode() Mode { return c.plan.Mode }

// Dial connects to the domain: in direct mode after the SRV lookup (each
// time), trying each target in order; through the proxy or the shared SAM
// session otherwise, to the one planned target, which the proxy or router
// resolves. Errors are worded for the user. Closing the connection does
// not end the shared SAM session. After Close, Dial fails at once (a
// *DialError wrapping net.ErrClosed), and Dials in flight are cancelled.
func (c *Connector) Dial(ctx context.Context) (net.Conn, error) {
	if c.isClosed() {
		return nil, c.closedError()
	}
	// Close cancels dctx; the hedge's later dials keep ctx, as their
	// connection's owner closes them.
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.stopped, cancel)()

	targets, err := expandTargets(dctx, c.plan, c.override, c.resolver)
	if err != nil {
		return nil, c.orClosed(err)
	}
	dialer := c.dialer
	var sam *SAMDialer
	if dialer == nil {
		if sam, err = c.session(dctx); err != nil {
			return nil, c.orClosed(err)
		}
		dialer = sam
	}
	conn, err := c.dialTargets(ctx, dctx, dialer, targets)
	if sam != nil {
		c.noteDial(sam, err)
	}
	if err != nil {
		return nil, c.orClosed(err)
	}
	if c.isClosed() { // Close ran meanwhile
		_ = conn.Close()
		return nil, c.closedError()
	}
	return conn, nil
}

// dialTargets tries each target in order with dialer; dctx bounds the
// dials, ctx the hedge's later ones.
func (c *Connector) dialTargets(ctx, dctx context.Context, dialer Dialer, targets []Target) (net.Conn, error) {
	var errs []error
	for _, t := range targets {
		c.log.Debug("connecting", "domain", c.domain, "target", t.Addr(), "mode", t.Mode)
		conn, err := dialer.DialContext(dctx, "tcp", t.Addr())
		if err == nil {
			if t.Mode != ModeDirect {
				// The local router: quick ACKs, and a hedge against a
				// silent first stream, for the redials too.
				conn = quickAck(conn)
				if c.after > 0 {
					addr, after, log := t.Addr(), c.after, c.log
					conn = hedge(ctx, conn, after, func(ctx context.Context) (net.Conn, error) {
						log.Debug("no answer yet: another stream beside the first", "target", addr, "after", after)
						sc, err := dialer.DialContext(ctx, "tcp", addr)
						if err != nil {
							return nil, err
						}
						return quickAck(sc), nil
					})
				}
			}
			if t.TLS {
				conn = directTLSConn{conn}
			}
			return conn, nil
		}
		errs = append(errs, err)
		if dctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return nil, &connectError{
		msg:  fmt.Sprintf("could not connect to %s at any of its %d addresses: %s", c.domain, len(errs), strings.Join(msgs, "; ")),
		errs: errs,
	}
}

// session returns the shared SAM session, making it if there is none or
// the one there ended. One Dial at a time makes it; the others wait for
// it (or for their ctx) and then use it.
func (c *Connector) session(ctx context.Context) (*SAMDialer, error) {
	if d, err := c.liveSession(); d != nil || err != nil {
		return d, err
	}
	select {
	case c.creating <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxDialError(ctx, c.plan.Addr(), "SAM bridge "+c.samAddr, "the I2P session was still being created")
	}
	defer func() { <-c.creating }()
	if d, err := c.liveSession(); d != nil || err != nil { // made while we waited
		return d, err
	}
	d, err := NewSAM(ctx, c.samAddr, c.samOpts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = d.Close()
		return nil, c.closedError()
	}
	c.sam = d
	return d, nil
}

// liveSession returns the shared session if it still stands; one that
// ended is closed and forgotten (nil, nil: make a new one).
func (c *Connector) liveSession() (*SAMDialer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, c.closedError()
	}
	if c.sam != nil && !c.sam.Alive() {
		c.log.Info("the SAM session ended; the next connection makes a new one", "bridge", c.samAddr)
		_ = c.sam.Close()
		c.sam = nil
	}
	return c.sam, nil
}

// noteDial counts Dial's result through the session d: a session the
// bridge no longer knows is dropped at once, one that failed
// renewFailures times in a row over renewSpan is dropped too; the next Dial
// makes a new one. Failures that say nothing of the session (cancelled,
// Close) do not count.
func (c *Connector) noteDial(d *SAMDialer, err error) {
	var de *DialError
	errors.As(err, &de)
	c.mu.Lock()
	if c.sam != d { // already replaced
		c.mu.Unlock()
		return
	}
	switch {
	case err == nil:
		c.failed = 0
		c.mu.Unlock()
		return
	case de != nil && de.Reason == ReasonSessionEnded:
		c.mu.Unlock()
		c.dropSession(d)
		return
	case de == nil || de.Reason == ReasonCanceled:
		c.mu.Unlock()
		return
	}
	now := time.Now()
	if c.failed == 0 {
		c.since = now
	}
	c.failed++
	failed, span := c.failed, now.Sub(c.since)
	if failed < c.renewFailures || span < c.renewSpan {
		c.mu.Unlock()
		return
	}
	c.sam, c.failed = nil, 0
	c.mu.Unlock()
	c.log.Info("connecting through the SAM session keeps failing; the next connection makes a new session (new tunnels)",
		"domain", c.domain, "failures", failed, "over", span.Round(time.Second), "last", de.Reason.String())
	_ = d.Close()
}

// dropSession forgets and closes d after a dial reported it gone, unless
// another Dial already replaced it.
func (c *Connector) dropSession(d *SAMDialer) {
	c.mu.Lock()
	if c.sam == d {
		c.sam, c.failed = nil, 0
	}
	c.mu.Unlock()
	c.log.Info("the SAM bridge no longer knows the session; the next connection makes a new one", "bridge", c.samAddr)
	_ = d.Close()
}

// ownsSessions reports whether the Connector makes its own SAM sessions.
func (c *Connector) ownsSessions() bool { return c.dialer == nil }

// Close ends the SAM session, if any, and cancels the Dials in flight;
// Dial fails after it. A dialer given with WithDialer is not closed. It is
// safe to call more than once.
func (c *Connector) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	d := c.sam
	c.sam = nil
	c.mu.Unlock()
	c.stop()
	if d != nil {
		return d.Close()
	}
	return nil
}

func (c *Connector) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Connector) closedError() *DialError {
	return &DialError{Addr: c.plan.Addr(), Reason: ReasonCanceled, Err: net.ErrClosed,
		Msg: fmt.Sprintf("not connecting to %s: the account's connections were closed", c.domain)}
}

// orClosed returns err, or the closed error when Close ran meanwhile (and
// so probably caused err).
func (c *Connector) orClosed(err error) error {
	if c.isClosed() {
		return c.closedError()
	}
	return err
}

// connectError joins the attempts' errors under one message.
type connectError struct {
	msg  string
	errs []error
}

func (e *connectError) Error() string   { return e.msg }
func (e *connectError) Unwrap() []error { return e.errs }

// DialHost dials any host:port the way the account's connections leave:
// directly, through its SOCKS5 proxy (the name sent to the proxy), or in
// its shared SAM session — for the account's other traffic, such as the
// HTTP of file uploads and downloads, so that it takes the same path and
// in I2P mode nothing is looked up or dialled elsewhere.
//
// Refused before anything is dialled: an .i2p host in direct mode (a DNS
// lookup of it would leak, and reach nothing), and anything but an .i2p
// host when the settings are I2P-only.
//
// Through SAM, i2pd 2.45.1 does not pass the port (docs/i2pd.md): the
// stream reaches the destination's default port.
func (c *Connector) DialHost(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.isClosed() {
		return nil, c.closedError()
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a host:port address: %w", addr, err)
	}
	i2p := IsI2P(host)
	switch {
	case c.plan.Mode == ModeDirect && i2p:
		return nil, fmt.Errorf("%s is an I2P address: reaching it needs I2P (a SOCKS proxy or SAM bridge in the account's settings)", host)
	case c.i2pOnly && !i2p:
		return nil, fmt.Errorf("%s is not an I2P address, and this account connects over I2P only", host)
	}
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.stopped, cancel)()
	if c.dialer != nil {
		return c.dialer.DialContext(dctx, network, addr)
	}
	sam, err := c.session(dctx)
	if err != nil {
		return nil, c.orClosed(err)
	}
	conn, err := sam.DialContext(dctx, network, addr)
	if err != nil {
		var de *DialError
		if errors.As(err, &de) && de.Reason == ReasonSessionEnded {
			c.dropSession(sam)
		}
		return nil, c.orClosed(err)
	}
	return conn, nil
}
