package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// i2pServer is a prosody whose only domain is the .b32.i2p name of an i2pd
// server tunnel to its c2s port, on the package's private I2P network, with
// users alice and bob; it returns once both client routers get its stream
// header back through I2P.
type i2pServer struct {
	net *i2pnet.Network
	srv *prosodytest.Server
	b32 string
	// dest is the server's destination (b32's keys): another tunnel can
	// share it (i2pnet.Keys).
	dest i2pnet.Destination
}

func startI2PServer(t testing.TB, name string, opts ...i2pnet.TunnelOption) i2pServer {
	t.Helper()
	return startI2PServerWith(t, name, nil, opts...)
}

// startI2PServerWith is startI2PServer with more prosody options (a
// module: mod_vcard for profiles).
func startI2PServerWith(t testing.TB, name string, popts []prosodytest.Option, opts ...i2pnet.TunnelOption) i2pServer {
	t.Helper()
	prosodytest.Require(t)
	n := i2pnet.Shared(t)
	t0 := time.Now()
	// The name first: prosody's domain and certificate need it.
	dest := n.NewDestination(t)
	// PEP: the accounts publish their OMEMO devices (TestCLIChatOverI2P
	// chats encrypted).
	srv := prosodytest.Start(t, append([]prosodytest.Option{prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"), prosodytest.WithPEP(),
		prosodytest.Config(`Component "muc.` + dest.B32 + `" "muc"`)}, popts...)...)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	if got := n.ServerTunnel(t, name, srv.C2SAddr, append([]i2pnet.TunnelOption{i2pnet.Keys(dest)}, opts...)...); got != dest.B32 {
		t.Fatalf("server tunnel %s, want %s", got, dest.B32)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := range 2 {
		r, err := i2pnet.WaitReachable(ctx, n.Client(i).SOCKSAddr, dest.B32, 5222)
		if err != nil {
			t.Fatalf("prosody behind %s: %v\n%s", dest.B32, err, n.Server().LogTail(20))
		}
		t.Logf("i2p: %s reachable from router %d %v after the tunnel was added (%d SOCKS attempts; the good one took %v)",
			dest.B32[:8]+"….b32.i2p", n.Client(i).K, time.Since(t0).Round(time.Millisecond), r.Attempts, r.Last.Round(100*time.Microsecond))
	}
	return i2pServer{net: n, srv: srv, b32: dest.B32, dest: dest}
}

// cliTries bounds retries of a CLI command over I2P. i2pd 2.45.1 can keep a
// first stream to a destination dead for minutes (see internal/i2pnet);
// clients here sit on non-floodfill routers, where it was not seen in the
// runs so far (0 retries), and each failed login is bounded by Clove's
// 30 s connect timeout — so at most 3 tries, ~90 s.
const cliTries = 3

// runI2P runs a clove command, again after a failure (exit 1), at most
// cliTries times, and returns the last result and the time it took. Before
// trying again it starts any router of the shared network that died, loudly
// (i2pd 2.45.1 was seen gone mid-test: a client router right after a SAM
// session of the test before, its SOCKS port refused for the 4.5 minutes of
// the tries that followed).
func runI2P(t *testing.T, c cli, args ...string) (result, time.Duration) {
	t.Helper()
	var r result
	var took time.Duration
	for try := 1; try <= cliTries; try++ {
		if try > 1 {
			i2pnet.Shared(t) // restarts dead routers, with their logs
		}
		t0 := time.Now()
		r = c.run(args...)
		took = time.Since(t0)
		if r.code != 1 {
			break
		}
		t.Logf("clove %s: try %d failed after %v: %s", args[0], try, took.Round(time.Millisecond), strings.TrimSpace(r.stderr))
	}
	if r.code != 0 {
		t.Fatalf("clove %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r, took
}

// Chat through real i2pd routers: alice and bob each use another client
// router's SOCKS proxy, the server is known only by its .b32.i2p name, and
// I2P-only mode is on. Messages go both ways; the self-signed certificate
// of the .b32.i2p server is pinned on first use.
func TestCLIChatOverI2P(t *testing.T) {
	s := startI2PServer(t, "xmpp-chat")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	for i, u := range []struct {
		c cli
		j string
	}{{alice, aj}, {bob, bj}} {
		r, took := runI2P(t, u.c, "account", "add", u.j, "--proxy", "socks5://"+s.net.Client(i).SOCKSAddr, "--i2p-only")
		fp := xmppclient.FormatFingerprint(s.srv.CertFingerprint)
		if !strings.Contains(r.stderr, "pinned") || !strings.Contains(r.stderr, s.b32) || !strings.Contains(r.stderr, fp) {
			t.Fatalf("account add %s: want the pin of %s (%s) reported, stderr: %q", u.j, s.b32, fp, r.stderr)
		}
		// …and stored: account list shows it (its first 16 hex digits).
		if out := u.c.ok("account", "list"); !strings.Contains(out, "pin "+s.srv.CertFingerprint[:16]) {
			t.Fatalf("account list does not show the stored pin %s: %q", fp, out)
		}
		t.Logf("i2p: account add %s (login over I2P via router %d, TLS, SCRAM, pin): %v", u.j[:12]+"…", s.net.Client(i).K, took.Round(time.Millisecond))
	}

	// The first message goes in plaintext: bob has never run a session, so
	// he has no OMEMO device yet. His session (the listen) publishes one,
	// and from then on both ways are OMEMO-encrypted through I2P.
	for _, d := range []struct {
		from, to   cli
		fj, tj, bd string
		encrypted  bool
	}{
		{alice, bob, aj, bj, "hello bob, over I2P", false},
		{bob, alice, bj, aj, "hello alice, over I2P too, encrypted", true},
		{alice, bob, aj, bj, "and back to bob, encrypted", true},
	} {
		_, sendTook := runI2P(t, d.from, "send", "--account", d.fj, d.tj, d.bd)
		r, listenTook := runI2P(t, d.to, "listen", "--account", d.tj, "--count", "1", "--timeout", "90s", "--json")
		var m jsonMessage
		if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &m); err != nil || m.Body != d.bd || !strings.HasPrefix(m.From, d.fj) {
			t.Fatalf("%s got %q (%v), want %q from %s", d.tj, r.stdout, err, d.bd, d.fj)
		}
		if m.Encrypted != d.encrypted {
			t.Errorf("%q: encrypted %v, want %v", d.bd, m.Encrypted, d.encrypted)
		}
		t.Logf("i2p: %s → %s (encrypted %v): send (login + message + server ack) %v, listen (login + delivery) %v",
			strings.Split(d.fj, "@")[0], strings.Split(d.tj, "@")[0], m.Encrypted, sendTook.Round(time.Millisecond), listenTook.Round(time.Millisecond))
	}
}
