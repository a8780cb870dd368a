package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/ui"
)

// startI2PNode makes a node with node.Init (1-hop tunnels) and runs it with
// its own i2pd joined to the package's private I2P network.
func startI2PNode(t *testing.T, n *i2pnet.Network, name string, users ...string) *node.Info {
	t.Helper()
	port := func() int { return freePort(t) }
	dir := filepath.Join(t.TempDir(), name)
	ctx := context.Background()
	info, err := node.Init(ctx, node.InitOptions{Dir: dir, C2SPort: port(), S2SPort: port(),
		SOCKS: fmt.Sprintf("127.0.0.1:%d", port()), Hops: &node.Hops{Length: 1, ServerOutbound: 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := node.AddUser(ctx, dir, u, u+"-pw"); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	s, err := node.Start(rctx, dir, node.RunOptions{I2PDConfig: n.Join(t, filepath.Join(dir, "i2pd"))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-s.Done() })
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := s.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	return info
}

// The echo bot on node B answers alice on node A over I2P: both nodes made
// by node.Init and supervised, each with its own i2pd on the private
// network; the clients log in to their own node on loopback.
func TestCLIBotEchoOverI2PFederation(t *testing.T) {
	prosodytest.Require(t)
	if testing.Short() {
		t.Skip("-short: needs the private I2P network")
	}
	n := i2pnet.Shared(t)
	a := startI2PNode(t, n, "A", "alice")
	b := startI2PNode(t, n, "B", "echo")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, p := range [][2]*node.Info{{a, b}, {b, a}} {
		r, err := i2pnet.WaitReachable(ctx, p[0].SOCKS, p[1].Domain, 5222)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s… reachable through the other node's router after %v", p[1].Domain[:8], r.Took.Round(time.Millisecond))
	}
	alice, bot := newCLI(t, "alice-pw"), newCLI(t, "echo-pw")
	aj, ej := "alice@"+a.Domain, "echo@"+b.Domain
	alice.ok("account", "add", aj, "--server", fmt.Sprintf("127.0.0.1:%d", a.C2SPort))
	bot.ok("account", "add", ej, "--server", fmt.Sprintf("127.0.0.1:%d", b.C2SPort))

	done := make(chan result, 1)
	go func() { done <- bot.run("bot", "echo", "--account", ej, "--count", "1", "--timeout", "3m") }()
	t0 := time.Now()
	const body = "hello echo, over I2P"
	alice.ok("send", "--account", aj, ej, body)
	out := alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "3m", "--json")
	var m jsonMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Body != body || !strings.HasPrefix(m.From, ej) {
		t.Fatalf("alice got %q (%v), want %q back from %s", out, err, body, ej)
	}
	t.Logf("echo over I2P: send + reply back in %v", time.Since(t0).Round(time.Millisecond))
	if r := <-done; r.code != 0 || !strings.Contains(r.stdout, "echoed to "+aj) {
		t.Fatalf("bot echo: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// The wizard's whole path over I2P: "Run my own node" makes node A (its own
// i2pd on the private network, supervised in this process), ends logged in
// as its admin, then "Add the test contact", pointed at an echo bot on node
// B in the role of the seed's hello@, adds it and says hello — and the
// bot's reply comes back to the admin over I2P, into the profile's history.
func TestWizardTestContactPresetGetsTheEchoOverI2P(t *testing.T) {
	prosodytest.Require(t)
	if testing.Short() {
		t.Skip("-short: needs the private I2P network")
	}
	n := i2pnet.Shared(t)
	b := startI2PNode(t, n, "B", "hello")
	hj := "hello@" + b.Domain
	wb, st := newTestWizardBackend(t, hj, "federation@muc."+b.Domain)
	wb.NodeHops = &node.Hops{Length: 1, ServerOutbound: 0}
	sup := wizardNodeInProcess(t, wb, "A", func(dir string) string { return n.Join(t, dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	r, err := wb.RunNode(ctx, ui.NodeForm{Admin: "admin", Password: "admin-pw"})
	domain := r.Domain
	if err != nil {
		t.Fatalf("RunNode: %v", err)
	}
	t.Logf("node A %s… up, admin logged in after %v", domain[:8], time.Since(t0).Round(time.Millisecond))
	// The bot answers once; both nodes' domains reachable before the hello
	// (a first s2s connect inside prosody's timeout needs the lease sets).
	bot := newCLI(t, "hello-pw")
	bot.ok("account", "add", hj, "--server", fmt.Sprintf("127.0.0.1:%d", b.C2SPort))
	done := make(chan result, 1)
	go func() { done <- bot.run("bot", "echo", "--account", hj, "--count", "1", "--timeout", "4m") }()
	for _, p := range [][2]string{{sup.Info().SOCKS, b.Domain}, {b.SOCKS, domain}} {
		if _, err := i2pnet.WaitReachable(ctx, p[0], p[1], 5222); err != nil {
			t.Fatal(err)
		}
	}
	t1 := time.Now()
	text, _, err := wb.AddTestContact(ctx, func(string) {})
	if err != nil || !strings.Contains(text, `"hello" was`) {
		t.Fatalf("AddTestContact: %q %v", text, err)
	}
	aj := "admin@" + domain
	for {
		hist, err := st.History(ctx, aj, hj, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got bool
		for _, m := range hist {
			got = got || (!m.Outgoing && m.Body == "hello")
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no reply from %s in the history: %+v", hj, hist)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("preset: hello sent and the echo back over I2P in %v (%q)", time.Since(t1).Round(time.Millisecond), text)
	if cs, _ := st.Contacts(ctx, aj); len(cs) != 1 || cs[0].JID != hj {
		t.Errorf("contacts: %+v", cs)
	}
	if r := <-done; r.code != 0 || !strings.Contains(r.stdout, "echoed to "+aj) {
		t.Fatalf("bot echo: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}
