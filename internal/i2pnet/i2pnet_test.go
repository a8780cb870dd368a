package i2pnet

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestB32KnownVector(t *testing.T) {
	// A 387-byte identity with a NULL certificate: the hash covers
	// exactly those bytes.
	id := make([]byte, 400)
	for i := range id {
		id[i] = byte(i)
	}
	id[384], id[385], id[386] = 0, 0, 0
	got, err := B32(id)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := B32(id[:387])
	if got != want || len(got) != 52+len(".b32.i2p") || !strings.HasSuffix(got, "q.b32.i2p") && !strings.HasSuffix(got, "a.b32.i2p") {
		t.Fatalf("B32 = %q (of the first 387 bytes: %q)", got, want)
	}
	id[386] = 7 // a 7-byte certificate: 394 bytes of identity
	if _, err := B32(id[:390]); err == nil {
		t.Fatal("a truncated identity was accepted")
	}
}

// The namespace is ours: only lo, with the router addresses.
func TestNamespace(t *testing.T) {
	requireNamespace(t)
	out, err := runCmd("ip", "-o", "addr", "show")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(strings.Fields(line)[1], "lo") {
			t.Fatalf("an interface other than lo in the test namespace: %s", line)
		}
	}
	if !strings.Contains(out, "198.18.0.1/32") {
		t.Fatalf("198.18.0.1 missing:\n%s", out)
	}
}

// The whole chain for real: a prosody serving only its .b32.i2p name behind
// a server tunnel, reached through the SOCKS proxies of both client routers,
// with the name computed before i2pd loaded the keys (checked against the
// router's own console).
func TestPrivateNetworkReachesProsody(t *testing.T) {
	n := Shared(t)
	t0 := time.Now()
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"))
	if got := n.ServerTunnel(t, "xmpp-probe", srv.C2SAddr, Keys(dest)); got != dest.B32 {
		t.Fatalf("ServerTunnel = %s, want %s", got, dest.B32)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 2 {
		c := n.Client(i)
		wg.Go(func() {
			r, err := WaitReachable(ctx, c.SOCKSAddr, dest.B32, 5222)
			if err != nil {
				t.Errorf("router %d: %v\n%s", c.K, err, n.Server().LogTail(20))
				return
			}
			t.Logf("router %d → %s: XMPP stream header back %v after the tunnel was added (%d attempts, last %v)",
				c.K, dest.B32[:8], r.Took.Round(time.Millisecond), r.Attempts, r.Last.Round(time.Millisecond))
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	warm, err := WaitReachable(ctx, n.Client(0).SOCKSAddr, dest.B32, 5222)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm connect + stream header: %v; whole test %v", warm.Took.Round(100*time.Microsecond), time.Since(t0).Round(time.Millisecond))
	if page := console(t, n.Server(), "/?page=i2p_tunnels"); !strings.Contains(page, dest.B32) {
		t.Errorf("the server router's console does not list %s", dest.B32)
	}
}

// A network of its own (not the shared one) with the smallest size, and
// its clean shutdown: every i2pd exits and its ports close.
func TestStartAndStop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	n := Start(t, Routers(3), Floodfills(1))
	if len(n.Routers) != 3 || !n.Routers[0].Floodfill || n.Routers[1].Floodfill || n.Client(0) != n.Routers[1] || n.Client(1) != n.Routers[1] || n.Server() != n.Routers[2] {
		t.Fatalf("roles: %+v", n.Routers)
	}
	t0 := time.Now()
	n.Stop()
	t.Logf("stopped 3 routers in %v", time.Since(t0).Round(time.Millisecond))
	for _, r := range n.Routers {
		if r.cmd != nil || !r.exited() {
			t.Errorf("router %d still running", r.K)
		}
		if err := probeServices(context.Background(), r.SOCKSAddr, r.SAMAddr); err == nil {
			t.Errorf("router %d: SOCKS and SAM still answer after Stop", r.K)
		}
	}
	n.Stop() // idempotent
}

// TestI2PDemo keeps a network and a prosody behind a server tunnel running
// until ^C, and prints what to paste to chat through it (make i2p-demo).
func TestI2PDemo(t *testing.T) {
	if os.Getenv("CLOVE_I2P_DEMO") != "1" {
		t.Skip("set CLOVE_I2P_DEMO=1 (make i2p-demo)")
	}
	n := Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"), prosodytest.WithMAM())
	srv.CreateUser(t, "alice", "demo")
	srv.CreateUser(t, "bob", "demo")
	n.ServerTunnel(t, "xmpp", srv.C2SAddr, Keys(dest))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	r, err := WaitReachable(wctx, n.Client(0).SOCKSAddr, dest.B32, 5222)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WaitReachable(ctx, n.Client(1).SOCKSAddr, dest.B32, 5222); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	bin := filepath.Join(filepath.Dir(filepath.Dir(wd)), "bin", "clove")
	enter := fmt.Sprintf("nsenter -t %d -U -n --preserve-credentials --", os.Getpid())
	var b strings.Builder
	fmt.Fprintf(&b, "\n=== Clove I2P demo: %d routers (netid 99), prosody for %s reachable in %v ===\n", len(n.Routers), dest.B32, r.Took.Round(time.Second))
	fmt.Fprintf(&b, "Everything lives in this test's network namespace; enter it with nsenter (build first: make build).\n")
	fmt.Fprintf(&b, "Users alice and bob, password demo. In another terminal:\n\n")
	fmt.Fprintf(&b, "export CLOVE_PASSWORD=demo\n")
	for i, u := range []string{"alice", "bob"} {
		fmt.Fprintf(&b, "%s %s --profile /tmp/clove-demo-%s account add %s@%s --proxy socks5://%s --i2p-only\n", enter, bin, u, u, dest.B32, n.Client(i).SOCKSAddr)
	}
	fmt.Fprintf(&b, "%s %s --profile /tmp/clove-demo-alice send --account alice@%[3]s bob@%[3]s 'hello over I2P'\n", enter, bin, dest.B32)
	fmt.Fprintf(&b, "%s %s --profile /tmp/clove-demo-bob listen --account bob@%s --count 1\n", enter, bin, dest.B32)
	fmt.Fprintf(&b, "\nRouter consoles (inside the namespace): ")
	for _, rt := range n.Routers {
		fmt.Fprintf(&b, "%s ", rt.ConsoleAddr)
	}
	fmt.Fprintf(&b, "\nPress ^C to stop.\n")
	fmt.Fprint(os.Stdout, b.String())
	<-ctx.Done()
}

func console(t *testing.T, r *Router, path string) string {
	t.Helper()
	page, err := r.console(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func runCmd(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// A router of the shared network that died between tests (here: SIGKILL
// behind the fixture's back) is started again by the next Shared call.
func TestSharedHealsADeadRouter(t *testing.T) {
	n := Shared(t)
	r := n.Client(1)
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-r.done
	n2 := Shared(t)
	if n2 != n || r.exited() {
		t.Fatalf("router %d still dead after Shared", r.K)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := probeServices(ctx, r.SOCKSAddr, r.SAMAddr); err != nil {
		t.Fatalf("router %d back but not serving: %v", r.K, err)
	}
}
