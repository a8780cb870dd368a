package main

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// socksProxy is a minimal SOCKS5 proxy for the test: it records each
// CONNECT request and forwards every connection to one target (prosody),
// standing in for i2pd's proxy, which resolves names itself.
type socksProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	reqs   []socksRequest
}

type socksRequest struct {
	atyp byte
	host string
	port uint16
}

func startSOCKS(t *testing.T, target string) *socksProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &socksProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *socksProxy) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 262)
	// greeting: VER NMETHODS METHODS
	if _, err := io.ReadFull(c, buf[:2]); err != nil || buf[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	// request: VER CMD RSV ATYP ...
	if _, err := io.ReadFull(c, buf[:4]); err != nil || buf[1] != 1 {
		return
	}
	req := socksRequest{atyp: buf[3]}
	switch req.atyp {
	case 3:
		io.ReadFull(c, buf[:1])
		n := int(buf[0])
		io.ReadFull(c, buf[:n])
		req.host = string(buf[:n])
	case 1:
		io.ReadFull(c, buf[:4])
		req.host = net.IP(buf[:4]).String()
	case 4:
		io.ReadFull(c, buf[:16])
		req.host = net.IP(buf[:16]).String()
	}
	io.ReadFull(c, buf[:2])
	req.port = binary.BigEndian.Uint16(buf[:2])
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer s.Close()
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	go io.Copy(s, c)
	io.Copy(c, s)
}

func (p *socksProxy) requests() []socksRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]socksRequest(nil), p.reqs...)
}

// An account reached through a SOCKS5 proxy, the way Clove reaches a
// .b32.i2p server through i2pd: the domain goes to the proxy as a name
// (ATYP 3), to port 5222, and nothing is looked up locally (the domain does
// not resolve anywhere, so a local lookup would fail the login).
func TestCLIThroughSOCKS5ProxySendsHostname(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Domain("xmpp.clove-test.invalid"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	proxy := startSOCKS(t, srv.C2SAddr)
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--proxy", "socks5://"+proxy.ln.Addr().String())
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	alice.ok("send", "--account", aj, bj, "through the proxy")
	if out := bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s"); !strings.Contains(out, "through the proxy") {
		t.Fatalf("bob got %q", out)
	}
	reqs := proxy.requests()
	if len(reqs) == 0 {
		t.Fatal("the proxy saw no request")
	}
	for _, r := range reqs {
		if r.atyp != 3 || r.host != srv.Domain || r.port != 5222 {
			t.Fatalf("proxy request %+v: want ATYP 3 (name) %s port 5222", r, srv.Domain)
		}
	}

	// I2P-only refuses a clearnet domain before anything is dialled.
	c := newCLI(t, "pw")
	c.fails(1, "I2P", "account", "add", "carol@example.org", "--proxy", "socks5://"+proxy.ln.Addr().String(), "--i2p-only")
	if n := len(proxy.requests()); n != len(reqs) {
		t.Fatalf("the refused account still reached the proxy (%d requests)", n-len(reqs))
	}
}
