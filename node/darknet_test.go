package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// nameProxy is a SOCKS5 proxy for the test that stands in for i2pd's: it
// resolves the names it is given from a table (the way i2pd looks up a
// .b32.i2p), answers 0x04 for unknown ones, and records every request.
type nameProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	hosts  map[string]string // name -> 127.0.0.1:port
	reqs   []string          // "atyp host:port"
	relays []*relay          // connections relayed so far
}

// relay is one proxied connection; frozen, it drops what it carries and
// keeps both sockets open: a link that died silently, as an I2P stream to
// a router that restarted.
type relay struct {
	host   string // the name it was opened to
	conns  []net.Conn
	mu     sync.Mutex
	frozen bool
}

func (r *relay) copy(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		r.mu.Lock()
		frozen := r.frozen
		r.mu.Unlock()
		if n > 0 && !frozen {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// restartRouter plays the restart of name's I2P router: the streams other
// servers opened to it go silent (their routers keep resending into its old
// tunnels), the streams it opened are closed (its SOCKS connections die with
// it).
func (p *nameProxy) restartRouter(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.relays {
		r.mu.Lock()
		if r.host == name {
			r.frozen = true
		} else {
			for _, c := range r.conns {
				c.Close()
			}
		}
		r.mu.Unlock()
	}
}

func startNameProxy(t *testing.T) *nameProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &nameProxy{ln: ln, hosts: map[string]string{}}
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

func (p *nameProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *nameProxy) add(name, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts[name] = addr
}

func (p *nameProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reqs...)
}

func (p *nameProxy) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 262)
	if _, err := io.ReadFull(c, buf[:2]); err != nil || buf[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	if _, err := io.ReadFull(c, buf[:4]); err != nil || buf[1] != 1 {
		return
	}
	atyp := buf[3]
	host := ""
	switch atyp {
	case 3:
		io.ReadFull(c, buf[:1])
		n := int(buf[0])
		io.ReadFull(c, buf[:n])
		host = string(buf[:n])
	case 1:
		io.ReadFull(c, buf[:4])
		host = net.IP(buf[:4]).String()
	default:
		return
	}
	io.ReadFull(c, buf[:2])
	port := binary.BigEndian.Uint16(buf[:2])
	p.mu.Lock()
	p.reqs = append(p.reqs, fmt.Sprintf("%d %s:%d", atyp, host, port))
	addr, ok := p.hosts[host]
	p.mu.Unlock()
	if !ok || port != 5269 {
		c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0}) // host unreachable, as i2pd answers
		return
	}
	s, err := net.Dial("tcp", addr)
	if err != nil {
		c.Write([]byte{5, 1, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer s.Close()
	c.SetDeadline(time.Time{})
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	r := &relay{host: host, conns: []net.Conn{c, s}}
	p.mu.Lock()
	p.relays = append(p.relays, r)
	p.mu.Unlock()
	go r.copy(s, c)
	r.copy(c, s)
}

func moduleDir(t *testing.T) string {
	d, err := filepath.Abs("../assets/prosody")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startNode starts a prosody serving domain whose outgoing s2s goes through
// the proxy via mod_clove_darknet.
func startNode(t *testing.T, domain string, proxy *nameProxy, extra string, opts ...prosodytest.Option) *prosodytest.Server {
	return prosodytest.Start(t, append([]prosodytest.Option{
		prosodytest.Domain(domain),
		prosodytest.PluginPath(moduleDir(t)),
		prosodytest.WithModule("dialback", "clove_darknet"),
		prosodytest.Config(fmt.Sprintf(`s2s_secure_auth = false
darknet_socks_host = "127.0.0.1"
darknet_socks_port = %d
darknet_only = true
darknet_socks_timeout = 10
%s`, proxy.port(), extra)),
	}, opts...)...)
}

type peer struct {
	c      *xmppclient.Client
	events chan xmppclient.Event
}

func login(t *testing.T, srv *prosodytest.Server, user string) *peer {
	t.Helper()
	srv.CreateUser(t, user, "pw")
	addr := srv.C2SAddr
	c, err := xmppclient.New(xmppclient.Config{
		JID:      jid.MustParse(user + "@" + srv.Domain),
		Password: "pw",
		Pin:      srv.CertFingerprint,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	p := &peer{c: c, events: make(chan xmppclient.Event, 1000)}
	go func() { c.Run(ctx); close(done) }()
	go func() {
		for ev := range c.Events() {
			p.events <- ev
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if err := c.WaitOnline(wctx); err != nil {
		t.Fatalf("%s online: %v", user, err)
	}
	return p
}

func (p *peer) wait(t *testing.T, what string, d time.Duration, match func(xmppclient.Event) bool) xmppclient.Event {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-p.events:
			if match(ev) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
	}
}

func body(b string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.MessageReceived)
		return ok && m.Body == b
	}
}

// Two prosody servers whose domains exist only behind the proxy federate
// through mod_clove_darknet: STARTTLS and dialback (self-signed certs) over
// the proxied streams, names sent to the proxy as names (ATYP 3) on 5269.
func TestDarknetS2SThroughSOCKS(t *testing.T) {
	proxy := startNameProxy(t)
	a := startNode(t, "alpha.clove.i2p", proxy, "")
	b := startNode(t, "beta.clove.i2p", proxy, "")
	proxy.add(a.Domain, a.S2SAddr)
	proxy.add(b.Domain, b.S2SAddr)
	alice := login(t, a, "alice")
	bob := login(t, b, "bob")

	t0 := time.Now()
	if _, err := alice.c.Send(context.Background(), jid.MustParse("bob@"+b.Domain), "hello across servers"); err != nil {
		t.Fatal(err)
	}
	bob.wait(t, "alice's message at bob", 30*time.Second, body("hello across servers"))
	first := time.Since(t0)
	t0 = time.Now()
	if _, err := bob.c.Send(context.Background(), jid.MustParse("alice@"+a.Domain), "and back"); err != nil {
		t.Fatal(err)
	}
	alice.wait(t, "bob's reply at alice", 30*time.Second, body("and back"))
	t.Logf("first message over a new s2s link: %v; reply: %v", first, time.Since(t0))

	// The proxied streams were secured and authenticated by dialback.
	for _, srv := range []*prosodytest.Server{a, b} {
		log := srv.LogTail(2000)
		for _, w := range []string{"SOCKS5 connected to", "Stream encrypted", "verified dialback key... it is valid", "is now authenticated"} {
			if !strings.Contains(log, w) {
				t.Errorf("%s's log lacks %q", srv.Domain, w)
			}
		}
	}

	want := map[string]bool{"3 " + b.Domain + ":5269": false, "3 " + a.Domain + ":5269": false}
	for _, r := range proxy.requests() {
		if _, ok := want[r]; !ok {
			t.Errorf("unexpected proxy request %q (want names, ATYP 3, port 5269)", r)
		}
		want[r] = true
	}
	for r, seen := range want {
		if !seen {
			t.Errorf("no proxy request %q", r)
		}
	}
}

// Failures bounce the message with a reason instead of hanging: an unknown
// .i2p destination (the proxy answers 0x04) and, with darknet_only, a
// clearnet domain (refused before any connection).
func TestDarknetS2SFailuresBounce(t *testing.T) {
	proxy := startNameProxy(t)
	a := startNode(t, "alpha.clove.i2p", proxy, "")
	proxy.add(a.Domain, a.S2SAddr)
	alice := login(t, a, "alice")
	cases := []struct {
		to, want string
	}{
		{"nobody@unknown.clove.i2p", "no way to the destination found"},
		{"carol@example.org", "darknet_only"},
	}
	for _, tc := range cases {
		before := len(proxy.requests())
		id, err := alice.c.Send(context.Background(), jid.MustParse(tc.to), "will bounce")
		if err != nil {
			t.Fatal(err)
		}
		ev := alice.wait(t, "bounce for "+tc.to, 20*time.Second, func(ev xmppclient.Event) bool {
			f, ok := ev.(xmppclient.MessageFailed)
			return ok && f.ID == id
		}).(xmppclient.MessageFailed)
		if !strings.Contains(ev.Text, tc.want) {
			t.Errorf("bounce for %s: %q (%s), want text mentioning %q", tc.to, ev.Text, ev.Condition, tc.want)
		}
		if strings.HasSuffix(tc.to, "example.org") && len(proxy.requests()) != before {
			t.Errorf("a clearnet domain reached the proxy under darknet_only: %v", proxy.requests()[before:])
		}
		t.Logf("%s: %s (%s)", tc.to, ev.Text, ev.Condition)
	}
	if log := a.LogTail(400); strings.Contains(log, "Traceback") {
		t.Errorf("prosody logged a Lua error:\n%s", log)
	}
}

// With darknet_retry_for, a destination that does not answer yet (the proxy
// says 0x04, as i2pd does while a lease set is still unknown) is tried
// again instead of bounced at once: the message arrives once the name
// resolves. One that never answers bounces after darknet_retry_for.
func TestDarknetS2SRetriesUntilReachable(t *testing.T) {
	proxy := startNameProxy(t)
	a := startNode(t, "alpha.clove.i2p", proxy, "darknet_retry_for = 8")
	b := startNode(t, "beta.clove.i2p", proxy, "")
	proxy.add(a.Domain, a.S2SAddr) // beta is not reachable yet
	alice := login(t, a, "alice")
	bob := login(t, b, "bob")

	t0 := time.Now()
	id, err := alice.c.Send(context.Background(), jid.MustParse("bob@"+b.Domain), "patience")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first, refused attempt", 10*time.Second, func() bool {
		for _, r := range proxy.requests() {
			if r == "3 "+b.Domain+":5269" {
				return true
			}
		}
		return false
	})
	time.Sleep(time.Second)
	proxy.add(b.Domain, b.S2SAddr)
	bob.wait(t, "the retried message at bob", 30*time.Second, body("patience"))
	t.Logf("delivered on a retry %v after sending", time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	lost, err := alice.c.Send(context.Background(), jid.MustParse("nobody@gamma.clove.i2p"), "never")
	if err != nil {
		t.Fatal(err)
	}
	ev := alice.wait(t, "the bounce after darknet_retry_for", 40*time.Second, func(ev xmppclient.Event) bool {
		f, ok := ev.(xmppclient.MessageFailed)
		if ok && f.ID == id {
			t.Fatalf("the retried message bounced too: %v", f)
		}
		return ok && f.ID == lost
	}).(xmppclient.MessageFailed)
	if took := time.Since(t0); took < 8*time.Second || !strings.Contains(ev.Text, "no way to the destination found") {
		t.Errorf("bounce after %v: %q; want it after darknet_retry_for (8 s), with the reason", took, ev.Text)
	}
	t.Logf("unreachable: bounced after %v: %s", time.Since(t0).Round(time.Millisecond), ev.Text)
	if log := a.LogTail(400); !strings.Contains(log, "trying again") || strings.Contains(log, "Traceback") {
		t.Errorf("alpha's log: no retry logged, or a Lua error:\n%s", log)
	}
}

// A link that dies silently (the peer's router restarted: our I2P stream
// keeps resending into its old tunnels) is noticed by the unanswered ping
// that follows every stanza, closed, and what it swallowed is sent again
// over a new link.
func TestDarknetS2SResendsOverDeadLink(t *testing.T) {
	proxy := startNameProxy(t)
	a := startNode(t, "alpha.clove.i2p", proxy, "darknet_ack_timeout = 3\ndarknet_retry_for = 30", prosodytest.WithModule("ping"))
	b := startNode(t, "beta.clove.i2p", proxy, "darknet_retry_for = 30", prosodytest.WithModule("ping"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("alpha's log:\n%s", a.LogTail(80))
		}
	})
	proxy.add(a.Domain, a.S2SAddr)
	proxy.add(b.Domain, b.S2SAddr)
	alice := login(t, a, "alice")
	bob := login(t, b, "bob")
	bobJ := jid.MustParse("bob@" + b.Domain)
	if _, err := alice.c.Send(context.Background(), bobJ, "while the link lives"); err != nil {
		t.Fatal(err)
	}
	bob.wait(t, "the first message", 30*time.Second, body("while the link lives"))

	proxy.restartRouter(b.Domain)
	t0 := time.Now()
	if _, err := alice.c.Send(context.Background(), bobJ, "into a dead link"); err != nil {
		t.Fatal(err)
	}
	bob.wait(t, "the message sent into the dead link", 30*time.Second, body("into a dead link"))
	t.Logf("resent over a new link %v after sending", time.Since(t0).Round(time.Millisecond))
	// Beta's own links broke: it opens a new one to alpha by itself (which
	// over I2P hands alpha beta's fresh lease set).
	waitFor(t, "beta reopening its link to alpha", 20*time.Second, func() bool {
		return strings.Contains(b.LogTail(400), "reopening the link to "+a.Domain)
	})
	if log := a.LogTail(400); !strings.Contains(log, "no answer from "+b.Domain) || strings.Contains(log, "Traceback") {
		t.Errorf("alpha's log: the dead link was not closed for a missing ack, or a Lua error:\n%s", log)
	}
}
