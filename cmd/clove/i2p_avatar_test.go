package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
)

// An avatar set by one Clove user reaches another over the private I2P
// network (both through their own routers' SOCKS proxies, I2P-only, the
// server known by its .b32.i2p name only): fetched over XMPP, checked and
// kept in bob's profile.
func TestAvatarOverI2P(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the private I2P network")
	}
	s := startI2PServer(t, "xmpp-avatars")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	for i, u := range []struct {
		c cli
		j string
	}{{alice, aj}, {bob, bj}} {
		runI2P(t, u.c, "account", "add", u.j, "--proxy", "socks5://"+s.net.Client(i).SOCKSAddr, "--i2p-only")
	}
	runI2P(t, alice, "roster", "--account", aj, "add", bj)
	runI2P(t, bob, "roster", "--account", bj, "approve", aj) // and asks back
	runI2P(t, alice, "roster", "--account", aj, "approve", bj)
	path := filepath.Join(t.TempDir(), "alice.png")
	if err := os.WriteFile(path, noisePNG(t, 300_000), 0o600); err != nil {
		t.Fatal(err)
	}
	r, took := runI2P(t, alice, "account", "avatar", "--account", aj, path)
	id := strings.Fields(strings.TrimPrefix(r.stdout, "avatar set: "))[0]
	t.Logf("alice's avatar %s published over I2P in %s: %s", id, took.Round(time.Millisecond), strings.TrimSpace(r.stdout))
	ctx := context.Background()
	for try := 1; try <= 3; try++ {
		_, took := runI2P(t, bob, "listen", "--account", bj, "--timeout", "30s")
		p, err := chat.OpenProfile(ctx, bob.profile, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := p.AvatarThumbs(ctx, bj)
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		if h[aj] == id {
			t.Logf("bob's session (%s) fetched and kept alice's avatar (try %d)", took.Round(time.Millisecond), try)
			return
		}
		t.Logf("try %d: bob's profile has %v", try, h)
	}
	t.Fatalf("alice's avatar %s never reached bob's profile", id)
}
