package node

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// portPool hands a test ports on 127.0.0.1 below the kernel's ephemeral
// range (32768 and up on Linux), each once: a port the nodes under test
// pick for themselves (their routers' consoles and SAM bridges, the
// key-making i2pd) comes from the kernel's range, so it can never be one
// of these, and two nodes' ports never collide either. Each port is
// checked free when handed out.
type portPool struct {
	mu   sync.Mutex
	next int
}

func newPortPool() *portPool { return &portPool{next: 20000 + os.Getpid()%5000} }

func (p *portPool) take(t *testing.T) int {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for ; p.next < 32768; p.next++ {
		if !slices.Contains(dispatchI2PPorts(), p.next) && !PortInUse(p.next) {
			p.next++
			return p.next - 1
		}
	}
	t.Fatal("no free port left below 32768")
	return 0
}

// The ports picked at each start are none of the node's own, and all
// different, even when the kernel offers one of those first.
func TestPickLoopbackPortsAvoidsTaken(t *testing.T) {
	for range 20 {
		// What the kernel gives next is unknown: take the node's ports
		// from what it just gave, so the pick meets them.
		first, err := pickLoopbackPorts(6, nil)
		if err != nil {
			t.Fatal(err)
		}
		taken := first[:4]
		got, err := pickLoopbackPorts(2, taken)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] == got[1] || slices.Contains(taken, got[0]) || slices.Contains(taken, got[1]) {
			t.Fatalf("pickLoopbackPorts(2, %v) = %v", taken, got)
		}
	}
	// Everything the kernel could hand out "taken": a clear error, no loop.
	var all []int
	for p := 1; p < 65536; p++ {
		all = append(all, p)
	}
	if _, err := pickLoopbackPorts(1, all); err == nil || !strings.Contains(err.Error(), "no free port") {
		t.Errorf("every port taken: %v", err)
	}
}

// Init refuses two of the node's ports being one, and a dispatcher port
// that is another tunnel's I2P port; the ports it picks differ from the
// ones given.
func TestInitPortsDistinct(t *testing.T) {
	pool := newPortPool()
	a, b := pool.take(t), pool.take(t)
	for _, tc := range []struct {
		name string
		opts InitOptions
		want string
	}{
		{"http = c2s", InitOptions{C2SPort: a, S2SPort: b, HTTPPort: a}, "client port and the HTTP port would both be"},
		{"dispatch = s2s", InitOptions{C2SPort: a, S2SPort: b, DispatchPort: b}, "server port and the dispatcher port would both be"},
		{"socks = http", InitOptions{C2SPort: a, S2SPort: b, HTTPPort: 4447}, "HTTP port and the SOCKS port would both be"},
		{"dispatch on 5269", InitOptions{C2SPort: a, S2SPort: b, DispatchPort: 5269}, "dispatcher port cannot be 5269"},
	} {
		tc.opts.Dir, tc.opts.I2PD = t.TempDir(), "/bin/true" // never run: ports come first
		_, err := Init(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	// The HTTP port is picked around a dispatcher port in its range, and the
	// other way round.
	opts := InitOptions{C2SPort: a, S2SPort: b, DispatchPort: DefaultHTTPPort, SOCKS: "127.0.0.1:4447"}
	if err := initPorts(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.HTTPPort == DefaultHTTPPort || opts.HTTPPort == 0 {
		t.Errorf("HTTP port %d beside dispatcher port %d", opts.HTTPPort, opts.DispatchPort)
	}
	opts = InitOptions{C2SPort: a, S2SPort: b, HTTPPort: DefaultDispatchPort, SOCKS: "127.0.0.1:4447"}
	if err := initPorts(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.DispatchPort == DefaultDispatchPort || opts.DispatchPort == 0 {
		t.Errorf("dispatcher port %d beside HTTP port %d", opts.DispatchPort, opts.HTTPPort)
	}
}

// A node.json whose HTTP and dispatcher ports are one (edited by hand):
// the next start moves one of them and saves it. It has no direct TLS
// port either (a node from before XEP-0368): the start gives it one.
func TestRefreshSeparatesPorts(t *testing.T) {
	pool := newPortPool()
	dir := t.TempDir()
	for _, d := range []string{"i2pd", "prosody/plugins", "prosody/data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	p := pool.take(t)
	info := &Info{Domain: strings.Repeat("a", 52) + ".b32.i2p", C2SPort: pool.take(t), S2SPort: pool.take(t), HTTPPort: p, DispatchPort: p, SOCKS: "127.0.0.1:4447"}
	if err := refresh(dir, info, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	saved, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	own := saved.ownPorts()
	slices.Sort(own)
	if len(slices.Compact(own)) != 6 || saved.DirectTLSPort == 0 {
		t.Errorf("ports after refresh: %+v", saved)
	}
}
