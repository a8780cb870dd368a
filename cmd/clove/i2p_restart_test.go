package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/xmppclient"
)

var ownI2PAddress = regexp.MustCompile(`own I2P address ([a-z2-7]{52}\.b32\.i2p)`)

// Alice logs in over SAM, bob over another router's SOCKS proxy. 200
// messages, and halfway alice's router is killed (SIGKILL), stays down
// while she writes on, and starts again: Clove notices the ended SAM session, makes a new
// one once the router is back, and delivers the outbox. Bob's SQLite then
// holds every message exactly once and alice's outbox is empty; bob's
// reply reaches alice over SAM.
func TestI2PRouterRestartLosesNothing(t *testing.T) {
	// The server is its own inbound gateway (0 hops): on a network of five
	// routers the restarted one is otherwise likely a hop of the server's
	// tunnels, and the server stays unreachable through the dead lease
	// until its tunnels are replaced (> 8 min once) — a fault of the tiny
	// network, not of Clove. Alice's side is what this test is about.
	s := startI2PServer(t, "xmpp-restart", i2pnet.InboundHops(0))
	router := s.net.Client(0)
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	r, took := runI2P(t, alice, "account", "add", aj, "--sam", router.SAMAddr, "--i2p-hops", "1", "--i2p-only")
	if !strings.Contains(r.stderr, "pinned") {
		t.Fatalf("account add over SAM: want the pin reported, stderr %q", r.stderr)
	}
	t.Logf("i2p: account add over SAM (new identity, session, login, pin): %v", took.Round(time.Millisecond))
	runI2P(t, bob, "account", "add", bj, "--proxy", "socks5://"+s.net.Client(1).SOCKSAddr, "--i2p-only")

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	// i2pd 2.45.1 can die, or keep running with its SAM bridge refusing,
	// once a SAM session ends (docs/i2pd.md, "The router dies"): the fresh
	// run of 2026-12-06 18:30 had alice's SAM refused from her first try
	// for all 8 minutes, right after the account add's session ended. The
	// router's fault, not Clove's, and not this test's subject (the router
	// restart below): start it again, loudly, before the sessions begin.
	if err := samAnswers(router.SAMAddr); err != nil {
		t.Logf("i2p: router %d's SAM bridge refuses after the account add (%v): starting the router again (docs/i2pd.md)", router.K, err)
		if s.net.Heal(t); samAnswers(router.SAMAddr) != nil {
			router.Down(true)
			if _, err := router.Up(ctx); err != nil {
				t.Fatalf("router %d could not be started again: %v", router.K, err)
			}
		}
	}
	fast := func(c *xmppclient.Config) {
		c.BackoffMin, c.BackoffMax = 250*time.Millisecond, 2*time.Second
		c.ConnectTimeout = 90 * time.Second
	}
	as := alice.loggedSession(t, ctx, "alice", aj, fast)
	// Bob's session logs too: once (fresh run of 2026-12-06, a loaded
	// machine) the test ended in its first wait for both to be online,
	// with nothing said of which had not come (alice had).
	bs := bob.loggedSession(t, ctx, "bob", bj, fast)
	fresh := make(chan string, 1000)
	bobDone := make(chan struct{})
	go func() {
		defer close(bobDone)
		for ev := range bs.Events() {
			if sv, ok := ev.(chat.Saved); ok && sv.Fresh {
				if m, ok := sv.Event.(xmppclient.MessageReceived); ok {
					fresh <- m.OriginID
				}
			}
		}
	}()
	online := make(chan time.Time, 10)
	aliceGot := make(chan string, 10)
	aliceDone := make(chan struct{})
	go func() {
		defer close(aliceDone)
		for ev := range as.Events() {
			sv, ok := ev.(chat.Saved)
			if !ok {
				continue
			}
			if sc, ok := sv.Event.(xmppclient.StateChanged); ok && sc.State == xmppclient.Online {
				online <- time.Now()
			}
			if sv.Fresh {
				if m, ok := sv.Event.(xmppclient.MessageReceived); ok && !m.Outgoing {
					aliceGot <- m.Body
				}
			}
		}
	}()
	for i, c := range []testSession{as, bs} {
		if err := c.WaitOnline(ctx); err != nil {
			t.Fatalf("%s (%s) is not online: %v", []string{"alice", "bob"}[i], []string{"SAM", "SOCKS"}[i], err)
		}
	}
	<-online

	const n = 200
	to := jid.MustParse(bj)
	seen := map[string]bool{}
	for i := 0; i < n/2; i++ {
		if _, err := as.Send(ctx, to, fmt.Sprintf("numbered %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	receiveOnce(t, fresh, seen, n/2, 2*time.Minute)

	// Router down: the rest is written while it is gone, without waiting.
	var upTook time.Duration
	router.Down(true) // SIGKILL, as a crash
	down := time.Now()
	for i := n / 2; i < n; i++ {
		if _, err := as.Send(ctx, to, fmt.Sprintf("numbered %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // a few failed reconnects
	if p, err := as.Profile().Store().Pending(ctx, aj); err != nil || len(p) < n/2 {
		t.Fatalf("while the router is down alice's outbox holds %d (err %v), want ≥ %d", len(p), err, n/2)
	}
	upTook, err := router.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	t.Logf("i2p: router %d was down %v; back with SOCKS, SAM and tunnels in %v", router.K, up.Sub(down).Round(time.Millisecond), upTook.Round(time.Millisecond))
	var back time.Time
	select {
	case back = <-online:
	case <-ctx.Done():
		t.Fatal("alice did not get back online after the router restart")
	}
	receiveOnce(t, fresh, seen, n, 3*time.Minute)
	t.Logf("i2p: after the router was ready again: alice online in %v, all %d messages at bob in %v",
		back.Sub(up).Round(time.Millisecond), n, time.Since(up).Round(time.Millisecond))
	waitOutboxEmpty(t, ctx, as, aj, time.Minute)
	// And the other way: bob (SOCKS) to alice (SAM).
	if _, err := bs.Send(ctx, jid.MustParse(aj), "got them all"); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-aliceGot:
		if b != "got them all" {
			t.Fatalf("alice got %q", b)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("bob's reply did not reach alice over SAM")
	}

	cancel()
	<-bobDone
	<-aliceDone
	as.done()
	bs.done()
	historyHasEachOnce(t, bob, bj, aj, n)
}

// tWriter writes log lines to the test log, and drops them once the test
// is over (goroutines of a failed test may still log).
type tWriter struct {
	t      *testing.T
	prefix string
	over   *atomic.Bool
}

func newTWriter(t *testing.T, prefix string) tWriter {
	w := tWriter{t: t, prefix: prefix, over: new(atomic.Bool)}
	t.Cleanup(func() { w.over.Store(true) })
	return w
}

func (w tWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // a log racing with the end of the test
	if !w.over.Load() {
		w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// An account added with --keep-i2p-address keeps one I2P identity: its
// keys file is made on the first connect, `account list` shows its address,
// and two separate Clove processes open their SAM sessions with it — the
// router's own console lists that address each time. (Without the flag,
// each session gets a new address.)
func TestI2PKeptAddress(t *testing.T) {
	s := startI2PServer(t, "xmpp-keep")
	router := s.net.Client(1)
	alice := newCLI(t, "pw")
	aj := "alice@" + s.b32
	alice.ok("account", "add", aj, "--sam", router.SAMAddr, "--i2p-hops", "1", "--keep-i2p-address", "--offline")
	if out := alice.ok("account", "list"); !strings.Contains(out, "own I2P address made on first connect") {
		t.Fatalf("account list before the first connect: %q", out)
	}
	var own string
	seen := map[string]bool{} // SAM session IDs of earlier runs
	retried := false
	for run := 1; run <= 2; run++ {
		done := make(chan result, 1)
		t0 := time.Now()
		go func() { done <- alice.run("listen", "--account", aj, "--timeout", "30s") }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var sessions map[string]string
		found := ""
		var ended *result
	poll:
		for {
			if own == "" {
				if m := ownI2PAddress.FindStringSubmatch(alice.ok("account", "list")); m != nil {
					own = m[1]
				}
			}
			sessions, _ = router.SAMSessions(ctx)
			for id, a := range sessions {
				if a == own && own != "" && !seen[id] {
					found = id
				}
			}
			if found != "" {
				break
			}
			if ctx.Err() != nil {
				cancel()
				t.Fatalf("run %d: the router's SAM sessions are %q; none new with the account's kept address %q", run, sessions, own)
			}
			select {
			case r := <-done:
				ended = &r
				break poll
			case <-time.After(250 * time.Millisecond):
			}
		}
		cancel()
		if ended != nil {
			// CI once saw the router itself gone before run 2 (SAM refused
			// from the first try): i2pd 2.45.1 dies now and then
			// (internal/i2pnet, Heal) — the router's fault, not the kept
			// address's. Started again, the run is tried once more; a Clove
			// that kills the router every time still fails here.
			if !retried && s.net.Heal(t) > 0 {
				retried = true
				t.Logf("run %d: the router had died under listen (stderr: %s); the run once more", run, ended.stderr)
				run--
				continue
			}
			// Ended before its session was seen: say how (one failed run
			// in a loaded make test gave no clue).
			t.Fatalf("run %d: listen ended (exit %d) before the router listed its session; sessions %q\nstdout: %s\nstderr: %s\nrouter %d's log:\n%s",
				run, ended.code, sessions, ended.stdout, ended.stderr, router.K, router.LogTail(20))
		}
		seen[found] = true
		t.Logf("i2p: run %d: the router lists a new SAM session (%s) with the address %s after %v", run, found, own, time.Since(t0).Round(time.Millisecond))
		<-done // its outcome does not matter here: a re-used identity can stall on i2pd 2.45.1
	}
}

// samAnswers reports whether a SAM bridge accepts a connection at addr
// (within a few tries over 3 s: the port may be reopening).
func samAnswers(addr string) error {
	var err error
	for range 6 {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return err
}
