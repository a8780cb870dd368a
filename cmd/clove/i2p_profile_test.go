package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Profiles over the private I2P network (SOCKS, I2P-only, the server
// known by its .b32.i2p name only): alice sets hers, bob reads it with
// the real binary under strace — a query over XMPP through the router,
// nothing else dialled, not even the clearnet website her profile names.
func TestProfileOverI2P(t *testing.T) {
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
	s := startI2PServerWith(t, "xmpp-profiles", []prosodytest.Option{prosodytest.WithModule("vcard")})
	bin := buildCloveOffline(t)
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	for i, u := range []struct {
		c cli
		j string
	}{{alice, aj}, {bob, bj}} {
		runI2P(t, u.c, "account", "add", u.j, "--proxy", "socks5://"+s.net.Client(i).SOCKSAddr, "--i2p-only")
	}
	r, took := runI2P(t, alice, "account", "profile", "--account", aj,
		"--set", "fullname=Alice over I2P", "--set", "url=https://example.com/alice", "--set", "locality=Nowhere")
	t.Logf("alice's profile set over I2P in %s", took.Round(time.Millisecond))
	if !strings.Contains(r.stdout, "fullname: Alice over I2P\n") {
		t.Fatalf("--set printed %q", r.stdout)
	}
	socks := s.net.Client(1).SOCKSAddr
	connects, took, out := traceClove(t, straceBin, bin, bob.profile, socks, "account", "profile", "--account", bj, aj)
	t.Logf("strace, bob reading alice's profile (real binary: login over I2P and the query): %d connect() calls, all to %s; %v",
		connects, socks, took.Round(time.Millisecond))
	for _, want := range []string{"fullname: Alice over I2P\n", "url: https://example.com/alice\n", "locality: Nowhere\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("bob read %q, want %q", out, want)
		}
	}
}
