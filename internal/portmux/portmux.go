// Package portmux sends incoming I2P streams to prosody's client, server or
// HTTP port by their first bytes. i2pd 2.45.1's SAM opens every stream to
// I2P port 0 (docs/i2pd.md, "SAM does not pass the I2P port"), so the port a
// stream came to says nothing: an HTTP request goes by its method, an XMPP
// stream by its header's namespace. The SAM-mode tunnels of a node
// (node.RunSAMTunnels) route their streams with it, and so does the
// dispatcher that the first server tunnel of a node's own i2pd targets
// (Serve, run by clove-node --dispatch).
//
// It is small on purpose: clove-node, which stays resident, imports it.
package portmux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Ports are prosody's loopback ports a stream may go to. HTTP 0: the node
// has no HTTP port, and HTTP requests are dropped. TLS is the direct TLS
// client port (XEP-0368), where a stream that starts with a TLS handshake
// goes; 0: such streams are dropped.
type Ports struct{ C2S, S2S, HTTP, TLS int }

// DefaultSniffTimeout bounds the wait for a stream's first bytes.
const DefaultSniffTimeout = time.Minute

// Serve routes each connection ln accepts (Route) until ctx ends or ln
// fails, and returns once every connection it took is closed. sniff bounds
// the wait for a connection's first bytes (0: DefaultSniffTimeout). log, if
// not nil, hears of each connection dropped.
func Serve(ctx context.Context, ln net.Listener, ports Ports, sniff time.Duration, log func(string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Route(ctx, c, ports, sniff); err != nil && log != nil {
				log(fmt.Sprintf("incoming stream from %s dropped: %v", c.RemoteAddr(), err))
			}
		}()
	}
}

// Route reads the start of c (an XMPP stream header, or an HTTP request
// for the upload service), splices c to prosody's client, server or HTTP
// port, and returns when both directions are done or ctx ends. It closes
// c. sniff bounds the wait for the first bytes (0: DefaultSniffTimeout).
func Route(ctx context.Context, c net.Conn, ports Ports, sniff time.Duration) error {
	defer c.Close()
	if sniff <= 0 {
		sniff = DefaultSniffTimeout
	}
	_ = c.SetReadDeadline(time.Now().Add(sniff))
	head, port, err := Sniff(c, ports)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		return err
	}
	var d net.Dialer
	p, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("prosody: %w", err)
	}
	defer p.Close()
	if _, err := p.Write(head); err != nil {
		return err
	}
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		} else {
			dst.Close()
		}
		done <- struct{}{}
	}
	go cp(p, c)
	go cp(c, p)
	for n := 0; n < 2; n++ {
		select {
		case <-done:
		case <-ctx.Done():
			// Unblock both copies, then wait for them: nothing outlives Route.
			c.Close()
			p.Close()
			<-done
			if n == 0 {
				<-done
			}
			return nil
		}
	}
	return nil
}

// ListenArgs reads "ADDR C2S S2S HTTP [TLS]" (clove-node --dispatch's
// arguments) and listens on ADDR.
func ListenArgs(args []string) (net.Listener, Ports, error) {
	var p Ports
	if len(args) != 4 && len(args) != 5 {
		return nil, p, errors.New("want ADDR C2S_PORT S2S_PORT HTTP_PORT [DIRECT_TLS_PORT]")
	}
	for i, dst := range []*int{&p.C2S, &p.S2S, &p.HTTP, &p.TLS}[:len(args)-1] {
		n, err := strconv.Atoi(args[i+1])
		if err != nil || n < 0 || n > 65535 {
			return nil, p, fmt.Errorf("not a port: %q", args[i+1])
		}
		*dst = n
	}
	ln, err := net.Listen("tcp", args[0])
	return ln, p, err
}

// tlsHandshake is the first byte of a TLS record carrying a handshake
// message (RFC 8446 §5.1): what a direct TLS client sends first. Neither
// an HTTP method nor an XML stream starts with it.
const tlsHandshake = 0x16

// httpMethods start the requests the upload service answers (PUT, GET,
// HEAD; OPTIONS for CORS).
var httpMethods = []string{"GET ", "PUT ", "HEAD ", "OPTIONS "}

// Sniff reads until it can tell the stream's kind (at most 4 KiB): an HTTP
// request by its method, else an XMPP stream by its header's namespace. It
// returns what it read and the port it belongs to. The request goes to
// prosody as the client sent it: its Host is the node's b32 (the slot
// URL's), which prosody serves uploads on, so nothing needs the Host
// rewriting i2pd's HTTP server tunnel does.
func Sniff(r io.Reader, ports Ports) ([]byte, int, error) {
	buf := make([]byte, 0, 512)
	tmp := make([]byte, 512)
	for len(buf) < 4096 {
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if len(buf) > 0 && buf[0] == tlsHandshake {
			// A ClientHello: direct TLS (XEP-0368); the rest is encrypted.
			if ports.TLS == 0 {
				return buf, 0, errors.New("a TLS handshake, but the node has no direct TLS port")
			}
			return buf, ports.TLS, nil
		}
		if http, maybe := isHTTP(buf); http {
			if ports.HTTP == 0 {
				return buf, 0, errors.New("an HTTP request, but the node has no HTTP port")
			}
			return buf, ports.HTTP, nil
		} else if !maybe {
			if port, done, err := xmppPort(buf, ports); done {
				return buf, port, err
			}
		}
		if err != nil {
			return buf, 0, fmt.Errorf("no XMPP stream header: %w", err)
		}
	}
	return buf, 0, errors.New("no XMPP stream header in the first 4 KiB")
}

// isHTTP reports whether buf starts with an HTTP method the upload service
// answers, and whether it still may (buf is a prefix of one).
func isHTTP(buf []byte) (yes, maybe bool) {
	for _, m := range httpMethods {
		if bytes.HasPrefix(buf, []byte(m)) {
			return true, false
		}
		if len(buf) < len(m) && bytes.HasPrefix([]byte(m), buf) {
			maybe = true
		}
	}
	return false, maybe
}

// xmppPort finds the stream header's namespace in buf; done is false
// while the header is incomplete.
func xmppPort(buf []byte, ports Ports) (port int, done bool, err error) {
	i := bytes.Index(buf, []byte("<stream:stream"))
	if i < 0 {
		return 0, false, nil
	}
	j := bytes.IndexByte(buf[i:], '>')
	if j < 0 {
		return 0, false, nil
	}
	header := buf[i : i+j]
	switch {
	case bytes.Contains(header, []byte("'jabber:server'")) || bytes.Contains(header, []byte(`"jabber:server"`)):
		return ports.S2S, true, nil
	case bytes.Contains(header, []byte("'jabber:client'")) || bytes.Contains(header, []byte(`"jabber:client"`)):
		return ports.C2S, true, nil
	}
	return 0, true, errors.New("an XMPP stream of neither clients nor servers")
}
