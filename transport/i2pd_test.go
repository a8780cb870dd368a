package transport

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pdconf"
)

// i2pdRouter is a lone i2pd started for a test: private network id 99, no
// reseed, every service on a free 127.0.0.1 port. Alone it cannot reach any
// destination, but its SOCKS5 proxy and SAM bridge answer for real.
type i2pdRouter struct {
	Dir     string
	SOCKS   string
	SAM     string
	Console string
}

// requireI2PD returns the i2pd binary, skipping the test when it is missing
// (failing instead when CI is set: CI must have it).
func requireI2PD(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no real i2pd")
	}
	p, err := exec.LookPath("i2pd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("i2pd is not installed but CI is set: install it (apt-get install i2pd): %v", err)
		}
		t.Skip("i2pd not installed")
	}
	return p
}

// freePorts reserves n distinct loopback ports (released before use; a
// clash is possible but unlikely).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// startI2PD starts a lone i2pd and waits until its SOCKS5 proxy and SAM
// bridge answer. It is killed when the test ends.
func startI2PD(t testing.TB) *i2pdRouter {
	t.Helper()
	bin := requireI2PD(t)
	dir := t.TempDir()
	ports := freePorts(t, 4)
	r := &i2pdRouter{
		Dir:     dir,
		Console: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		SOCKS:   fmt.Sprintf("127.0.0.1:%d", ports[2]),
		SAM:     fmt.Sprintf("127.0.0.1:%d", ports[3]),
	}
	conf := filepath.Join(dir, "i2pd.conf")
	tunconf := filepath.Join(dir, "tunnels.conf")
	// The fixture's router keeps to itself: a private network id, NTCP2
	// on loopback, unpublished, no reseed, no clock sync (its old
	// hand-written text left both on: HTTPS reseed and NTP lookups aimed
	// at the real network). The address book stays on: i2pd 2.45.1's SAM
	// bridge needs it (docs/i2pd.md, i2pd 2.45.1 traps).
	net := i2pdconf.Isolated("127.0.0.1", ports[0])
	net.Bandwidth, net.Addressbook = "L", true
	text := i2pdconf.Conf{
		Header:  "written by transport's i2pd test fixture",
		LogFile: filepath.Join(dir, "i2pd.log"),
		Net:     &net,
		Console: ports[1], ConsoleAnyHost: true,
		SOCKS: &i2pdconf.Proxy{Port: ports[2], Lengths: &i2pdconf.Lengths{Inbound: 1, Outbound: 1}},
		SAM:   ports[3],
	}.Text()
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tunconf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--datadir="+dir, "--conf="+conf, "--tunconf="+tunconf,
		"--pidfile="+filepath.Join(dir, "i2pd.pid"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting i2pd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); out.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // SIGKILL: nothing to save, and quick
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, errS := probeSOCKS(ctx, r.SOCKS)
		_, errM := probeSAM(ctx, r.SAM)
		cancel()
		if errS == nil && errM == nil {
			return r
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("i2pd exited during start-up (%v):\n%s", err, r.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("i2pd not ready after 30 s (SOCKS: %v; SAM: %v):\n%s", errS, errM, r.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *i2pdRouter) logTail() string {
	var b strings.Builder
	for _, name := range []string{"stdout.txt", "i2pd.log"} {
		data, _ := os.ReadFile(filepath.Join(r.Dir, name))
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, data)
	}
	return b.String()
}
