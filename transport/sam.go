package transport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eyedeekay/sam3"
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
	sess   *sam3.StreamSession
	dest   string // own .b32.i2p
	log    *slog.Logger

	mu     sync.Mutex
	closed bool
}

// NewSAM opens a SAM v3 stream session on the bridge at samAddr ("host:port";
// the host must be an IP address or "localhost"). It blocks until the router
// has built the session's tunnels, ctx ends or opts.SessionTimeout passes.
func NewSAM(ctx context.Context, samAddr string, opts SAMOptions) (*SAMDialer, error) {
	addr, err := parseLocalEndpoint("SAM bridge", samAddr)
	if err != nil {
		return nil, err
	}
	sessOpts, err := opts.sessionOptions()
	if err != nil {
		return nil, err
	}
	log := orDiscard(opts.Logger)
	timeout := opts.SessionTimeout
	if timeout <= 0 {
		timeout = DefaultSessionTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()

	// Our own HELLO first: it has deadlines and clear errors, which sam3's
	// has not (a silent bridge would block sam3 forever).
	version, err := samHello(ctx, addr)
	if err != nil {
		return nil, err
	}

	sam, err := runBlocking(ctx, func() (*sam3.SAM, error) { return sam3.NewSAM(addr) }, nil,
		func(s *sam3.SAM) { _ = s.Close() })
	if err != nil {
		return nil, samSetupError(ctx, addr, "connecting", timeout, err)
	}
	if err := fixSAMAddress(&sam.Config.I2PConfig, addr); err != nil {
		_ = sam.Close()
		return nil, err
	}

	keys, created, err := loadOrCreateKeys(ctx, sam, opts.Keys)
	if err != nil {
		_ = sam.Close()
		return nil, err
	}
	dest := keys.Addr().Base32()
	if created && opts.Keys != "" {
		log.Info("created a new I2P identity", "file", opts.Keys, "address", dest)
	}

	id := "clove-" + randomHex(6)
	sess, err := runBlocking(ctx,
		func() (*sam3.StreamSession, error) { return sam.NewStreamSession(id, keys, sessOpts) },
		func() { _ = sam.Close() },
		func(s *sam3.StreamSession) { _ = s.Close() })
	if err != nil {
		_ = sam.Close()
		return nil, samSetupError(ctx, addr, "creating the I2P session", timeout, err)
	}
	log.Info("SAM session ready", "bridge", addr, "version", version, "address", dest,
		"options", strings.Join(sessOpts, " "), "took", time.Since(start).Round(time.Millisecond))
	return &SAMDialer{bridge: addr, id: id, sess: sess, dest: dest, log: log}, nil
}

// fixSAMAddress works around sam3 v0.33.8: NewSAM resets the bridge address
// to 127.0.0.1:7656 (I2PConfig.SetSAMAddress), and every StreamSession
// copies it (I2PConfig.Sam()) for its NAMING LOOKUP and STREAM CONNECT
// connections. Put the real address back before creating the session.
func fixSAMAddress(cfg *sam3.I2PConfig, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("internal error: SAM address %q: %w", addr, err)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	cfg.SamHost, cfg.SamPort = host, port
	if got := cfg.Sam(); got != addr {
		return fmt.Errorf("internal error: the SAM library would talk to %s instead of %s", got, addr)
	}
	return nil
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
	msg := err.Error()
	switch {
	case msg == "Duplicate destination":
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
			Msg: fmt.Sprintf("this I2P identity is already in use by another session on %s — is Clove already running with the same identity file?", addr)}
	case strings.HasPrefix(msg, "Invalid key"):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
			Msg: fmt.Sprintf("the SAM bridge at %s rejected the I2P identity (damaged identity file?)", addr)}
	case strings.HasPrefix(msg, "I2P error "):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyRefused, Err: err,
			Msg: fmt.Sprintf("the I2P router at %s could not create the session: %s", addr, strings.TrimSpace(strings.TrimPrefix(msg, "I2P error ")))}
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: err,
			Msg: fmt.Sprintf("the SAM bridge at %s closed the connection while %s", addr, doing)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &DialError{Addr: addr, Via: via, Reason: ReasonProxyUnreachable, Err: err,
			Msg: fmt.Sprintf("could not reach the SAM bridge at %s: connection refused — is the I2P router running?", addr)}
	}
	return &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: err,
		Msg: fmt.Sprintf("%s on the SAM bridge at %s failed: %s", doing, addr, truncate(msg, 200))}
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
	if d == nil || d.sess == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.sess.Close()
}

func (d *SAMDialer) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// DialContext implements Dialer for "x.b32.i2p:port". The router first looks
// the destination up (NAMING LOOKUP), then opens the stream: the lookup
// avoids an i2pd 2.45.1 stall of up to minutes when the router already
// holds the destination's lease set. The I2P port is not sent (sam3 uses
// port 0, which a server tunnel accepts on any port).
//
// Cancelling ctx returns at once. The SAM library cannot be interrupted, so
// its attempt finishes in the background (the router answers or times out
// by itself, or Close ends the session) and a late connection is closed.
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
	if d.sess == nil {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonBadAddress,
			Msg: "internal error: SAMDialer not created with NewSAM"}
	}
	if d.isClosed() {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonCanceled, Err: net.ErrClosed,
			Msg: fmt.Sprintf("cannot connect to %s: the I2P session is closed", host)}
	}
	start := time.Now()
	c, err := runBlocking(ctx,
		func() (net.Conn, error) { return d.sess.Dial("tcp", target) },
		nil,
		func(c net.Conn) { _ = c.Close() })
	if err != nil {
		de := samDialError(ctx, d.bridge, host, target, err)
		d.log.Debug("sam dial failed", "target", target, "reason", de.Reason, "err", err, "took", time.Since(start))
		return nil, de
	}
	d.log.Debug("sam dial", "target", target, "took", time.Since(start))
	return c, nil
}

// samDialError words a failed SAM dial. sam3 reports results only as text,
// so this matches its (stable, v0.33.8) messages.
func samDialError(ctx context.Context, bridge, host, target string, err error) *DialError {
	via := "SAM bridge " + bridge
	if ctx.Err() != nil {
		return ctxDialError(ctx, target, via, fmt.Sprintf("the I2P destination %s may not be published yet or be offline, or the router is still warming up", host))
	}
	msg := err.Error()
	de := &DialError{Addr: target, Via: via, Err: err}
	switch {
	case msg == "Can not reach peer":
		de.Reason = ReasonDestinationUnreachable
		de.Msg = fmt.Sprintf("the I2P destination %s did not answer (not published yet or offline)", host)
	case strings.HasPrefix(msg, "Unable to resolve"), strings.HasPrefix(msg, "Invalid key - resolver"),
		msg == "", msg == "Failed to parse.", strings.HasPrefix(msg, " "):
		// i2pd answers NAMING LOOKUP of an unknown b32 with RESULT=INVALID_KEY.
		de.Reason = ReasonDestinationNotFound
		de.Msg = fmt.Sprintf("the I2P router could not find the destination %s (no lease set: not published yet or offline, or the router is still warming up)", host)
	case msg == "Timeout":
		de.Reason = ReasonTimeout
		de.Msg = fmt.Sprintf("the I2P router timed out connecting to %s", host)
	case msg == "I2P internal error":
		de.Reason = ReasonDestinationUnreachable
		de.Msg = fmt.Sprintf("the I2P router reported an internal error connecting to %s", host)
	case strings.HasPrefix(msg, "Invalid tunnel ID"):
		de.Reason = ReasonProxyProtocol
		de.Msg = fmt.Sprintf("the SAM bridge at %s no longer knows this session (router restarted?) — reconnect", bridge)
	case errors.Is(err, syscall.ECONNREFUSED):
		de.Reason = ReasonProxyUnreachable
		de.Msg = fmt.Sprintf("could not reach the SAM bridge at %s: connection refused — is the I2P router still running?", bridge)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		de.Reason = ReasonProxyProtocol
		de.Msg = fmt.Sprintf("the SAM bridge at %s closed the connection while connecting to %s", bridge, host)
	default:
		de.Reason = ReasonUnknown
		de.Msg = fmt.Sprintf("could not connect to %s over I2P: %s", host, truncate(msg, 200))
	}
	return de
}

// runBlocking runs f, which cannot be interrupted itself, in a goroutine and
// waits for it or for ctx. When ctx ends first, abort (if any) is called to
// make f return (typically by closing its connection), and whatever f
// produces later is released with discard. A panic in f (sam3 panics on an
// empty STREAM CONNECT reply) becomes an error.
func runBlocking[T any](ctx context.Context, f func() (T, error), abort func(), discard func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("the SAM library failed: %v", p)}
			}
			ch <- r
		}()
		r.v, r.err = f()
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		if abort != nil {
			abort()
		}
		go func() {
			if r := <-ch; r.err == nil && discard != nil {
				discard(r.v)
			}
		}()
		var zero T
		return zero, ctx.Err()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

var _ Dialer = (*SAMDialer)(nil)
