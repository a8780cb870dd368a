package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/supervise"
)

// binCLI runs the built clove binary on one profile, the password in
// CLOVE_PASSWORD.
type binCLI struct {
	t            *testing.T
	bin, profile string
}

func (c binCLI) run(pw string, args ...string) (string, error) {
	cmd := exec.Command(c.bin, append([]string{"--profile", c.profile}, args...)...)
	cmd.Env = append(os.Environ(), "CLOVE_PASSWORD="+pw, "DBUS_SESSION_BUS_ADDRESS=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c binCLI) ok(pw string, args ...string) string {
	c.t.Helper()
	out, err := c.run(pw, args...)
	if err != nil {
		c.t.Fatalf("clove %v: %v\n%s", args, err, out)
	}
	return out
}

// The node commands through the real binary: init, adduser, start (in the
// background), a login as the admin, stop. The node's i2pd is kept off any
// network with --i2pd-network (private id, no reseed).
func TestNodeLifecycleWithTheRealBinary(t *testing.T) {
	prosodytest.Require(t)
	requireI2PD(t)
	bin := buildClove(t)
	profile := filepath.Join(t.TempDir(), "profile")
	dir := filepath.Join(t.TempDir(), "node")
	port := func() string { return fmt.Sprint(freePort(t)) }
	c2s := port()
	network := filepath.Join(t.TempDir(), "net.conf")
	os.WriteFile(network, []byte(offNetworkI2PD(freePort(t))), 0o600)
	clove, must := binCLI{t, bin, profile}.run, binCLI{t, bin, profile}.ok
	out := must("", "node", "init", "--dir", dir, "--c2s-port", c2s, "--s2s-port", port(), "--socks", "127.0.0.1:"+port())
	domain := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "domain: ", 2)[1], "\n", 2)[0])
	must("admin-pw", "node", "adduser", "--dir", dir, "admin")
	t.Cleanup(func() { clove("", "node", "stop", "--dir", dir) })
	t0 := time.Now()
	must("", "node", "start", "--dir", dir, "--i2pd-network", network)
	t.Logf("node start returned after %v", time.Since(t0))
	if st := must("", "node", "status", "--dir", dir); !strings.Contains(st, "running") || !strings.Contains(st, "admin@"+domain) || !strings.Contains(st, "answering") ||
		!strings.Contains(st, "I2P: no peers yet") || !strings.Contains(st, "server-to-server: 0 incoming, 0 outgoing") {
		t.Fatalf("status: %s", st)
	}
	if out, err := clove("", "node", "start", "--dir", dir, "--i2pd-network", network); err == nil || !strings.Contains(out, "already runs") {
		t.Fatalf("second start: %v %s", err, out)
	}
	// The resident supervisor is the small clove-node, not clove.
	sup := supervise.RunningPID(dir)
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", sup)); strings.TrimSpace(string(comm)) != "clove-node" {
		t.Errorf("the supervisor (pid %d) is %q, want clove-node", sup, comm)
	}
	// kill -9 prosody: the supervisor restarts it; status says so.
	// Three children: the router, prosody, and the dispatcher of the
	// streams to I2P port 0 (SAM clients').
	st, _, err := supervise.ReadStatus(dir)
	if err != nil || len(st.Children) != 3 || st.Children[1].Name != "prosody" || !st.Children[1].Running ||
		st.Children[2].Name != "dispatch" || !st.Children[2].Running {
		t.Fatalf("status file: %+v %v", st, err)
	}
	syscall.Kill(st.Children[1].PID, syscall.SIGKILL)
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := must("", "node", "status", "--dir", dir)
		if strings.Contains(out, "prosody: running") && strings.Contains(out, "restarted 1 times, last exit: signal: killed") && strings.Contains(out, "i2pd: running") && strings.Contains(out, "clients: 127.0.0.1:"+c2s+" (answering)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prosody not restarted: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	st, _, _ = supervise.ReadStatus(dir)
	// The admin logs in to the node with Clove (certificate pinned).
	out = must("admin-pw", "account", "add", "admin@"+domain, "--server", "127.0.0.1:"+c2s)
	if !strings.Contains(out, "pinned") {
		t.Fatalf("account add: %s", out)
	}
	must("", "node", "stop", "--dir", dir)
	if st := must("", "node", "status", "--dir", dir); !strings.Contains(st, "stopped") || !strings.Contains(st, "not answering") || !strings.Contains(st, "prosody: not running") {
		t.Fatalf("status after stop: %s", st)
	}
	for _, c := range st.Children {
		if syscall.Kill(c.PID, 0) == nil {
			t.Errorf("%s (pid %d) still runs after node stop", c.Name, c.PID)
		}
	}
}

// node init --hops sets the tunnel lengths; node serve adds a clearnet
// name the node also serves (for darknet_map), with users of its own.
func TestNodeHopsAndServe(t *testing.T) {
	prosodytest.Require(t)
	if _, err := exec.LookPath("i2pd"); err != nil {
		t.Skip("i2pd not installed")
	}
	c := newCLI(t, "carol-pw")
	dir := filepath.Join(t.TempDir(), "node")
	port := func() string { return fmt.Sprint(freePort(t)) }
	c.fails(2, "--hops", "node", "init", "--dir", dir, "--hops", "9")
	c.ok("node", "init", "--dir", dir, "--c2s-port", port(), "--s2s-port", port(), "--socks", "127.0.0.1:"+port(), "--hops", "1/0")
	tun, err := os.ReadFile(filepath.Join(dir, "i2pd", "tunnels.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// Five tunnels on the node's destination: the dispatcher (port 0),
	// c2s, s2s, HTTP (uploads) and direct TLS (XEP-0368).
	if strings.Count(string(tun), "inbound.length = 1") != 5 || strings.Count(string(tun), "outbound.length = 0") != 5 {
		t.Fatalf("tunnels.conf for --hops 1/0:\n%s", tun)
	}
	c.fails(1, "does not serve", "node", "adduser", "--dir", dir, "carol@bobs.example")
	if out := c.ok("node", "serve", "--dir", dir, "bobs.example"); !strings.Contains(out, "bobs.example") {
		t.Fatalf("node serve: %q", out)
	}
	if out := c.ok("node", "adduser", "--dir", dir, "carol@bobs.example"); !strings.Contains(out, "added carol@bobs.example") {
		t.Fatalf("adduser: %q", out)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "prosody", "prosody.cfg.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `VirtualHost "bobs.example"`) || !strings.Contains(string(cfg), "bobs.example.crt") {
		t.Fatalf("prosody config lacks the served name:\n%s", cfg)
	}
}

// offNetworkI2PD is the network part of an i2pd config that keeps a node's
// router off every network: a private network id, loopback, nothing
// published, no reseed, no clock sync, an address book that never fetches.
func offNetworkI2PD(port int) string {
	return fmt.Sprintf("netid = 99\nhost = 127.0.0.1\nport = %[1]d\nnat = false\n[ntcp2]\nenabled = true\npublished = false\nport = %[1]d\n[ssu2]\nenabled = false\n[reseed]\nverify = false\nurls = https://127.0.0.1:1/\nthreshold = 0\n[nettime]\nenabled = false\n[addressbook]\nenabled = true\nsubscriptions = http://nonexistent.i2p/hosts.txt\n", port)
}

// The router choice for node start/run: --sam names another router's SAM
// bridge and excludes --own-router and a private network; a SAM bridge
// that does not answer is a plain error, nothing started.
func TestNodeRouterChoiceErrors(t *testing.T) {
	c := newCLI(t, "")
	dir := filepath.Join(t.TempDir(), "node")
	net := filepath.Join(t.TempDir(), "net.conf")
	os.WriteFile(net, []byte("netid = 99\n"), 0o600)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"node", "start", "--dir", dir, "--sam", "127.0.0.1:7656", "--own-router"}, 2, "--sam uses another router"},
		{[]string{"node", "run", "--dir", dir, "--sam", "127.0.0.1:7656", "--i2pd-network", net}, 2, "--sam uses another router"},
		{[]string{"node", "start", "--dir", dir, "--sam", "127.0.0.1:1"}, 1, "clove node init"}, // no node yet
	} {
		c.fails(tc.code, tc.want, tc.args...)
	}
}

// Without clove-node beside clove (or on PATH), node start runs the same
// supervisor in clove: the plan it wrote, the children up, stop works.
func TestNodeStartWithoutCloveNode(t *testing.T) {
	prosodytest.Require(t)
	requireI2PD(t)
	if _, err := exec.LookPath("clove-node"); err == nil {
		t.Skip("clove-node is on PATH")
	}
	bin := buildClove(t)
	if err := os.Remove(filepath.Join(filepath.Dir(bin), "clove-node")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "node")
	network := filepath.Join(t.TempDir(), "net.conf")
	os.WriteFile(network, []byte(offNetworkI2PD(freePort(t))), 0o600)
	c := binCLI{t, bin, filepath.Join(t.TempDir(), "profile")}
	port := func() string { return fmt.Sprint(freePort(t)) }
	c.ok("", "node", "init", "--dir", dir, "--c2s-port", port(), "--s2s-port", port(), "--socks", "127.0.0.1:"+port())
	t.Cleanup(func() { c.run("", "node", "stop", "--dir", dir) })
	c.ok("", "node", "start", "--dir", dir, "--i2pd-network", network)
	sup := supervise.RunningPID(dir)
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", sup)); strings.TrimSpace(string(comm)) != "clove" {
		t.Errorf("the supervisor (pid %d) is %q, want clove", sup, comm)
	}
	if st := c.ok("", "node", "status", "--dir", dir); !strings.Contains(st, "i2pd: running") || !strings.Contains(st, "prosody: running") {
		t.Fatalf("status: %s", st)
	}
	c.ok("", "node", "stop", "--dir", dir)
}

// requireI2PD skips a test that runs i2pd where it is not installed; in CI
// (where make deps installs it) its absence fails the test instead.
func requireI2PD(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("i2pd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("i2pd is missing (make deps)")
		}
		t.Skip("i2pd not installed")
	}
}
