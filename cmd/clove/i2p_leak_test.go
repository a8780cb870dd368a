package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
)

// The real clove binary in I2P mode under strace, inside the test's network
// namespace (where only loopback exists): for login + chat (send), roster
// (add) and a room join, over SOCKS5 and over SAM, every connect() goes to
// the configured proxy or SAM port on 127.0.0.1 — none to port 53, no other
// address, no Unix socket (nscd, D-Bus) — and no sendto() carries a
// destination address.
func TestCLIOverI2PConnectsOnlyToTheRouter(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and runs the I2P network")
	}
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("strace is required in CI (make deps): %v", err)
		}
		t.Skip("strace not installed")
	}
	s := startI2PServer(t, "xmpp-leak")
	bin := buildCloveOffline(t)
	alice, bob, aliceSAM := newCLI(t, "pw"), newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	socks := s.net.Client(0).SOCKSAddr
	sam := s.net.Client(1).SAMAddr
	runI2P(t, alice, "account", "add", aj, "--proxy", "socks5://"+socks, "--i2p-only")
	runI2P(t, bob, "account", "add", bj, "--proxy", "socks5://"+s.net.Client(1).SOCKSAddr, "--i2p-only")
	// The same account in another profile, over SAM (1-hop tunnels: the
	// private network is small).
	aliceSAM.ok("account", "add", aj, "--sam", sam, "--i2p-hops", "1", "--i2p-only", "--offline")

	room := "lounge@muc." + s.b32
	for _, c := range []struct {
		name    string
		profile string
		router  string // the only address allowed
		args    []string
		want    string // in the output
	}{
		{"send via SOCKS", alice.profile, socks, []string{"send", "--account", aj, bj, "traced over I2P"}, ""},
		{"roster add via SOCKS", alice.profile, socks, []string{"roster", "--account", aj, "add", bj, "--name", "Bob"}, ""},
		{"room join via SOCKS", alice.profile, socks, []string{"room", "--account", aj, "join", room}, "joined " + room + " as alice"},
		{"send via SAM", aliceSAM.profile, sam, []string{"send", "--account", aj, bj, "traced over SAM"}, ""},
	} {
		connects, took, out := traceClove(t, straceBin, bin, c.profile, c.router, c.args...)
		if !strings.Contains(out, c.want) {
			t.Fatalf("%s: want %q in the output: %q", c.name, c.want, out)
		}
		t.Logf("strace, %s (real binary: login over I2P and the command): %d connect() calls, all to %s; %v",
			c.name, connects, c.router, took.Round(time.Millisecond))
	}

	r, _ := runI2P(t, bob, "listen", "--account", bj, "--count", "2", "--timeout", "90s")
	for _, want := range []string{"traced over I2P", "traced over SAM"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("bob got %q, want %q", r.stdout, want)
		}
	}
	// Tried again like the steps above: a router that died under the test
	// (i2pd 2.45.1, docs/i2pd.md) left this step alone to fail after 5 min
	// once, though bob's listen had got through after the restart.
	if r, _ := runI2P(t, alice, "roster", "--account", aj, "--timeout", "2m", "list"); !strings.Contains(r.stdout, bj) {
		t.Fatalf("alice's roster after the traced add: %q", r.stdout)
	}
}

// traceClove runs the real binary under strace (again after a failure, see
// cliTries) and fails the test on any connect() to somewhere else than
// router (127.0.0.1:PORT), any traffic to port 53 and any sendto() with an
// address. It returns how many connect() calls there were, how long the
// command took and its output.
func traceClove(t *testing.T, straceBin, bin, profile, router string, args ...string) (int, time.Duration, string) {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "strace.txt")
	home := t.TempDir()
	var out []byte
	var err error
	var took time.Duration
	for try := 1; try <= cliTries; try++ {
		if try > 1 {
			i2pnet.Shared(t) // restarts dead routers (see runI2P)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, straceBin, append([]string{"-f", "-qq", "-e", "trace=connect,sendto", "-o", trace,
			bin, "--profile", profile}, args...)...)
		// A bare environment: no D-Bus session, no proxy variables.
		cmd.Env = []string{"CLOVE_PASSWORD=pw", "PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8"}
		t0 := time.Now()
		out, err = cmd.CombinedOutput()
		took = time.Since(t0)
		cancel()
		if err == nil {
			break
		}
		t.Logf("traced clove %s, try %d: %v: %s", args[0], try, err, out)
	}
	if err != nil {
		t.Fatalf("clove %s under strace: %v\n%s", strings.Join(args, " "), err, out)
	}
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(router, ":")
	toRouter := regexp.MustCompile(`sa_family=AF_INET, sin_port=htons\(` + port + `\), sin_addr=inet_addr\("127\.0\.0\.1"\)`)
	var connects int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case strings.Contains(line, "htons(53)"):
			t.Errorf("DNS traffic: %s", line)
		case strings.Contains(line, " connect("):
			connects++
			if toRouter.MatchString(line) {
				continue
			}
			t.Errorf("clove %s: connect() elsewhere than the router's %s: %s", args[0], router, line)
		case strings.Contains(line, " sendto("):
			if strings.Contains(line, "sa_family=") {
				t.Errorf("sendto() with a destination address: %s", line)
			}
		}
	}
	if connects == 0 {
		t.Fatalf("strace saw no connect() at all:\n%s", data)
	}
	return connects, took, string(out)
}

// buildCloveOffline builds the real binary (cgo SQLite with FTS5, as make build
// does) into a temp dir, offline.
func buildCloveOffline(t testing.TB) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "clove")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", "sqlite_fts5", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "CGO_ENABLED=1")
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(t0).Round(time.Millisecond))
	return bin
}
