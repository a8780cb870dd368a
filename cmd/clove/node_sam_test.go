package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/supervise"
)

// A node on a machine that already runs an I2P router (here a router of
// the private network stands in for the system i2pd): `clove node start
// --sam` runs no i2pd of its own; the node's server tunnels are a SAM
// session with its keys (same .b32.i2p), its outgoing s2s goes through
// that router's SOCKS proxy. Proven by chat both ways with a node that runs
// its own i2pd, and by the tunnels coming back after kill -9.
func TestNodeOverAnotherRoutersSAM(t *testing.T) {
	prosodytest.Require(t)
	if testing.Short() {
		t.Skip("-short: needs the private I2P network")
	}
	n := i2pnet.Shared(t)
	sys := n.Client(1)
	bin := buildClove(t)
	profile := filepath.Join(t.TempDir(), "profile")
	dir := filepath.Join(t.TempDir(), "A")
	port := func() string { return fmt.Sprint(freePort(t)) }
	c2s := port()
	clove, must := binCLI{t, bin, profile}.run, binCLI{t, bin, profile}.ok
	out := must("", "node", "init", "--dir", dir, "--c2s-port", c2s, "--s2s-port", port(), "--socks", sys.SOCKSAddr, "--hops", "1/0")
	domain := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "domain: ", 2)[1], "\n", 2)[0])
	must("alice-pw", "node", "adduser", "--dir", dir, "alice")
	t.Cleanup(func() { clove("", "node", "stop", "--dir", dir) })
	if out, err := clove("", "node", "start", "--dir", dir, "--sam", "127.0.0.1:1"); err == nil || !strings.Contains(out, "SAM bridge at 127.0.0.1:1 does not answer") {
		t.Fatalf("start with a dead SAM bridge: %v\n%s", err, out)
	}
	// B first: its own start-up is not part of the figures below.
	b := startI2PNode(t, n, "B", "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	must("", "node", "start", "--dir", dir, "--sam", sys.SAMAddr)
	st := must("", "node", "status", "--dir", dir)
	// The router answers SESSION CREATE on its 20 s timer: reachable
	// at once (what the lease set lookup alone said) was the bug.
	if !strings.Contains(st, "tunnels: running") || !strings.Contains(st, "prosody: running") || strings.Contains(st, "i2pd") ||
		!strings.Contains(st, "I2P: tunnels building") {
		t.Fatalf("status: %s", st)
	}
	// Status polled until it says reachable, beside B reaching the node
	// for real. Measured on the private network (5 routers, 1-hop
	// tunnels, 2 busy cores), start → session up / status reachable /
	// B reaches it: 20.4 / 20.4 / 20.3 s (before, status said ready
	// 2.6–13 s after start, and B reached the node at 20–58 s).
	type seen struct{ session, reachable time.Duration }
	polled := make(chan seen, 1)
	go func() {
		var s seen
		for ctx.Err() == nil {
			out, _ := clove("", "node", "status", "--dir", dir)
			if s.session == 0 && !strings.Contains(out, "SAM session") && !strings.Contains(out, "SAM tunnels are starting") {
				s.session = time.Since(t0)
			}
			if strings.Contains(out, "I2P: reachable") {
				s.reachable = time.Since(t0)
				if log, _ := os.ReadFile(filepath.Join(dir, "logs", "tunnels.log")); !strings.Contains(string(log), "SAM server session ready") {
					t.Errorf("status says reachable before the SAM session is up: %s", out)
				}
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		polled <- s
	}()
	if _, err := i2pnet.WaitReachable(ctx, b.SOCKS, domain, 5222); err != nil {
		t.Fatalf("the node behind SAM is not reachable: %v\n%s", err, tail(filepath.Join(dir, "logs", "tunnels.log")))
	}
	reached := time.Since(t0)
	p := <-polled
	if p.reachable == 0 {
		t.Fatalf("node status never said reachable; B reached the node %v after start", reached.Round(time.Millisecond))
	}
	t.Logf("node over SAM, start → session up %v, status reachable %v, reached from another router %v",
		p.session.Round(100*time.Millisecond), p.reachable.Round(100*time.Millisecond), reached.Round(100*time.Millisecond))
	if _, err := i2pnet.WaitReachable(ctx, sys.SOCKSAddr, b.Domain, 5222); err != nil {
		t.Fatal(err)
	}

	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj := "alice@"+domain, "bob@"+b.Domain
	alice.ok("account", "add", aj, "--server", "127.0.0.1:"+c2s)
	bob.ok("account", "add", bj, "--server", fmt.Sprintf("127.0.0.1:%d", b.C2SPort))
	chat := func(from, to cli, fj, tj, body string) {
		t.Helper()
		t1 := time.Now()
		done := make(chan string, 1)
		go func() { done <- to.ok("listen", "--account", tj, "--count", "1", "--timeout", "3m", "--json") }()
		time.Sleep(2 * time.Second) // the listener is online: no offline storage in the way
		from.ok("send", "--account", fj, "--timeout", "3m", tj, body)
		var m jsonMessage
		if out := <-done; json.Unmarshal([]byte(out), &m) != nil || m.Body != body || !strings.HasPrefix(m.From, fj) {
			t.Fatalf("%s got %q, want %q from %s", tj, out, body, fj)
		}
		t.Logf("%s → %s over I2P: %v", fj[:8], tj[:6], time.Since(t1).Round(time.Millisecond))
	}
	chat(alice, bob, aj, bj, "out through the system router's SOCKS")
	chat(bob, alice, bj, aj, "in through the SAM tunnels")
	st = must("", "node", "status", "--dir", dir)
	if !strings.Contains(st, "I2P: reachable") || !regexp.MustCompile(`server-to-server: [1-9]\d* incoming, [1-9]\d* outgoing`).MatchString(st) {
		t.Errorf("status after chatting both ways: %s", st)
	}

	// kill -9 the tunnels: the supervisor starts them again, same address,
	// and they tell B (which reached the node before) the new tunnels.
	sts, _, _ := supervise.ReadStatus(dir)
	syscall.Kill(sts.Children[0].PID, syscall.SIGKILL)
	t2 := time.Now()
	logFile := filepath.Join(dir, "logs", "tunnels.log")
	deadline := time.Now().Add(3 * time.Minute) // a new session, then up to 2 min telling peers
	restarted := regexp.MustCompile(`restarted [1-9]\d* times`)
	for {
		// i2pd 2.45.1 sometimes dies when a SAM session ends abruptly, as
		// here: then the router is started again (loudly, with its log),
		// and the tunnels, restarted meanwhile, find it back.
		i2pnet.Shared(t)
		b, _ := os.ReadFile(logFile)
		st := must("", "node", "status", "--dir", dir)
		if strings.Contains(string(b), "told peers the node's new tunnels") && strings.Contains(st, "tunnels: running (pid") && restarted.MatchString(st) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tunnels not back: %s\n%s", st, tail(logFile))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("tunnels killed → session again, peers told, in %v", time.Since(t2).Round(time.Millisecond))
	if _, err := i2pnet.WaitReachable(ctx, b.SOCKS, domain, 5222); err != nil {
		t.Fatalf("not reachable after the tunnels' restart: %v\n%s", err, tail(logFile))
	}
	t.Logf("tunnels killed → reachable again in %v", time.Since(t2).Round(time.Millisecond))
	chat(bob, alice, bj, aj, "after the tunnels came back, in")
	chat(alice, bob, aj, bj, "after the tunnels came back, out")
	t.Logf("tunnels killed → chat both ways again in %v", time.Since(t2).Round(time.Millisecond))
}

// tail returns the last lines of a log file, for failure messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}
