package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// startI2PMuxFileServer is a server with HTTP upload whose destination has
// one tunnel, to a dispatcher (internal/portmux, as the bundled node's
// clove-node --dispatch) that routes each stream by its first bytes: SAM
// streams all arrive on I2P port 0 (i2pd 2.45.1), so a SAM client reaches
// the HTTP upload only this way.
func startI2PMuxFileServer(t *testing.T) i2pServer {
	t.Helper()
	prosodytest.Require(t)
	n := i2pnet.Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"), prosodytest.WithPEP(),
		prosodytest.WithHTTPUploadLimit(20<<20), prosodytest.WithHTTPUploadURL("http://"+dest.B32+"/"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, c2s, _ := net.SplitHostPort(srv.C2SAddr)
	c2sPort, err := strconv.Atoi(c2s)
	if err != nil {
		t.Fatal(err)
	}
	ports := portmux.Ports{C2S: c2sPort, HTTP: srv.HTTPPort}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = portmux.Serve(ctx, ln, ports, 0, func(msg string) { t.Log("dispatcher: " + msg) })
	}()
	t.Cleanup(func() { stop(); <-done })
	n.ServerTunnel(t, "xmpp-files-mux", ln.Addr().String(), i2pnet.Keys(dest))
	wctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := i2pnet.WaitReachable(wctx, n.Client(0).SOCKSAddr, dest.B32, 5222); err != nil {
		t.Fatalf("prosody behind %s: %v", dest.B32, err)
	}
	return i2pServer{net: n, srv: srv, b32: dest.B32}
}

// Files for accounts in SAM mode, the real binary under strace: alice's
// `send --file` (login, slot, the PUT over her SAM session, the message)
// and bob's `fetch` (the GET over his) connect() only to their routers'
// SAM ports on 127.0.0.1 — none to port 53, none elsewhere — and bob gets
// the very bytes, decrypted.
func TestFilesOverSAMConnectOnlyToTheRouter(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the private I2P network")
	}
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("strace is required in CI (make deps): %v", err)
		}
		t.Skip("strace not installed")
	}
	s := startI2PMuxFileServer(t)
	bin := buildCloveOffline(t)
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	aSAM, bSAM := s.net.Client(0).SAMAddr, s.net.Client(1).SAMAddr
	alice.ok("account", "add", aj, "--sam", aSAM, "--i2p-hops", "1", "--i2p-only", "--offline")
	bob.ok("account", "add", bj, "--sam", bSAM, "--i2p-hops", "1", "--i2p-only", "--offline")
	// Publishes bob's OMEMO device (the timeout includes the SAM session's
	// creation, 20–40 s on a private network).
	runI2P(t, bob, "listen", "--account", bj, "--timeout", "75s")
	dir := t.TempDir()
	pic := noisePNG(t, 300_000)
	path := filepath.Join(dir, "small.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	n, took, out := traceClove(t, straceBin, bin, alice.profile, aSAM, "send", "--account", aj, "--file", path, bj)
	// The output is stderr and stdout: the URL is the last line.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	url := lines[len(lines)-1]
	if !strings.HasPrefix(url, "aesgcm://"+s.b32+"/") {
		t.Fatalf("traced send --file over SAM printed %q", out)
	}
	t.Logf("strace, send --file via SAM (%d bytes, encrypted): %d connect() calls, all to the SAM port; %v", len(pic), n, took.Round(time.Millisecond))
	dst := filepath.Join(dir, "fetched.png")
	n, took, _ = traceClove(t, straceBin, bin, bob.profile, bSAM, "fetch", "--account", bj, url, "-o", dst)
	t.Logf("strace, fetch via SAM: %d connect() calls, all to the SAM port; %v", n, took.Round(time.Millisecond))
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, pic) {
		t.Fatalf("bob fetched %d bytes over SAM, not the %d sent", len(got), len(pic))
	}
}
