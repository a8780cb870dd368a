package transport

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Clove's own SAM v3 client: one TCP connection per SAM socket, one line per
// command and reply. Replies are read a byte at a time straight from the
// connection (no buffering), so that after STREAM STATUS RESULT=OK the
// *net.TCPConn itself is the stream, with nothing left in a buffer.

// i2pBase64 is I2P's base64 alphabet (- and ~ for + and /), padded.
var i2pBase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~")

// destB32 returns the .b32.i2p address of a destination in I2P base64:
// lowercase unpadded base32 of the SHA-256 of its bytes.
func destB32(dest string) (string, error) {
	b, err := i2pBase64.DecodeString(dest)
	if err != nil {
		return "", err
	}
	return hashB32(b), nil
}

// hashB32 is the .b32.i2p address of a destination's bytes.
func hashB32(dest []byte) string {
	h := sha256.Sum256(dest)
	return base32.NewEncoding(base32Digits).WithPadding(base32.NoPadding).EncodeToString(h[:]) + B32Suffix
}

// answerPings reads a SAM control connection until it ends, answering the
// bridge's PINGs (SAM 3.2) with PONG and ignoring anything else; it
// returns why the connection ended.
func (sc *samConn) answerPings() error {
	r := &connByteReader{c: sc.c}
	for {
		line, err := readSAMLine(r, maxSAMLine)
		if err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(line, "PING"); ok {
			if _, err := io.WriteString(sc.c, "PONG"+rest+"\n"); err != nil {
				return err
			}
		}
	}
}

// lookup asks the bridge at addr for name's destination (NAMING LOOKUP on
// a connection of its own) and returns it in I2P base64.
func lookup(ctx context.Context, addr, name string) (string, error) {
	lc, _, err := samOpen(ctx, addr, "3.1", "3.3")
	if err != nil {
		return "", err
	}
	kv, err := lc.command(ctx, "NAMING LOOKUP NAME="+name, "NAMING", "REPLY")
	_ = lc.Close()
	if err != nil {
		return "", &samLookupError{err}
	}
	dest := kv["VALUE"]
	if len(dest) < minDestB64 || !isI2PBase64(dest) {
		return "", &samLookupError{&samReplyError{Line: "NAMING REPLY without a valid VALUE"}}
	}
	return dest, nil
}

// connByteReader reads single bytes from a connection without buffering.
type connByteReader struct {
	c   net.Conn
	buf [1]byte
}

func (r *connByteReader) ReadByte() (byte, error) {
	for {
		n, err := r.c.Read(r.buf[:])
		if n == 1 {
			return r.buf[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// samConn is one connection to a SAM bridge after a successful HELLO.
type samConn struct {
	c    net.Conn
	addr string
}

// samReplyError is a well-formed SAM reply whose RESULT is not OK, or a
// reply that is not the expected one (then Result is empty).
type samReplyError struct {
	Result, Message, Line string
}

func (e *samReplyError) Error() string {
	switch {
	case e.Result == "":
		return "unexpected SAM reply " + quoteBytes([]byte(e.Line))
	case e.Message != "":
		return e.Result + ": " + e.Message
	}
	return e.Result
}

// samOpen connects to the SAM bridge at addr and says HELLO (MIN=minV
// MAX=maxV). The HELLO exchange is bounded by ctx and helloTimeout; errors
// are *DialError worded for the user. TCP_NODELAY is on.
func samOpen(ctx context.Context, addr, minV, maxV string) (*samConn, string, error) {
	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	via := "SAM bridge " + addr
	var nd net.Dialer
	c, err := nd.DialContext(hctx, "tcp", addr)
	if err != nil {
		de := describeDialError(addr, via, "is the I2P router running with its SAM bridge enabled? (i2pd: [sam] enabled = true, port 7656)", err)
		if de.Reason != ReasonCanceled {
			de.Msg = strings.Replace(de.Msg, "could not reach "+addr, "could not reach the SAM bridge at "+addr, 1)
			if de.Reason != ReasonTimeout {
				de.Reason = ReasonProxyUnreachable
			}
		}
		return nil, "", de
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	sc := &samConn{c: c, addr: addr}
	v, err := sc.hello(hctx, minV, maxV)
	if err != nil {
		_ = c.Close()
		return nil, "", err
	}
	return sc, v, nil
}

func (sc *samConn) Close() error { return sc.c.Close() }

func (sc *samConn) hello(ctx context.Context, minV, maxV string) (string, error) {
	addr, via := sc.addr, "SAM bridge "+sc.addr
	line, err := sc.exchange(ctx, fmt.Sprintf("HELLO VERSION MIN=%s MAX=%s", minV, maxV), 1024)
	if err != nil {
		return "", samIOError(ctx, addr, "HELLO", line, err)
	}
	topic, verb, kv, perr := parseSAMReply(line)
	if perr != nil || topic != "HELLO" || verb != "REPLY" {
		return "", &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: perr,
			Msg: fmt.Sprintf("not a SAM bridge: %s answered HELLO with %s", addr, quoteBytes([]byte(line)))}
	}
	switch kv["RESULT"] {
	case "OK":
		v := kv["VERSION"]
		if _, _, ok := parseSAMVersion(v); !ok {
			return "", &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol,
				Msg: fmt.Sprintf("the SAM bridge at %s answered HELLO without a valid version (%s)", addr, quoteBytes([]byte(line)))}
		}
		return v, nil
	case "NOVERSION":
		return "", errNoVersion{}
	case "I2P_ERROR":
		return "", &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol,
			Msg: fmt.Sprintf("the SAM bridge at %s reported an error: %s", addr, kv["MESSAGE"])}
	}
	return "", &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol,
		Msg: fmt.Sprintf("the SAM bridge at %s gave an unexpected HELLO reply: %s", addr, quoteBytes([]byte(line)))}
}

// exchange writes cmd and a newline and reads one reply line (at most limit
// bytes), all bounded by ctx: when ctx ends the connection's deadline is
// moved to the past, which unblocks the read or write. On success the
// connection is left without a deadline. A ctx that ended meanwhile makes
// the exchange fail even if the reply arrived, so a connection handed on
// never carries an expired deadline.
func (sc *samConn) exchange(ctx context.Context, cmd string, limit int) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	stop := closeOnDone(ctx, sc.c)
	if _, err := io.WriteString(sc.c, cmd+"\n"); err != nil {
		stop()
		return "", err
	}
	line, err := readSAMLine(&connByteReader{c: sc.c}, limit)
	if err != nil && isTimeout(err) {
		// The connection carries ctx's deadline and may hit it a moment
		// before ctx notices; let ctx catch up so callers see ctx.Err().
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			<-ctx.Done()
		}
	}
	if !stop() {
		if err == nil {
			err = context.Cause(ctx)
		}
		return line, err
	}
	if err != nil {
		return line, err
	}
	if err := sc.c.SetDeadline(time.Time{}); err != nil {
		return line, err
	}
	return line, nil
}

// command sends cmd and parses the reply, which must be "topic verb" with
// RESULT=OK; any other reply is a *samReplyError. I/O errors are returned
// as they are.
func (sc *samConn) command(ctx context.Context, cmd, topic, verb string) (map[string]string, error) {
	line, err := sc.exchange(ctx, cmd, maxSAMLine)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(samLineTooLong)) {
			return nil, &samReplyError{Line: line}
		}
		return nil, err
	}
	t, v, kv, perr := parseSAMReply(line)
	if perr != nil || t != topic || v != verb {
		return nil, &samReplyError{Line: line}
	}
	if r := kv["RESULT"]; r != "OK" {
		return kv, &samReplyError{Result: r, Message: kv["MESSAGE"], Line: line}
	}
	return kv, nil
}
