package transport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of the I2P router's local services (i2pd and Java I2P agree).
const (
	DefaultSOCKSAddr = "127.0.0.1:4447"
	DefaultSAMAddr   = "127.0.0.1:7656"
	// DefaultConsoleAddr is i2pd's web console, read for the router version.
	DefaultConsoleAddr = "127.0.0.1:7070"
)

// SAM session defaults.
const (
	DefaultTunnelLength   = 3
	DefaultSessionTimeout = 3 * time.Minute
	// leaseSetEncType is always sent: without ECIES (4) a session is
	// ElGamal-only and never reaches an ECIES-only server (measured on
	// i2pd 2.45.1: reset after 306 s).
	leaseSetEncType = "4,0"
	maxTunnelLength = 7
)

// SAMOptions configures NewSAM.
type SAMOptions struct {
	// Keys is the path of the identity file. If it exists, the identity
	// (and so the .b32.i2p address) in it is used; if not, a new one is
	// created and saved there with mode 0600. Empty: a transient identity.
	Keys string
	// InboundLength and OutboundLength are the tunnel hop counts; 0 means
	// DefaultTunnelLength (3), right for the real network. Small test
	// networks pass 1 (a network with fewer routers answers "Can not
	// reach peer" at once).
	InboundLength, OutboundLength int
	// SessionTimeout bounds NewSAM as a whole (tunnels are built before
	// SESSION CREATE answers; that takes minutes on a just-started router).
	// 0 means DefaultSessionTimeout (3 min).
	SessionTimeout time.Duration
	// Options are extra I2CP and streaming options ("inbound.quantity": "2").
	// They may override the tunnel lengths (e.g. "0" for a zero-hop test
	// session) but not i2cp.leaseSetEncType, which is always "4,0".
	Options map[string]string
	Logger  *slog.Logger
}

// setup checks what a new session needs: the bridge's address, the
// session's option words, the logger and the time limit.
func (o SAMOptions) setup(samAddr string) (addr string, sessOpts []string, log *slog.Logger, timeout time.Duration, err error) {
	if addr, err = parseLocalEndpoint("SAM bridge", samAddr); err != nil {
		return
	}
	if sessOpts, err = o.sessionOptions(); err != nil {
		return
	}
	timeout = o.SessionTimeout
	if timeout <= 0 {
		timeout = DefaultSessionTimeout
	}
	return addr, sessOpts, orDiscard(o.Logger), timeout, nil
}

// sessionOptions returns the option words for SESSION CREATE, sorted.
func (o SAMOptions) sessionOptions() ([]string, error) {
	in, out := o.InboundLength, o.OutboundLength
	if in == 0 {
		in = DefaultTunnelLength
	}
	if out == 0 {
		out = DefaultTunnelLength
	}
	if in < 0 || in > maxTunnelLength || out < 0 || out > maxTunnelLength {
		return nil, fmt.Errorf("tunnel lengths must be 1–%d hops (got inbound %d, outbound %d)", maxTunnelLength, o.InboundLength, o.OutboundLength)
	}
	m := map[string]string{
		"inbound.length":  strconv.Itoa(in),
		"outbound.length": strconv.Itoa(out),
	}
	for k, v := range o.Options {
		if !validSAMOptionKey(k) {
			return nil, fmt.Errorf("SAM option name %q is not valid (letters, digits, '.', '_' and '-' only)", k)
		}
		if !validSAMOptionValue(v) {
			return nil, fmt.Errorf("SAM option %s has an invalid value %q (no spaces, quotes or control characters)", k, v)
		}
		if k == "i2cp.leaseSetEncType" {
			return nil, fmt.Errorf("SAM option i2cp.leaseSetEncType cannot be changed: Clove always uses %s", leaseSetEncType)
		}
		m[k] = v
	}
	m["i2cp.leaseSetEncType"] = leaseSetEncType
	out2 := make([]string, 0, len(m))
	for k, v := range m {
		out2 = append(out2, k+"="+v)
	}
	sort.Strings(out2)
	return out2, nil
}

func validSAMOptionKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validSAMOptionValue(v string) bool {
	if v == "" || len(v) > 1024 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// SAMDialer dials .b32.i2p destinations through one SAM v3 stream session.
// It is safe for concurrent use. Close it when done: that ends the session
// and with it the router's tunnels for this identity.
type SAMDialer struct {
	bridge string
	id     string
	ctl    *samConn // the session's control connection, open for its life
	dest   string   // own .b32.i2p
	log    *slog.Logger

	mu     sync.Mutex
	closed bool
	ended  chan struct{} // closed when the control connection is gone
	endErr error         // why, once ended is closed
	// streams are the stream sockets dial returned; Close ends the ones
	// still open before the session (closing the session under an open
	// stream is what crashes i2pd 2.45.1: docs/i2pd.md, "The router dies").
	streams []*net.TCPConn
}

// NewSAM opens a SAM v3 stream session on the bridge at samAddr ("host:port";
// the host must be an IP address or "localhost"). It blocks until the router
// has built the session's tunnels, ctx ends or opts.SessionTimeout passes.
//
// Every SAM connection goes to samAddr (HELLO, DEST GENERATE and SESSION
// CREATE on the control connection, which stays open as long as the
// session; NAMING LOOKUP and STREAM CONNECT on fresh ones).
func NewSAM(ctx context.Context, samAddr string, opts SAMOptions) (*SAMDialer, error) {
	addr, sessOpts, log, timeout, err := opts.setup(samAddr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()

	// A first HELLO tells an old or foreign bridge apart with clear errors
	// (Detect does the same).
	version, err := samHello(ctx, addr)
	if err != nil {
		return nil, err
	}
	if path := opts.Keys; path != "" {
		// A damaged identity file stops here, before the control connection.
		if _, err := readKeysFile(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}

	ctl, _, err := samOpen(ctx, addr, "3.1", "3.3")
	if err != nil {
		if ctx.Err() != nil {
			return nil, samSetupError(ctx, addr, "connecting", timeout, err)
		}
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = ctl.Close()
		}
	}()

	keys, created, err := loadOrCreateKeys(ctx, ctl, opts.Keys)
	if err != nil {
		return nil, err
	}
	dest, err := keys.b32()
	if err != nil {
		return nil, fmt.Errorf("internal error: the I2P identity does not decode: %w", err)
	}
	if created && opts.Keys != "" {
		log.Info("created a new I2P identity", "file", opts.Keys, "address", dest)
	}

	id := "clove-" + randomHex(6)
	cmd := "SESSION CREATE STYLE=STREAM ID=" + id + " DESTINATION=" + keys.Both +
		" SIGNATURE_TYPE=" + sigTypeEdDSA + " " + strings.Join(sessOpts, " ")
	if _, err := ctl.command(ctx, cmd, "SESSION", "STATUS"); err != nil {
		return nil, samSetupError(ctx, addr, "creating the I2P session", timeout, err)
	}
	ok = true
	log.Info("SAM session ready", "bridge", addr, "version", version, "address", dest,
		"options", strings.Join(sessOpts, " "), "took", time.Since(start).Round(time.Millisecond))
	d := &SAMDialer{bridge: addr, id: id, ctl: ctl, dest: dest, log: log, ended: make(chan struct{})}
	go d.watch()
	return d, nil
}

// watch reads the session's control connection for as long as it lives:
// the bridge may PING (SAM 3.2), answered with PONG; anything else is
// ignored. When the connection ends — Close, or the router stopped or
// restarted, which ends the session and its tunnels — Ended is closed.
func (d *SAMDialer) watch() {
	err := d.ctl.answerPings()
	d.mu.Lock()
	if d.closed {
		err = net.ErrClosed
	}
	d.endErr = err
	d.mu.Unlock()
	if !errors.Is(err, net.ErrClosed) {
		d.log.Warn("the I2P router ended the SAM session", "bridge", d.bridge, "err", err)
	}
	close(d.ended)
}

// Ended is closed when the SAM session is over: after Close, or when the
// router closed the session's control connection (router stopped or
// restarted). A dialer whose session ended cannot connect again; make a
// new one with NewSAM.
func (d *SAMDialer) Ended() <-chan struct{} {
	if d == nil || d.ended == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return d.ended
}

// Alive reports whether the SAM session still stands: not closed, and not
// ended by the router.
func (d *SAMDialer) Alive() bool {
	if d != nil && d.ctl != nil && d.isClosed() {
		return false
	}
	select {
	case <-d.Ended():
		return false
	default:
		return true
	}
}

// samSetupError words a failure of NewSAM after HELLO.
func samSetupError(ctx context.Context, addr, doing string, timeout time.Duration, err error) error {
	via := "SAM bridge " + addr
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), context.Canceled) {
			return &DialError{Addr: addr, Via: via, Reason: ReasonCanceled, Err: ctx.Err(),
				Msg: fmt.Sprintf("%s on the SAM bridge at %s was cancelled", doing, addr)}
		}
		return &DialError{Addr: addr, Via: via, Reason: ReasonTimeout, Err: ctx.Err(),
			Msg: fmt.Sprintf("timed out %s on the SAM bridge at %s%s — the router may still be warming up: building tunnels takes minutes after it starts; try again later", doing, addr, limitText(timeout))}
	}
	var re *samReplyError
	if errors.As(err, &re) {
		switch re.Result {
		case "DUPLICATED_DEST":
			return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
				Msg: fmt.Sprintf("this I2P identity is already in use by another session on %s — is Clove already running with the same identity file?", addr)}
		case "INVALID_KEY":
			return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
				Msg: fmt.Sprintf("the SAM bridge at %s rejected the I2P identity (damaged identity file?)", addr)}
		case "I2P_ERROR":
			m := re.Message
			if m == "" {
				m = "no reason given"
			}
			return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
				Msg: fmt.Sprintf("the I2P router at %s could not create the session: %s", addr, truncate(m, 200))}
		}
	}
	var de *DialError
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: err,
			Msg: fmt.Sprintf("the SAM bridge at %s closed the connection while %s", addr, doing)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyUnreachable, Err: err,
			Msg: fmt.Sprintf("could not reach the SAM bridge at %s: connection refused — is the I2P router running?", addr)}
	}
	return &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: err,
		Msg: fmt.Sprintf("%s on the SAM bridge at %s failed: %s", doing, addr, truncate(err.Error(), 200))}
}

func limitText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf(" (limit %s)", d)
}

// Destination returns the session's own address (xxx.b32.i2p), which stays
// the same across runs when SAMOptions.Keys names an identity file.
func (d *SAMDialer) Destination() string { return d.dest }

// Bridge returns the SAM bridge address in use.
func (d *SAMDialer) Bridge() string { return d.bridge }

// Close ends the SAM session. It is safe to call more than once.
func (d *SAMDialer) Close() error {
	if d == nil || d.ctl == nil {
		return nil
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	streams := d.streams
	d.streams = nil
	d.mu.Unlock()
	if endStreams(streams) > 0 {
		// Shut, each stream's I2P CLOSE is on its way; it leaves the
		// router's session once the other end acknowledges it, a
		// round trip through the tunnels later.
		time.Sleep(streamCloseGrace)
	}
	for _, c := range streams {
		_ = c.Close()
	}
	if err := d.ctl.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// streamCloseGrace is how long Close waits between shutting streams that
// were still open and closing the session: a round trip through the test
// network's 1-hop tunnels took ~10 ms (an XMPP stream header's), through
// the real network's 3-hop ones it takes hundreds of ms or more. A bound,
// not a promise: Clove's own client closes its streams gracefully before
// (xmppclient waits for the server's end), so this covers only a session
// dropped under a live stream.
const streamCloseGrace = time.Second

// endStreams shuts the sending side of each stream still open (the router
// reads end-of-stream and closes the I2P stream) and returns how many
// were.
func endStreams(streams []*net.TCPConn) int {
	n := 0
	for _, c := range streams {
		if isOpen(c) && c.CloseWrite() == nil {
			n++
		}
	}
	return n
}

// isOpen says whether c is still open, without touching its deadlines
// or data.
func isOpen(c *net.TCPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	return rc.Control(func(uintptr) {}) == nil
}

// track keeps c for Close, forgetting the streams closed since.
func (d *SAMDialer) track(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.streams = slices.DeleteFunc(d.streams, func(o *net.TCPConn) bool { return !isOpen(o) })
	d.streams = append(d.streams, tc)
}

func (d *SAMDialer) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// DialContext implements Dialer for "x.b32.i2p:port". The router first looks
// the destination up (NAMING LOOKUP on a fresh SAM connection), then opens
// the stream (STREAM CONNECT with the base64 destination on another): the
// lookup avoids an i2pd 2.45.1 stall of up to minutes when the router
// already holds the destination's lease set. The I2P port is not sent
// (port 0, which a server tunnel accepts on any port). The connection
// returned is the SAM socket itself, with TCP_NODELAY on.
//
// Cancelling ctx returns at once: the SAM connection in use is closed.
func (d *SAMDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	via := "SAM bridge " + d.bridge
	if err := checkNetwork(network, addr, via); err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress, Err: err,
			Msg: fmt.Sprintf("%q is not a host:port address", addr)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress,
			Msg: fmt.Sprintf("%q has an invalid port", addr)}
	}
	host = NormalizeHost(host)
	if err := ValidateI2PName(host); err != nil {
		msg := err.Error()
		if !IsI2P(host) {
			msg = fmt.Sprintf("%s is not an I2P address: a SAM bridge can only reach .b32.i2p addresses", host)
		}
		return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress, Err: err, Msg: msg}
	}
	target := net.JoinHostPort(host, port)
	if d.ctl == nil {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonBadAddress,
			Msg: "internal error: SAMDialer not created with NewSAM"}
	}
	if d.isClosed() {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonCanceled, Err: net.ErrClosed,
			Msg: fmt.Sprintf("cannot connect to %s: the I2P session is closed", host)}
	}
	if !d.Alive() {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonSessionEnded, Err: d.endErr,
			Msg: fmt.Sprintf("cannot connect to %s: the I2P router at %s ended the SAM session (stopped or restarted?)", host, d.bridge)}
	}
	start := time.Now()
	c, err := d.dial(ctx, host)
	if err != nil {
		de := samDialError(ctx, d.bridge, host, target, err)
		d.log.Debug("sam dial failed", "target", target, "reason", de.Reason, "err", err, "took", time.Since(start))
		return nil, de
	}
	d.log.Debug("sam dial", "target", target, "took", time.Since(start))
	return c, nil
}

// dial does NAMING LOOKUP, then STREAM CONNECT, each on its own connection.
func (d *SAMDialer) dial(ctx context.Context, host string) (net.Conn, error) {
	dest, err := lookup(ctx, d.bridge, host)
	if err != nil {
		return nil, err
	}
	sc, _, err := samOpen(ctx, d.bridge, "3.1", "3.3")
	if err != nil {
		return nil, err
	}
	if _, err := sc.command(ctx, "STREAM CONNECT ID="+d.id+" DESTINATION="+dest+" SILENT=false", "STREAM", "STATUS"); err != nil {
		_ = sc.Close()
		return nil, err
	}
	if d.isClosed() { // Close ran meanwhile: the stream belongs to a dead session
		_ = sc.Close()
		return nil, net.ErrClosed
	}
	d.track(sc.c)
	return sc.c, nil
}

// samLookupError marks a failed NAMING LOOKUP.
type samLookupError struct{ err error }

func (e *samLookupError) Error() string { return "NAMING LOOKUP: " + e.err.Error() }
func (e *samLookupError) Unwrap() error { return e.err }

// samDialError words a failed SAM dial.
func samDialError(ctx context.Context, bridge, host, target string, err error) *DialError {
	via := "SAM bridge " + bridge
	if ctx.Err() != nil {
		return ctxDialError(ctx, target, via, fmt.Sprintf("the I2P destination %s may not be published yet or be offline, or the router is still warming up", host))
	}
	de := &DialError{Addr: target, Via: via, Err: err}
	var le *samLookupError
	var re *samReplyError
	var bridgeErr *DialError
	switch {
	case errors.As(err, &bridgeErr):
		// Reaching the bridge or its HELLO failed; already worded.
		return bridgeErr
	case errors.As(err, &le) && (errors.As(err, &re) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		// KEY_NOT_FOUND, or INVALID_KEY (i2pd's answer for an unknown
		// b32), or no usable answer.
		de.Reason = ReasonDestinationNotFound
		de.Msg = fmt.Sprintf("the I2P router could not find the destination %s (no lease set: not published yet or offline, or the router is still warming up)", host)
	case errors.As(err, &re) && re.Result == "CANT_REACH_PEER":
		de.Reason = ReasonDestinationUnreachable
		de.Msg = fmt.Sprintf("the I2P destination %s did not answer (not published yet or offline)", host)
	case errors.As(err, &re) && (re.Result == "INVALID_KEY" || re.Result == "KEY_NOT_FOUND"):
		de.Reason = ReasonDestinationNotFound
		de.Msg = fmt.Sprintf("the I2P router could not find the destination %s (no lease set: not published yet or offline, or the router is still warming up)", host)
	case errors.As(err, &re) && re.Result == "TIMEOUT":
		de.Reason = ReasonTimeout
		de.Msg = fmt.Sprintf("the I2P router timed out connecting to %s", host)
	case errors.As(err, &re) && re.Result == "I2P_ERROR":
		de.Reason = ReasonDestinationUnreachable
		de.Msg = fmt.Sprintf("the I2P router reported an internal error connecting to %s", host)
		if re.Message != "" {
			de.Msg += ": " + truncate(re.Message, 200)
		}
	case errors.As(err, &re) && re.Result == "INVALID_ID":
		de.Reason = ReasonSessionEnded
		de.Msg = fmt.Sprintf("the SAM bridge at %s no longer knows this session (router restarted?) — reconnect", bridge)
	case errors.Is(err, net.ErrClosed):
		de.Reason = ReasonCanceled
		de.Msg = fmt.Sprintf("cannot connect to %s: the I2P session is closed", host)
	case errors.Is(err, syscall.ECONNRESET):
		de.Reason = ReasonProxyProtocol
		de.Msg = fmt.Sprintf("the SAM bridge at %s closed the connection while connecting to %s", bridge, host)
	case errors.Is(err, io.EOF):
		// The bridge hung up on STREAM CONNECT without a reply.
		de.Reason = ReasonUnknown
		de.Msg = fmt.Sprintf("could not connect to %s over I2P: the SAM bridge at %s closed the connection without answering", host, bridge)
	default:
		de.Reason = ReasonUnknown
		de.Msg = fmt.Sprintf("could not connect to %s over I2P: %s", host, truncate(err.Error(), 200))
	}
	return de
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

var _ Dialer = (*SAMDialer)(nil)
