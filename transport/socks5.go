package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/proxy"
)

// SOCKSOption configures NewSOCKS5.
type SOCKSOption func(*socksDialer)

// WithSOCKSAuth sets a username and password for the proxy (RFC 1929).
// i2pd's proxy needs none.
func WithSOCKSAuth(user, password string) SOCKSOption {
	return func(d *socksDialer) { d.auth = &proxy.Auth{User: user, Password: password} }
}

// WithSOCKSLogger sets the logger (default: none).
func WithSOCKSLogger(l *slog.Logger) SOCKSOption {
	return func(d *socksDialer) { d.log = orDiscard(l) }
}

// socksDialer dials through a SOCKS5 proxy with golang.org/x/net/proxy. The
// host name goes to the proxy unresolved (ATYP 3, "domain name").
type socksDialer struct {
	proxyAddr string // IP:port, never a name
	auth      *proxy.Auth
	log       *slog.Logger
	// dialProxy opens the connection to the proxy itself; tests replace it.
	dialProxy func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewSOCKS5 returns a Dialer that connects through the SOCKS5 proxy at
// proxyAddr, given as "host:port" or "socks5://[user:pass@]host:port"
// (socks5h:// is accepted as a synonym). The proxy's host must be an IP
// address or "localhost" (taken as 127.0.0.1): nothing is looked up in DNS,
// neither the proxy nor any destination, which is sent to the proxy as a
// name.
func NewSOCKS5(proxyAddr string, opts ...SOCKSOption) (Dialer, error) {
	endpoint, auth, err := parseProxy(proxyAddr)
	if err != nil {
		return nil, err
	}
	d := &socksDialer{proxyAddr: endpoint, auth: auth, log: orDiscard(nil)}
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
	if d.auth != nil && (d.auth.User == "" || len(d.auth.User) > 255 || len(d.auth.Password) > 255) {
		return nil, fmt.Errorf("the SOCKS5 proxy username must be 1–255 bytes and the password at most 255 bytes")
	}
	if d.dialProxy == nil {
		var nd net.Dialer
		d.dialProxy = nd.DialContext
	}
	return d, nil
}

// parseProxy accepts "host:port" or a socks5:// URL.
func parseProxy(raw string) (endpoint string, auth *proxy.Auth, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil, errors.New("no SOCKS5 proxy address given")
	}
	if !strings.Contains(raw, "://") {
		endpoint, err = parseLocalEndpoint("SOCKS5 proxy", raw)
		return endpoint, nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("the proxy %q is not a valid URL; use the form socks5://127.0.0.1:4447", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "socks5", "socks5h":
	default:
		return "", nil, fmt.Errorf("the proxy %q uses %q: Clove supports only SOCKS5 proxies (socks5://127.0.0.1:4447)", raw, u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", nil, fmt.Errorf("the proxy %q should be just socks5://host:port", raw)
	}
	endpoint, err = parseLocalEndpoint("SOCKS5 proxy", u.Host)
	if err != nil {
		return "", nil, err
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		auth = &proxy.Auth{User: u.User.Username(), Password: pw}
	}
	return endpoint, auth, nil
}

// DialContext implements Dialer. addr is "host:port"; host is sent to the
// proxy as is (a name stays a name). A .i2p host must be a .b32.i2p address.
func (d *socksDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	via := "SOCKS5 proxy " + d.proxyAddr
	if err := checkNetwork(network, addr, via); err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress, Err: err,
			Msg: fmt.Sprintf("%q is not a host:port address", addr)}
	}
	if _, ok := parsePort(port); !ok {
		return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress,
			Msg: fmt.Sprintf("%q has an invalid port (1–65535)", addr)}
	}
	if ip, ok := parseIPLiteral(host); ok {
		host = ip.String()
	} else {
		host = NormalizeHost(host)
		if IsI2P(host) {
			if err := ValidateI2PName(host); err != nil {
				return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress, Err: err, Msg: err.Error()}
			}
		} else if !validHostname(host) {
			return nil, &DialError{Addr: addr, Via: via, Reason: ReasonBadAddress,
				Msg: fmt.Sprintf("%q is not a valid host name", host)}
		}
	}
	target := net.JoinHostPort(host, port)

	fwd := &recordingDialer{dial: d.dialProxy}
	pd, err := proxy.SOCKS5("tcp", d.proxyAddr, d.auth, fwd)
	if err != nil { // cannot happen with x/net today; keep it an error, not a panic
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonUnknown, Err: err,
			Msg: fmt.Sprintf("could not set up the SOCKS5 proxy %s: %v", d.proxyAddr, err)}
	}
	cd, ok := pd.(proxy.ContextDialer)
	if !ok {
		return nil, &DialError{Addr: target, Via: via, Reason: ReasonUnknown,
			Msg: "the SOCKS5 library cannot honour cancellation"}
	}
	start := time.Now()
	_, err = cd.DialContext(ctx, "tcp", target)
	if err != nil {
		// x/net puts ctx's deadline on the connection, so it reports the
		// deadline as an i/o timeout, possibly a moment before ctx.Err()
		// says so: make errors.Is(err, context.DeadlineExceeded) hold.
		ctxErr := ctx.Err()
		if _, hasDeadline := ctx.Deadline(); ctxErr == nil && hasDeadline && isTimeout(err) {
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil && !errors.Is(err, ctxErr) {
			err = errors.Join(ctxErr, err)
		}
		de := d.explain(ctx, fwd, host, target, err)
		if fwd.raw != nil {
			_ = fwd.raw.Close()
		}
		d.log.Debug("socks5 dial failed", "proxy", d.proxyAddr, "target", target, "reason", de.Reason, "err", err)
		return nil, de
	}
	// x/net goes on when a proxy picks an authentication method we did not
	// offer; such a proxy is broken, so hold it to the protocol.
	if h := parseSOCKSHandshake(fwd.rec.bytes(), d.auth != nil); h.Stage != socksSucceeded {
		_ = fwd.raw.Close()
		return nil, socksError(h, d.proxyAddr, host, target, errors.New("SOCKS5 protocol violation"), false)
	}
	// x/net reads the handshake with exact-size reads, so nothing past it is
	// buffered: hand out the proxy connection itself (TCP_NODELAY on).
	setNoDelay(fwd.raw)
	d.log.Debug("socks5 dial", "proxy", d.proxyAddr, "target", target, "took", time.Since(start))
	return &socksConn{Conn: fwd.raw, remote: socksAddr(target)}, nil
}

// explain turns a failed SOCKS5 dial into a DialError for the user.
func (d *socksDialer) explain(ctx context.Context, fwd *recordingDialer, host, target string, err error) *DialError {
	via := "SOCKS5 proxy " + d.proxyAddr
	if fwd.raw == nil { // never reached the proxy
		de := describeDialError(d.proxyAddr, via, "is the I2P router (or Tor) running? (i2pd's SOCKS5 proxy listens on 127.0.0.1:4447 by default)", fwd.err)
		if fwd.err == nil {
			de = describeDialError(d.proxyAddr, via, "", err)
		}
		de.Addr = target
		if de.Reason != ReasonCanceled {
			de.Msg = strings.Replace(de.Msg, "could not reach "+d.proxyAddr, "could not reach the SOCKS5 proxy at "+d.proxyAddr, 1)
			if de.Reason != ReasonTimeout {
				de.Reason = ReasonProxyUnreachable
			}
		}
		return de
	}
	h := parseSOCKSHandshake(fwd.rec.bytes(), d.auth != nil)
	if h.Stage == socksNotSOCKS5 && ctx.Err() == nil {
		// x/net read only what the protocol asked for; read a little more
		// so the user sees what answered ("HTTP/1.1 400 ...").
		_ = fwd.raw.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		buf := make([]byte, 64)
		n, _ := io.ReadAtLeast(fwd.raw, buf, 1)
		h.Got = append(slices.Clip(h.Got), buf[:n]...)
	}
	timedOut := ctx.Err() != nil || isTimeout(err) || errors.Is(err, context.DeadlineExceeded)
	return socksError(h, d.proxyAddr, host, target, err, timedOut)
}

// socksConn is a connection through the proxy; RemoteAddr names the target.
type socksConn struct {
	net.Conn
	remote socksAddr
}

func (c *socksConn) RemoteAddr() net.Addr { return c.remote }

// NetConn returns the connection to the proxy underneath.
func (c *socksConn) NetConn() net.Conn { return c.Conn }

type socksAddr string

func (a socksAddr) Network() string { return "socks5" }
func (a socksAddr) String() string  { return string(a) }

// recordingDialer opens the proxy connection and keeps a copy of what the
// proxy sends during the handshake, so a failure can be explained from the
// reply bytes rather than from x/net's error strings.
type recordingDialer struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	raw  net.Conn
	rec  *recordingConn
	err  error
}

func (r *recordingDialer) Dial(network, addr string) (net.Conn, error) {
	return r.DialContext(context.Background(), network, addr)
}

func (r *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := r.dial(ctx, network, addr)
	if err != nil {
		r.err = err
		return nil, err
	}
	setNoDelay(c)
	r.raw = c
	r.rec = &recordingConn{Conn: c}
	return r.rec, nil
}

// maxSOCKSRecord bounds the recording: a complete reply is at most 262 bytes.
const maxSOCKSRecord = 300

type recordingConn struct {
	net.Conn
	buf []byte
}

// Close is left to DialContext, which may still read an unexpected answer
// to explain it; x/net closes the connection on every failure.
func (c *recordingConn) Close() error { return nil }

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if room := maxSOCKSRecord - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(n, room)]...)
	}
	return n, err
}

func (c *recordingConn) bytes() []byte {
	if c == nil {
		return nil
	}
	return c.buf
}

// SOCKS5 protocol constants (RFC 1928, RFC 1929).
const (
	socksVersion      = 0x05
	socksAuthNone     = 0x00
	socksAuthUserPass = 0x02
	socksAuthNoMethod = 0xff
	socksAtypIPv4     = 0x01
	socksAtypDomain   = 0x03
	socksAtypIPv6     = 0x04
)

// socksStage says how far a proxy's answer got.
type socksStage int

const (
	socksNoAnswer      socksStage = iota // nothing came back
	socksNotSOCKS5                       // the bytes are not SOCKS5
	socksNoAcceptable                    // method 0xFF: none of our auth methods
	socksUnofferedAuth                   // picked a method we did not offer
	socksAuthFailed                      // username/password refused
	socksTruncated                       // stopped part-way
	socksReplyError                      // CONNECT answered with an error code
	socksSucceeded                       // a complete success reply
)

// socksHandshake is what parseSOCKSHandshake found.
type socksHandshake struct {
	Stage   socksStage
	Waiting string // for socksTruncated/socksNoAnswer: "greeting", "auth" or "reply"
	Method  byte
	Code    byte // reply code for socksReplyError
	Got     []byte
}

// parseSOCKSHandshake interprets the bytes a SOCKS5 proxy sent in answer to
// a client that offered "no authentication" (and username/password when
// withAuth) and then asked to CONNECT.
func parseSOCKSHandshake(b []byte, withAuth bool) socksHandshake {
	h := socksHandshake{Got: b, Waiting: "greeting"}
	if len(b) == 0 {
		h.Stage = socksNoAnswer
		return h
	}
	if b[0] != socksVersion {
		h.Stage = socksNotSOCKS5
		return h
	}
	if len(b) < 2 {
		h.Stage = socksTruncated
		return h
	}
	h.Method = b[1]
	switch {
	case h.Method == socksAuthNoMethod:
		h.Stage = socksNoAcceptable
		return h
	case h.Method == socksAuthNone:
	case h.Method == socksAuthUserPass && withAuth:
	default:
		h.Stage = socksUnofferedAuth
		return h
	}
	rest := b[2:]
	if h.Method == socksAuthUserPass {
		h.Waiting = "auth"
		if len(rest) == 0 {
			h.Stage = socksTruncated
			return h
		}
		if rest[0] != 0x01 {
			h.Stage = socksNotSOCKS5
			return h
		}
		if len(rest) < 2 {
			h.Stage = socksTruncated
			return h
		}
		if rest[1] != 0x00 {
			h.Stage = socksAuthFailed
			return h
		}
		rest = rest[2:]
	}
	h.Waiting = "reply"
	if len(rest) == 0 {
		h.Stage = socksTruncated
		return h
	}
	if rest[0] != socksVersion {
		h.Stage = socksNotSOCKS5
		return h
	}
	if len(rest) < 2 {
		h.Stage = socksTruncated
		return h
	}
	if rest[1] != 0x00 {
		// The code is what matters; the rest of an error reply may be absent.
		h.Stage = socksReplyError
		h.Code = rest[1]
		return h
	}
	if len(rest) < 4 {
		h.Stage = socksTruncated
		return h
	}
	if rest[2] != 0x00 {
		h.Stage = socksNotSOCKS5
		return h
	}
	var need int
	switch rest[3] {
	case socksAtypIPv4:
		need = 4 + 4 + 2
	case socksAtypIPv6:
		need = 4 + 16 + 2
	case socksAtypDomain:
		if len(rest) < 5 {
			h.Stage = socksTruncated
			return h
		}
		need = 4 + 1 + int(rest[4]) + 2
	default:
		h.Stage = socksNotSOCKS5
		return h
	}
	if len(rest) < need {
		h.Stage = socksTruncated
		return h
	}
	h.Stage = socksSucceeded
	return h
}

// socksError words a failed handshake for the user.
func socksError(h socksHandshake, proxyAddr, host, target string, err error, timedOut bool) *DialError {
	via := "SOCKS5 proxy " + proxyAddr
	de := &DialError{Addr: target, Via: via, Err: err}
	p := "the SOCKS5 proxy at " + proxyAddr
	switch h.Stage {
	case socksNoAnswer, socksTruncated:
		switch {
		case errors.Is(err, context.Canceled):
			de.Reason = ReasonCanceled
			de.Msg = fmt.Sprintf("connecting to %s was cancelled", target)
		case timedOut && h.Waiting == "reply" && IsI2P(host):
			de.Reason = ReasonTimeout
			de.Msg = fmt.Sprintf("timed out waiting for the I2P destination %s through %s: it may not be published yet or be offline, or the router is still warming up", host, p)
		case timedOut:
			de.Reason = ReasonTimeout
			de.Msg = fmt.Sprintf("timed out waiting for %s to answer (%s) — is it really a SOCKS5 proxy?", p, h.Waiting)
		case h.Stage == socksNoAnswer:
			de.Reason = ReasonProxyProtocol
			de.Msg = fmt.Sprintf("%s closed the connection without answering — is it really a SOCKS5 proxy? (i2pd: 127.0.0.1:4447, Tor: 127.0.0.1:9050)", p)
		default:
			de.Reason = ReasonProxyProtocol
			de.Msg = fmt.Sprintf("%s closed the connection in the middle of the SOCKS5 handshake (%s)", p, h.Waiting)
		}
	case socksNotSOCKS5:
		de.Reason = ReasonProxyProtocol
		de.Msg = fmt.Sprintf("%s does not speak SOCKS5: it answered %s", p, quoteBytes(h.Got))
	case socksNoAcceptable:
		de.Reason = ReasonProxyAuth
		de.Msg = fmt.Sprintf("%s accepts none of the authentication methods Clove offered — does it need a username and password?", p)
	case socksUnofferedAuth:
		de.Reason = ReasonProxyAuth
		de.Msg = fmt.Sprintf("%s wants authentication method 0x%02x, which Clove did not offer — does it need a username and password?", p, h.Method)
	case socksAuthFailed:
		de.Reason = ReasonProxyAuth
		de.Msg = fmt.Sprintf("%s refused the username and password", p)
	case socksReplyError:
		de.SOCKSReply = h.Code
		de.Reason, de.Msg = socksReplyMessage(h.Code, p, host, target)
	case socksSucceeded:
		// The reply was fine, so the error came from elsewhere (cancelled
		// right at the end, say).
		if errors.Is(err, context.Canceled) {
			de.Reason = ReasonCanceled
			de.Msg = fmt.Sprintf("connecting to %s was cancelled", target)
		} else {
			de.Reason = ReasonUnknown
			de.Msg = fmt.Sprintf("connecting to %s through %s failed: %v", target, p, err)
		}
	}
	if de.Msg == "" {
		de.Msg = fmt.Sprintf("connecting to %s through %s failed: %v", target, p, err)
	}
	return de
}

// socksReplyMessage explains a SOCKS5 reply code (RFC 1928 §6).
func socksReplyMessage(code byte, p, host, target string) (Reason, string) {
	i2p := IsI2P(host)
	switch code {
	case 0x01:
		if i2p {
			return ReasonDestinationUnreachable, fmt.Sprintf("%s could not open a stream to the I2P destination %s (general failure): it may not be published yet or be offline", p, host)
		}
		return ReasonDestinationUnreachable, fmt.Sprintf("%s could not connect to %s (general failure)", p, target)
	case 0x02:
		return ReasonProxyRefused, fmt.Sprintf("%s does not allow connections to %s", p, target)
	case 0x03:
		return ReasonNoRoute, fmt.Sprintf("%s cannot reach %s: network unreachable", p, target)
	case 0x04:
		if i2p {
			// i2pd answers 0x04 at once both when the lease set is not
			// found and when its own client tunnels are not built yet
			// (RequestDestination fails while the destination is not
			// ready): which of the two is not known here.
			return ReasonDestinationUnreachable, fmt.Sprintf("the I2P router found no way to %s: it is offline or not published yet, or the router has no tunnels yet (started just now?)", host)
		}
		return ReasonDestinationUnreachable, fmt.Sprintf("%s could not reach %s: host unreachable", p, target)
	case 0x05:
		return ReasonRefused, fmt.Sprintf("%s refused the connection (reported by %s) — is the server running on that port?", target, p)
	case 0x06:
		return ReasonTimeout, fmt.Sprintf("%s timed out reaching %s", p, target)
	case 0x07:
		return ReasonProxyRefused, fmt.Sprintf("%s does not support the CONNECT command", p)
	case 0x08:
		if i2p {
			return ReasonProxyRefused, fmt.Sprintf("%s does not accept host names (address type not supported), and Clove never looks .i2p names up itself", p)
		}
		return ReasonProxyRefused, fmt.Sprintf("%s cannot connect to %s: address type not supported (an I2P router without an outproxy cannot reach clearnet hosts)", p, target)
	}
	return ReasonProxyRefused, fmt.Sprintf("%s refused the connection to %s with unknown reply code 0x%02x", p, target, code)
}

// quoteBytes shows a peer's bytes: as text if they look like text, else hex.
func quoteBytes(b []byte) string {
	const show = 32
	more := ""
	if len(b) > show {
		b, more = b[:show], "…"
	}
	printable := utf8.Valid(b) && len(b) > 0
	for _, r := range string(b) {
		if r < 0x20 && r != '\r' && r != '\n' && r != '\t' || r == 0x7f {
			printable = false
			break
		}
	}
	if printable {
		return strconv.Quote(string(b)) + more
	}
	return fmt.Sprintf("% x%s", b, more)
}
