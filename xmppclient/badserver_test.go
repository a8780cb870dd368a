package xmppclient_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A peer that is not a working XMPP server must give a clear error, never a
// panic or a hang. These fake servers stand in for broken or hostile hosts,
// which a real server cannot be made to be.
func TestBadServers(t *testing.T) {
	cases := []struct {
		name  string
		serve func(c net.Conn)
		want  string // in the error text
	}{
		{"garbage", func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n<html>")) }, "did not speak XMPP"},
		{"closes at once", func(c net.Conn) {}, "closed the connection"},
		{"closes mid-stream", func(c net.Conn) {
			buf := make([]byte, 512)
			c.Read(buf)
			c.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='x' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><requ`))
		}, "closed the connection"},
		{"refuses TLS", func(c net.Conn) {
			readUntil(c, "version=")
			c.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='x' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`))
			readUntil(c, "starttls")
			c.Write([]byte(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>`))
		}, "TLS"},
		{"silent", func(c net.Conn) { time.Sleep(3 * time.Second) }, "stopped answering"},
		{"no TLS offered", func(c net.Conn) {
			readUntil(c, "version=")
			c.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='x' version='1.0'><stream:features/>`))
			time.Sleep(2 * time.Second) // Clove insists on STARTTLS and waits for it
		}, "stopped answering"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() { tc.serve(c); c.Close() }()
				}
			}()
			c, err := xmppclient.New(xmppclient.Config{
				JID:      jid.MustParse("alice@example.test"),
				Password: "pw",
				Dial: func(ctx context.Context) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, "tcp", ln.Addr().String())
				},
				NoReconnect:    true,
				ConnectTimeout: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for range c.Events() {
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = c.Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			t.Logf("user sees: %v", err)
		})
	}
}

func readUntil(c net.Conn, needle string) {
	var got []byte
	buf := make([]byte, 256)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !strings.Contains(string(got), needle) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return
		}
	}
}

func TestUnreachableServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, err := xmppclient.New(xmppclient.Config{
		JID:         jid.MustParse("alice@example.test"),
		Dial:        func(ctx context.Context) (net.Conn, error) { var d net.Dialer; return d.DialContext(ctx, "tcp", addr) },
		NoReconnect: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range c.Events() {
		}
	}()
	err = c.Run(context.Background())
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("got %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	dial := func(ctx context.Context) (net.Conn, error) { return nil, errors.New("unused") }
	cases := []struct {
		name string
		cfg  xmppclient.Config
	}{
		{"no localpart", xmppclient.Config{JID: jid.MustParse("example.test"), Dial: dial}},
		{"no dialer", xmppclient.Config{JID: jid.MustParse("a@example.test")}},
		{"bad pin", xmppclient.Config{JID: jid.MustParse("a@example.test"), Dial: dial, Pin: "abc"}},
	}
	for _, tc := range cases {
		if _, err := xmppclient.New(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
