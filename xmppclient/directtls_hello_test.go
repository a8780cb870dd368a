package xmppclient

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"
)

// TestDirectTLSClientHello: the first bytes on a direct TLS connection are
// a ClientHello naming the JID's domain (SNI) and offering ALPN
// "xmpp-client", as XEP-0368 §2 asks. A Go TLS listener reads the hello
// and ends the handshake there.
func TestDirectTLSClientHello(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hello := make(chan *tls.ClientHelloInfo, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		srv := tls.Server(c, &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			hello <- h
			return nil, errors.New("seen")
		}})
		_ = srv.Handshake()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	v := &verifier{host: "clove.test", ctx: ctx, emit: func(Event) {}}
	if _, err := directTLS(ctx, conn, v.config(), &smState{}, &readGuard{}, DefaultMaxStanzaSize); err == nil {
		t.Fatal("the handshake the listener refused succeeded")
	}
	select {
	case h := <-hello:
		if h.ServerName != "clove.test" || len(h.SupportedProtos) != 1 || h.SupportedProtos[0] != "xmpp-client" {
			t.Errorf("ClientHello: SNI %q, ALPN %q; want clove.test, [xmpp-client]", h.ServerName, h.SupportedProtos)
		}
	case <-ctx.Done():
		t.Fatal("no ClientHello")
	}
}
