package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// startI2PArchiveServer is startI2PServer with a MUC whose rooms keep an
// archive (mod_muc_mam).
func startI2PArchiveServer(t *testing.T, name string) i2pServer {
	t.Helper()
	prosodytest.Require(t)
	n := i2pnet.Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"),
		prosodytest.Config("Component \"muc."+dest.B32+"\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "carol", "pw")
	if got := n.ServerTunnel(t, name, srv.C2SAddr, i2pnet.Keys(dest)); got != dest.B32 {
		t.Fatalf("server tunnel %s, want %s", got, dest.B32)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := i2pnet.WaitReachable(ctx, n.Client(0).SOCKSAddr, dest.B32, 5222); err != nil {
		t.Fatalf("prosody behind %s: %v", dest.B32, err)
	}
	return i2pServer{net: n, srv: srv, b32: dest.B32}
}

// A room's history from its archive over the private I2P network: alice,
// through her router's SOCKS proxy (I2P-only), comes back to a room where
// slixmpp (on the server's loopback) said 250 messages; all are stored
// once, in order. Measures the catch-up over I2P.
func TestRoomArchiveOverI2P(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the private I2P network")
	}
	slixtest.Require(t)
	s := startI2PArchiveServer(t, "xmpp-roomarchive")
	alice := newCLI(t, "pw")
	aj := "alice@" + s.b32
	if r, _ := runI2P(t, alice, "account", "add", aj, "--proxy", "socks5://"+s.net.Client(0).SOCKSAddr, "--i2p-only"); r.code != 0 {
		t.Fatalf("account add: %s", r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	room := "lounge@muc." + s.b32

	sctx, stop := context.WithCancel(ctx)
	sess := alice.session(t, sctx, aj, nil)
	back := make(chan struct{})
	var once sync.Once
	go func() {
		for ev := range sess.Events() {
			if sv, ok := ev.(chat.Saved); ok {
				if g, ok := sv.Event.(xmppclient.GroupMessage); ok && g.Self && g.ArchiveID != "" {
					once.Do(func() { close(back) })
				}
			}
		}
	}()
	if err := sess.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.JoinRoom(ctx, room, "alice", true); err != nil {
		t.Fatal(err)
	}
	// Something of the room in the profile: the next join reads what
	// came after it.
	if _, err := sess.SendGroup(ctx, room, "mine"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-back:
	case <-ctx.Done():
		t.Fatal("alice's message did not come back from the room")
	}
	stop()
	sess.done()

	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + s.b32 + "/slixmpp", Password: "pw", Addr: s.srv.C2SAddr, CertPEM: s.srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		if err := carol.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", ID: fmt.Sprintf("c%03d", i), Body: fmt.Sprintf("msg %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// The room passed the last back to carol: all are archived.
	if _, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Type == "groupchat" && m.Body == "msg 249" {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}

	t0 := time.Now()
	sctx, stop = context.WithCancel(ctx)
	defer stop()
	sess = alice.session(t, sctx, aj, nil)
	synced := make(chan xmppclient.RoomArchiveSynced, 1)
	go func() {
		for ev := range sess.Events() {
			if sv, ok := ev.(chat.Saved); ok {
				if r, ok := sv.Event.(xmppclient.RoomArchiveSynced); ok {
					synced <- r
				}
			}
		}
	}()
	if err := sess.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	online := time.Since(t0)
	t1 := time.Now()
	if err := sess.JoinRoom(ctx, room, "alice", false); err != nil {
		t.Fatal(err)
	}
	joined := time.Since(t1)
	var done xmppclient.RoomArchiveSynced
	select {
	case done = <-synced:
	case <-ctx.Done():
		t.Fatal("no catch-up")
	}
	if done.Err != nil || done.Messages != 250 || done.Capped {
		t.Fatalf("catch-up over I2P: %+v", done)
	}
	t.Logf("i2p: login %v, join (disco#info + join) %v, 250 messages from the room's archive in %d pages: %v (from the join's start %v)",
		online.Round(time.Millisecond), joined.Round(time.Millisecond), done.Pages, done.Took.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	stop()
	sess.done()
	h := alice.ok("history", "--account", aj, "--with", room, "--limit", "1000")
	last := -1
	for i := range 250 {
		at := strings.Index(h, fmt.Sprintf("msg %03d", i))
		if strings.Count(h, fmt.Sprintf("msg %03d", i)) != 1 || at < last {
			t.Fatalf("message %d not once in order in the history", i)
		}
		last = at
	}
}
