package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/node"
)

// BenchmarkNodeSideBySide measures the bundled node on the private I2P
// network with the real binary, and prints:
//   - `clove node init` → the node's domain reachable from another router
//     (init, `node start`, its own i2pd joining the network, tunnels,
//     lease set published, XMPP stream header back through I2P);
//   - idle RSS after 10 s of the node (Clove's supervisor + prosody + i2pd)
//     against the same prosody and i2pd, same configs, started by hand as
//     in the seed guide; goal ≤ 1.1×.
//
// Run it with `make bench`.
func BenchmarkNodeSideBySide(b *testing.B) {
	prosodytest.Require(b)
	n := i2pnet.Shared(b)
	bin := buildClove(b)
	profile := filepath.Join(b.TempDir(), "profile")
	dir := filepath.Join(b.TempDir(), "node")
	port := func() string { return strconv.Itoa(freePort(b)) }
	clove := func(args ...string) string {
		b.Helper()
		cmd := exec.Command(bin, append([]string{"--profile", profile}, args...)...)
		cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=", "LANG=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("clove %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t0 := time.Now()
	out := clove("node", "init", "--dir", dir, "--c2s-port", port(), "--s2s-port", port(), "--socks", "127.0.0.1:"+port(), "--hops", "1/0")
	domain := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "domain: ", 2)[1], "\n", 2)[0])
	initTook := time.Since(t0)
	network := filepath.Join(b.TempDir(), "net.conf")
	if err := os.WriteFile(network, []byte(n.Join(b, filepath.Join(dir, "i2pd"))), 0o600); err != nil {
		b.Fatal(err)
	}
	clove("node", "start", "--dir", dir, "--i2pd-network", network)
	stopped := false
	b.Cleanup(func() {
		if !stopped {
			exec.Command(bin, "--profile", profile, "node", "stop", "--dir", dir).Run()
		}
	})
	startTook := time.Since(t0)
	r, err := i2pnet.WaitReachable(ctx, n.Client(0).SOCKSAddr, domain, 5222)
	if err != nil {
		b.Fatalf("the node's domain is not reachable: %v", err)
	}
	reachTook := time.Since(t0)

	time.Sleep(10 * time.Second)
	cloveProcs := nodeProcs(b, dir)
	cloveRSS := sumRSS(b, cloveProcs)
	clove("node", "stop", "--dir", dir)
	stopped = true

	// The same two daemons, same configs, by hand.
	if _, err := node.Load(dir); err != nil {
		b.Fatal(err)
	}
	i2pdDir := filepath.Join(dir, "i2pd")
	manual := []*exec.Cmd{
		exec.Command("i2pd", "--datadir="+i2pdDir, "--conf="+filepath.Join(i2pdDir, "i2pd.conf"),
			"--tunconf="+filepath.Join(i2pdDir, "tunnels.conf"), "--tunnelsdir="+filepath.Join(i2pdDir, "tunnels.d"),
			"--pidfile="+filepath.Join(i2pdDir, "i2pd.pid")),
		exec.Command("prosody", "--config", node.ProsodyConfig(dir), "-F"),
	}
	for _, c := range manual {
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { c.Process.Signal(syscall.SIGTERM); c.Wait() }()
	}
	// Sampled as long after the start as the node was (reachable + 10 s).
	// Not probed: the same identity under a restarted router is reached
	// only once peers drop its cached lease set (9 min here once).
	time.Sleep(reachTook + 10*time.Second)
	for _, c := range manual {
		if err := c.Process.Signal(syscall.Signal(0)); err != nil {
			b.Fatalf("%s by hand died: %v", c.Path, err)
		}
	}
	manualRSS := sumRSS(b, map[string]int{"i2pd": manual[0].Process.Pid, "prosody": manual[1].Process.Pid})

	total := func(m map[string]int) (t int) {
		for _, v := range m {
			t += v
		}
		return t
	}
	fmt.Printf("\n%-62s %s\n", "bundled node on the private I2P network (1-hop tunnels)", "figure")
	fmt.Printf("%-62s %v\n", "clove node init", initTook.Round(time.Millisecond))
	fmt.Printf("%-62s %v\n", "init → node start returned (prosody answering)", startTook.Round(time.Millisecond))
	fmt.Printf("%-62s %v (%d SOCKS attempts)\n", "init → domain reachable from another router over I2P", reachTook.Round(time.Millisecond), r.Attempts)
	fmt.Printf("%-62s %s = %.1f MiB\n", "idle RSS after 10 s, Clove's node", fmtRSS(cloveRSS), float64(total(cloveRSS))/1024)
	fmt.Printf("%-62s %s = %.1f MiB\n", "idle RSS, same configs, prosody + i2pd by hand, as long up", fmtRSS(manualRSS), float64(total(manualRSS))/1024)
	ratio := float64(total(cloveRSS)) / float64(total(manualRSS))
	fmt.Printf("%-62s %.2fx (goal ≤ 1.1x)\n", "ratio", ratio)
	b.ReportMetric(ratio, "rss-ratio")
	b.ReportMetric(reachTook.Seconds(), "init-to-reachable-s")
}

// nodeProcs finds the node's processes (the supervisor, prosody, i2pd) by
// the node directory on their command lines.
func nodeProcs(tb testing.TB, dir string) map[string]int {
	tb.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	procs := map[string]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cl), dir) {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00")
		name := filepath.Base(args[0])
		switch {
		case strings.Contains(name, "clove"):
			procs["clove"] = pid
		case strings.Contains(name, "i2pd"):
			procs["i2pd"] = pid
		case strings.Contains(string(cl), "prosody"):
			procs["prosody"] = pid
		}
	}
	if len(procs) != 3 {
		tb.Fatalf("node processes: %v, want clove, prosody and i2pd", procs)
	}
	return procs
}

// sumRSS reads VmRSS (KiB) of each process.
func sumRSS(tb testing.TB, procs map[string]int) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for name, pid := range procs {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = int(kbField(st, "VmRSS:"))
	}
	return out
}

func fmtRSS(m map[string]int) string {
	var parts []string
	for _, k := range []string{"clove", "prosody", "i2pd"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, float64(v)/1024))
		}
	}
	return strings.Join(parts, " + ")
}
