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
)

// The real clove binary, sending in I2P mode under strace inside the test's
// network namespace (where only loopback exists): every connect() goes to
// the SOCKS proxy on 127.0.0.1, none to port 53, no other address, no Unix
// socket (nscd, D-Bus), and no sendto() with a destination address.
func TestCLISendOverI2PConnectsOnlyToSOCKS(t *testing.T) {
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
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	socks := s.net.Client(0).SOCKSAddr
	runI2P(t, alice, "account", "add", aj, "--proxy", "socks5://"+socks, "--i2p-only")
	runI2P(t, bob, "account", "add", bj, "--proxy", "socks5://"+s.net.Client(1).SOCKSAddr, "--i2p-only")

	trace := filepath.Join(t.TempDir(), "strace.txt")
	home := t.TempDir()
	var out []byte
	for try := 1; try <= cliTries; try++ { // see cliTries
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		cmd := exec.CommandContext(ctx, straceBin, "-f", "-qq", "-e", "trace=connect,sendto", "-o", trace,
			bin, "--profile", alice.profile, "send", "--account", aj, bj, "traced over I2P")
		// A bare environment: no D-Bus session, no proxy variables.
		cmd.Env = []string{"CLOVE_PASSWORD=pw", "PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8"}
		t0 := time.Now()
		out, err = cmd.CombinedOutput()
		cancel()
		if err == nil {
			t.Logf("i2p: traced send by the real binary: %v", time.Since(t0).Round(time.Millisecond))
			break
		}
		t.Logf("traced send, try %d: %v: %s", try, err, out)
	}
	if err != nil {
		t.Fatalf("clove send under strace: %v\n%s", err, out)
	}
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(socks, ":")
	toSOCKS := regexp.MustCompile(`sa_family=AF_INET, sin_port=htons\(` + port + `\), sin_addr=inet_addr\("127\.0\.0\.1"\)`)
	var connects int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case strings.Contains(line, "htons(53)"):
			t.Errorf("DNS traffic: %s", line)
		case strings.Contains(line, " connect("):
			connects++
			if toSOCKS.MatchString(line) {
				continue
			}
			t.Errorf("connect() elsewhere than the SOCKS proxy %s: %s", socks, line)
		case strings.Contains(line, " sendto("):
			if strings.Contains(line, "sa_family=") {
				t.Errorf("sendto() with a destination address: %s", line)
			}
		}
	}
	if connects == 0 {
		t.Fatalf("strace saw no connect() at all:\n%s", data)
	}
	t.Logf("strace: %d connect() calls, all to the SOCKS proxy %s", connects, socks)

	r, _ := runI2P(t, bob, "listen", "--account", bj, "--count", "1", "--timeout", "90s")
	if !strings.Contains(r.stdout, "traced over I2P") {
		t.Fatalf("bob got %q", r.stdout)
	}
}

// buildCloveOffline builds the real binary (cgo SQLite with FTS5, as make build
// does) into a temp dir, offline.
func buildCloveOffline(t *testing.T) string {
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
