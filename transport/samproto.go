package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

const (
	// maxSAMLine bounds any SAM line this package reads itself.
	maxSAMLine = 16 << 10
	// helloTimeout caps a HELLO exchange: a local bridge answers at once.
	helloTimeout = 10 * time.Second
	// samNeed* is the oldest SAM version Clove works with (3.1 brought
	// SIGNATURE_TYPE and ports).
	samNeedMajor, samNeedMinor = 3, 1
)

// parseSAMReply splits one line of the SAM protocol,
//
//	TOPIC VERB KEY=VALUE KEY="quoted value" ...
//
// TOPIC and VERB must be upper-case words; a quoted value may contain spaces
// and \" or \\ escapes; a key without "=" gets the empty value. A trailing
// "\n" or "\r\n" is ignored. Anything else (control characters, unbalanced
// quotes, duplicate keys, fewer than two words) is an error, never a panic.
func parseSAMReply(line string) (topic, verb string, kv map[string]string, err error) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxSAMLine {
		return "", "", nil, fmt.Errorf("SAM line too long (%d bytes)", len(line))
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return "", "", nil, fmt.Errorf("SAM line contains control character 0x%02x", c)
		}
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' }
	i := 0
	skip := func() {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
	}
	word := func() string {
		start := i
		for i < len(line) && !isSpace(line[i]) {
			i++
		}
		return line[start:i]
	}
	skip()
	topic = word()
	skip()
	verb = word()
	if !isSAMWord(topic) || !isSAMWord(verb) {
		return "", "", nil, fmt.Errorf("not a SAM line: %q does not start with two upper-case words", truncate(line, 64))
	}
	kv = make(map[string]string)
	for {
		skip()
		if i >= len(line) {
			return topic, verb, kv, nil
		}
		start := i
		for i < len(line) && !isSpace(line[i]) && line[i] != '=' {
			if line[i] == '"' {
				return "", "", nil, fmt.Errorf("SAM line has a quote inside a key at byte %d", i)
			}
			i++
		}
		key := line[start:i]
		if key == "" {
			return "", "", nil, fmt.Errorf("SAM line has an empty key at byte %d", start)
		}
		value := ""
		if i < len(line) && line[i] == '=' {
			i++
			if i < len(line) && line[i] == '"' {
				i++
				var b strings.Builder
				closed := false
				for i < len(line) {
					c := line[i]
					i++
					if c == '\\' {
						if i >= len(line) {
							break
						}
						b.WriteByte(line[i])
						i++
						continue
					}
					if c == '"' {
						closed = true
						break
					}
					b.WriteByte(c)
				}
				if !closed {
					return "", "", nil, fmt.Errorf("SAM line has an unterminated quoted value for %s", key)
				}
				if i < len(line) && !isSpace(line[i]) {
					return "", "", nil, fmt.Errorf("SAM line has text right after the quoted value of %s", key)
				}
				value = b.String()
			} else {
				vs := i
				for i < len(line) && !isSpace(line[i]) {
					if line[i] == '"' {
						return "", "", nil, fmt.Errorf("SAM line has a stray quote in the value of %s", key)
					}
					i++
				}
				value = line[vs:i]
			}
		}
		if _, dup := kv[key]; dup {
			return "", "", nil, fmt.Errorf("SAM line repeats the key %s", key)
		}
		kv[key] = value
	}
}

func isSAMWord(w string) bool {
	if w == "" || len(w) > 32 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseSAMVersion parses "3.1" into 3, 1.
func parseSAMVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	if !found || a == "" || b == "" || len(a) > 3 || len(b) > 3 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, false
	}
	return major, minor, true
}

// samLineTooLong is returned by readSAMLine.
type samLineTooLong struct{ n int }

func (e samLineTooLong) Error() string { return fmt.Sprintf("line longer than %d bytes", e.n) }

// readSAMLine reads up to and without "\n". A connection that ends part-way
// gives io.ErrUnexpectedEOF and the partial line.
func readSAMLine(br io.ByteReader, limit int) (string, error) {
	var b []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(b) > 0 {
				return string(b), io.ErrUnexpectedEOF
			}
			return string(b), err
		}
		if c == '\n' {
			return string(b), nil
		}
		if len(b) >= limit {
			return string(b), samLineTooLong{limit}
		}
		b = append(b, c)
	}
}

// errNoVersion marks a HELLO answered with RESULT=NOVERSION.
type errNoVersion struct{}

func (errNoVersion) Error() string { return "no common SAM version" }

// samHello checks that addr is a SAM bridge speaking version 3.1 or newer
// and returns the version it agreed to.
//
// i2pd 2.45.1 knows SAM 3.0–3.1 and answers "HELLO VERSION MIN=3.0 MAX=3.3"
// with VERSION=3.0 (it falls back to MIN when MAX is beyond its own), so the
// first HELLO asks for 3.1–3.3; only if that finds no common version is 3.0
// asked for, to tell the user the bridge is too old.
func samHello(ctx context.Context, addr string) (string, error) {
	v, err := samHelloOnce(ctx, addr, "3.1", "3.3")
	if errors.As(err, new(errNoVersion)) {
		if v0, err0 := samHelloOnce(ctx, addr, "3.0", "3.0"); err0 == nil {
			return v0, &DialError{Addr: addr, Via: "SAM bridge " + addr, Reason: ReasonProxyProtocol,
				Msg: fmt.Sprintf("the SAM bridge at %s speaks version %s; Clove needs 3.1+", addr, v0)}
		}
		return "", &DialError{Addr: addr, Via: "SAM bridge " + addr, Reason: ReasonProxyProtocol,
			Msg: fmt.Sprintf("the SAM bridge at %s supports none of the SAM versions Clove speaks (3.1–3.3)", addr)}
	}
	if err != nil {
		return v, err
	}
	if major, minor, _ := parseSAMVersion(v); major < samNeedMajor || major == samNeedMajor && minor < samNeedMinor {
		return v, &DialError{Addr: addr, Via: "SAM bridge " + addr, Reason: ReasonProxyProtocol,
			Msg: fmt.Sprintf("the SAM bridge at %s speaks version %s; Clove needs 3.1+", addr, v)}
	}
	return v, nil
}

// samHelloOnce does one HELLO exchange on a fresh connection.
func samHelloOnce(ctx context.Context, addr, minV, maxV string) (string, error) {
	sc, v, err := samOpen(ctx, addr, minV, maxV)
	if err != nil {
		return "", err
	}
	_ = sc.Close()
	return v, nil
}

// samIOError words a read or write failure on a SAM control connection.
func samIOError(ctx context.Context, addr, during, partial string, err error) *DialError {
	via := "SAM bridge " + addr
	de := &DialError{Addr: addr, Via: via, Reason: ReasonProxyProtocol, Err: err}
	var tooLong samLineTooLong
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		de.Reason, de.Err = ReasonCanceled, ctx.Err()
		de.Msg = fmt.Sprintf("talking to the SAM bridge at %s was cancelled", addr)
	case ctx.Err() != nil || isTimeout(err):
		de.Reason = ReasonTimeout
		if ctx.Err() != nil {
			de.Err = ctx.Err()
		} else { // the connection carries ctx's deadline and hit it first
			de.Err = errors.Join(context.DeadlineExceeded, err)
		}
		de.Msg = fmt.Sprintf("the SAM bridge at %s did not answer %s in time — is it really a SAM bridge, and is the router responsive?", addr, during)
	case errors.As(err, &tooLong):
		de.Msg = fmt.Sprintf("not a SAM bridge: %s answered %s with an overlong line starting %s", addr, during, quoteBytes([]byte(partial)))
	case errors.Is(err, io.ErrUnexpectedEOF):
		de.Msg = fmt.Sprintf("the SAM bridge at %s closed the connection in the middle of its %s reply (got %s)", addr, during, quoteBytes([]byte(partial)))
	case errors.Is(err, io.EOF):
		de.Msg = fmt.Sprintf("the SAM bridge at %s closed the connection without answering %s — is it really a SAM bridge?", addr, during)
	default:
		de.Msg = fmt.Sprintf("talking to the SAM bridge at %s failed during %s: %v", addr, during, err)
	}
	return de
}

// closeOnDone makes blocked reads and writes on c return once ctx ends. The
// returned stop function must be called when the exchange is over.
func closeOnDone(ctx context.Context, c net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
}
