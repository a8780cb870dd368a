package main

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Self-ping (XEP-0410) over the private I2P network: alice, through her
// own router's SOCKS proxy in I2P-only mode, sits in a room on the node's
// MUC; with the idle time at 3 s the silent room is pinged again and
// again, each ping is answered through I2P, and none causes a rejoin.
func TestRoomSelfPingOverI2P(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the private I2P network")
	}
	s := startI2PServer(t, "xmpp-selfping")
	alice := newCLI(t, "pw")
	aj := "alice@" + s.b32
	if r, _ := runI2P(t, alice, "account", "add", aj, "--proxy", "socks5://"+s.net.Client(0).SOCKSAddr, "--i2p-only"); r.code != 0 {
		t.Fatalf("account add: %s", r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logged := &lockedBuffer{}
	sess := alice.session(t, ctx, aj, func(c *xmppclient.Config) {
		c.SelfPingIdle = 3 * time.Second
		c.Logger = slog.New(slog.NewTextHandler(logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	rejoined := make(chan xmppclient.RoomRejoined, 1)
	go func() {
		for ev := range sess.Events() {
			if sv, ok := ev.(chat.Saved); ok {
				if r, ok := sv.Event.(xmppclient.RoomRejoined); ok {
					rejoined <- r
				}
			}
		}
	}()
	if err := sess.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	room := "lounge@muc." + s.b32
	t0 := time.Now()
	if err := sess.JoinRoom(ctx, room, "", true); err != nil {
		t.Fatal(err)
	}
	t.Logf("i2p: joined %s in %v", "lounge@muc.…", time.Since(t0).Round(time.Millisecond))
	select {
	case r := <-rejoined:
		t.Fatalf("a room that had us was rejoined: %+v", r)
	case <-time.After(20 * time.Second):
	}
	answered := regexp.MustCompile(`room self-ping answered.*took=(\S+)`).FindAllStringSubmatch(logged.String(), -1)
	var took []string
	for _, m := range answered {
		took = append(took, m[1])
	}
	t.Logf("i2p: %d self-pings answered in 20 s (idle 3 s), round trips %s", len(answered), strings.Join(took, " "))
	if len(answered) < 3 {
		t.Fatalf("%d self-pings answered over I2P in 20 s, want at least 3; log:\n%s", len(answered), logged.String())
	}
	cancel()
	sess.done()
}
