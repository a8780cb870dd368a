package i2pnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// AttemptTimeout bounds one WaitReachable attempt: SOCKS connect plus the
// XMPP stream header coming back. i2pd answers SOCKS success before the peer
// is reached, and 2.45.1 can keep a first stream dead for minutes (see the
// package doc), so a silent attempt is abandoned and a new stream opened.
const AttemptTimeout = 20 * time.Second

// Reach is what WaitReachable measured.
type Reach struct {
	// Attempts is how many SOCKS connections it opened.
	Attempts int
	// Took is the time until the stream header came back.
	Took time.Duration
	// Last is the successful attempt's time (SOCKS connect to header).
	Last time.Duration
}

// WaitReachable waits until an XMPP server behind b32 answers through the
// SOCKS5 proxy at socksAddr: it connects (ATYP 3, the name goes to i2pd),
// sends a client stream header and waits for the server's. Attempts that
// fail (reply 0x04 while the lease set is not found yet) are retried after
// a second; attempts that stay silent for AttemptTimeout are abandoned. It
// gives up when ctx ends.
func WaitReachable(ctx context.Context, socksAddr, b32 string, port int) (Reach, error) {
	start := time.Now()
	var r Reach
	var last error
	tally := map[string]int{} // what the failed attempts saw, for the error
	for {
		r.Attempts++
		t0 := time.Now()
		err := probeXMPP(ctx, socksAddr, b32, port)
		if err == nil {
			r.Took, r.Last = time.Since(start), time.Since(t0)
			return r, nil
		}
		last = err
		kind := "other"
		switch {
		case errors.Is(err, errSilent):
			kind = "silent"
		case errors.Is(err, errRefused):
			kind = "SOCKS 0x04 (lease set not found)"
		}
		tally[kind]++
		if ctx.Err() != nil {
			return r, fmt.Errorf("%s not reachable through %s after %d attempts in %v (%v); last: %w",
				b32, socksAddr, r.Attempts, time.Since(start).Round(time.Millisecond), tally, last)
		}
		if !errors.Is(err, errSilent) {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

var (
	errSilent  = errors.New("no answer in time")
	errRefused = errors.New("SOCKS reply 0x04: host unreachable")
)

func probeXMPP(ctx context.Context, socksAddr, host string, port int) error {
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", socksAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	silent := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", errSilent, err)
		}
		return err
	}
	if len(host) > 255 {
		return fmt.Errorf("host name too long")
	}
	req := []byte{5, 1, 0, 5, 1, 0, 3, byte(len(host))}
	req = append(req, host...)
	req = append(req, byte(port>>8), byte(port))
	if _, err := c.Write(req); err != nil {
		return err
	}
	var b [10]byte
	if _, err := io.ReadFull(c, b[:2]); err != nil {
		return silent(fmt.Errorf("SOCKS greeting: %w", err))
	}
	if b[0] != 5 || b[1] != 0 {
		return fmt.Errorf("SOCKS greeting answered %x", b[:2])
	}
	if _, err := io.ReadFull(c, b[:4]); err != nil {
		return silent(fmt.Errorf("SOCKS reply: %w", err))
	}
	if b[1] == 4 {
		return errRefused
	}
	if b[1] != 0 {
		return fmt.Errorf("SOCKS reply 0x%02x", b[1])
	}
	var rest int
	switch b[3] {
	case 1:
		rest = 4 + 2
	case 4:
		rest = 16 + 2
	case 3:
		if _, err := io.ReadFull(c, b[:1]); err != nil {
			return err
		}
		rest = int(b[0]) + 2
	default:
		return fmt.Errorf("SOCKS reply address type %d", b[3])
	}
	if _, err := io.CopyN(io.Discard, c, int64(rest)); err != nil {
		return err
	}
	header := fmt.Sprintf("<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", host)
	if _, err := io.WriteString(c, header); err != nil {
		return err
	}
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < 64<<10 {
		k, err := c.Read(buf)
		got = append(got, buf[:k]...)
		if bytes.Contains(got, []byte("<stream:stream")) && bytes.Contains(got, []byte(">")) {
			_, _ = io.WriteString(c, "</stream:stream>")
			return nil
		}
		if err != nil {
			if len(got) == 0 {
				return silent(fmt.Errorf("no stream header: %w", err))
			}
			return fmt.Errorf("no stream header in %q: %w", got, err)
		}
	}
	return fmt.Errorf("no stream header in the first 64 KiB")
}
