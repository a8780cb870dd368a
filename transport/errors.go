package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// Reason classifies why a connection attempt failed, so callers can decide
// whether to retry without parsing messages.
type Reason int

const (
	ReasonUnknown                Reason = iota
	ReasonCanceled                      // the context was cancelled
	ReasonTimeout                       // a deadline passed
	ReasonRefused                       // nothing listens at the address (or the peer refused)
	ReasonNoRoute                       // network or host unreachable
	ReasonDNS                           // a clearnet name could not be looked up
	ReasonBadAddress                    // the address given is not usable
	ReasonProxyUnreachable              // the SOCKS5 proxy or SAM bridge could not be reached
	ReasonProxyProtocol                 // the proxy or bridge answered something unexpected
	ReasonProxyAuth                     // the proxy wants credentials, or refused ours
	ReasonProxyRefused                  // the proxy refuses this request (ruleset, command, address type)
	ReasonDestinationUnreachable        // the proxy or router could not reach the destination
	ReasonDestinationNotFound           // the I2P router could not find the destination's lease set
	ReasonSessionEnded                  // the router ended the SAM session (stopped or restarted): make a new one
)

func (r Reason) String() string {
	switch r {
	case ReasonUnknown:
		return "unknown"
	case ReasonCanceled:
		return "canceled"
	case ReasonTimeout:
		return "timeout"
	case ReasonRefused:
		return "refused"
	case ReasonNoRoute:
		return "no-route"
	case ReasonDNS:
		return "dns"
	case ReasonBadAddress:
		return "bad-address"
	case ReasonProxyUnreachable:
		return "proxy-unreachable"
	case ReasonProxyProtocol:
		return "proxy-protocol"
	case ReasonProxyAuth:
		return "proxy-auth"
	case ReasonProxyRefused:
		return "proxy-refused"
	case ReasonDestinationUnreachable:
		return "destination-unreachable"
	case ReasonDestinationNotFound:
		return "destination-not-found"
	case ReasonSessionEnded:
		return "session-ended"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// DialError is returned by every Dialer in this package. Error() is a
// sentence for the user; Unwrap gives the underlying error, so errors.Is
// works with context.DeadlineExceeded, syscall.ECONNREFUSED and friends.
type DialError struct {
	Addr   string // what was to be reached, "host:port"
	Via    string // "" when dialled directly, else e.g. "SOCKS5 proxy 127.0.0.1:4447"
	Reason Reason
	// SOCKSReply is the SOCKS5 reply code when the proxy refused the
	// CONNECT request (Reason then comes from it), else 0.
	SOCKSReply byte
	Msg        string
	Err        error
}

func (e *DialError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	if e.Err != nil {
		return fmt.Sprintf("could not reach %s: %v", e.Addr, e.Err)
	}
	return "could not reach " + e.Addr
}

func (e *DialError) Unwrap() error { return e.Err }

// Timeout reports whether the attempt ran out of time.
func (e *DialError) Timeout() bool { return e.Reason == ReasonTimeout }

// describeDialError turns an error from net.Dialer into a DialError worded
// for the user. what names the peer ("the server", "the SOCKS5 proxy at
// 127.0.0.1:4447"); hint is appended to "connection refused".
func describeDialError(addr, via, hint string, err error) *DialError {
	de := &DialError{Addr: addr, Via: via, Err: err}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		de.Reason = ReasonCanceled
		de.Msg = fmt.Sprintf("connecting to %s was cancelled", addr)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		de.Reason = ReasonTimeout
		de.Msg = fmt.Sprintf("could not reach %s: timed out — is the address right and the network up?", addr)
	case errors.Is(err, syscall.ECONNREFUSED):
		de.Reason = ReasonRefused
		de.Msg = fmt.Sprintf("could not reach %s: connection refused — %s", addr, hint)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		de.Reason = ReasonNoRoute
		de.Msg = fmt.Sprintf("could not reach %s: no route to that host — is the network up?", addr)
	case errors.As(err, &dnsErr):
		de.Reason = ReasonDNS
		if dnsErr.IsNotFound {
			de.Msg = fmt.Sprintf("could not reach %s: the name %s does not exist in DNS", addr, dnsErr.Name)
		} else {
			de.Msg = fmt.Sprintf("could not reach %s: looking up %s in DNS failed (%s)", addr, dnsErr.Name, dnsErr.Err)
		}
	default:
		de.Msg = fmt.Sprintf("could not reach %s: %v", addr, err)
	}
	return de
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// ctxDialError words a context that ended while waiting on something slow.
func ctxDialError(ctx context.Context, addr, via, slow string) *DialError {
	err := context.Cause(ctx)
	if err == nil {
		err = ctx.Err()
	}
	if errors.Is(err, context.Canceled) {
		return &DialError{Addr: addr, Via: via, Reason: ReasonCanceled, Err: err,
			Msg: fmt.Sprintf("connecting to %s was cancelled", addr)}
	}
	return &DialError{Addr: addr, Via: via, Reason: ReasonTimeout, Err: err,
		Msg: fmt.Sprintf("timed out connecting to %s: %s", addr, slow)}
}
