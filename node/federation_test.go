package node

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/files"
	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// fedNode is a node made by Init and run by Start whose own i2pd joined the
// package's private I2P network.
type fedNode struct {
	name    string
	dir     string
	info    *Info
	sup     *Supervisor
	initAt  time.Time // Init was called
	readyAt time.Time // prosody answered on its client port
}

// watchStages polls the node's readiness (as node status reads it) from
// its prosody's start until it says reachable, or ctx ends, and sends when
// each stage was first seen, after the node's prosody answered; the test
// logs it beside when the other node first reached it.
func watchStages(ctx context.Context, f *fedNode) <-chan map[Stage]time.Duration {
	out := make(chan map[Stage]time.Duration, 1)
	go func() {
		seen := map[Stage]time.Duration{}
		for ctx.Err() == nil {
			r := ReadReadiness(ctx, f.dir, f.info)
			if _, ok := seen[r.Stage]; !ok {
				seen[r.Stage] = time.Since(f.readyAt).Round(100 * time.Millisecond)
			}
			if r.Stage == StageReachable {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		out <- seen
	}()
	return out
}

// privateHops: 1-hop tunnels, no outbound hop on the server side (see
// docs/i2pd.md, "The private test network").
func privateHops() *Hops { return &Hops{Length: 1, ServerOutbound: 0} }

// initFedNode makes a node whose ports all come from ports: never one
// another node of the test has, nor one a node picks at its start (see
// portPool).
func initFedNode(t *testing.T, name string, ports *portPool) *fedNode {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	t0 := time.Now()
	info, err := Init(context.Background(), InitOptions{
		Dir: dir, C2SPort: ports.take(t), S2SPort: ports.take(t), HTTPPort: ports.take(t), DispatchPort: ports.take(t), DirectTLSPort: ports.take(t),
		SOCKS: "127.0.0.1:" + strconv.Itoa(ports.take(t)), Hops: privateHops(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fedNode{name: name, dir: dir, info: info, initAt: t0}
}

// start runs the node under its supervisor, its i2pd on the network n.
func (f *fedNode) start(t *testing.T, n *i2pnet.Network) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(testWriter{t, f.name}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := Start(ctx, f.dir, RunOptions{
		I2PDConfig: n.Join(t, filepath.Join(f.dir, "i2pd")),
		Logger:     logger,
		BackoffMin: 500 * time.Millisecond, BackoffMax: 2 * time.Second,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.Done():
		case <-time.After(20 * time.Second):
			t.Errorf("node %s did not stop in 20 s", f.name)
		}
		if t.Failed() {
			for _, l := range []string{"prosody.log", "i2pd.log"} {
				t.Logf("node %s %s:\n%s", f.name, l, tail(filepath.Join(f.dir, "logs", l), 40))
			}
		}
	})
	f.sup = s
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	if err := s.WaitReady(rctx); err != nil {
		t.Fatal(err)
	}
	f.readyAt = time.Now()
	// Reload info: Start read node.json, which ServeDomain/MapDomain changed.
	f.info = s.Info()
}

func (f *fedNode) c2s() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(f.info.C2SPort)) }

// checkPortsApart fails the test if a port a node's router took at its
// start (web console, SAM) is one of any node's own ports: a console on
// an HTTP port answered uploads "403 host mismatch" once.
func checkPortsApart(t *testing.T, nodes ...*fedNode) {
	t.Helper()
	var own []int
	for _, f := range nodes {
		own = append(own, f.info.ownPorts()...)
	}
	for _, f := range nodes {
		for _, file := range []string{RouterConsoleFile, RouterSAMFile} {
			b, err := os.ReadFile(filepath.Join(f.dir, file))
			if err != nil {
				t.Fatal(err)
			}
			_, p, err := splitHostPort(strings.TrimSpace(string(b)))
			if err != nil || slices.Contains(own, p) {
				t.Fatalf("node %s's router: %s at port %d (%v), one of the nodes' own ports %v", f.name, file, p, err, own)
			}
		}
	}
	slices.Sort(own)
	if n := len(own); len(slices.Compact(own)) != n {
		t.Fatalf("the nodes' own ports overlap: %v", own)
	}
}

// pin is the fingerprint of the node's certificate for host.
func (f *fedNode) pin(t *testing.T, host string) string {
	t.Helper()
	certFile, _ := certPaths(f.dir, host)
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", certFile)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return xmppclient.Fingerprint(cert)
}

// pid of the node's child name (i2pd or prosody), 0 if not running.
func (f *fedNode) pid(name string) int {
	for _, c := range f.sup.Status().Children {
		if c.Name == name && c.Running {
			return c.PID
		}
	}
	return 0
}

type testWriter struct {
	t    *testing.T
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("node %s: %s", w.name, strings.TrimSpace(string(p)))
	return len(p), nil
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// user is a logged-in xmppclient that records every event, so a wait can
// match an event that arrived while the test waited for another.
type user struct {
	c      *xmppclient.Client
	jid    jid.JID
	mu     sync.Mutex
	seen   []xmppclient.Event
	notify chan struct{}
	stop   func()
}

func connect(t *testing.T, addr, account, password, pin string) *user {
	t.Helper()
	return connectWith(t, addr, account, password, pin, nil)
}

// connectWith is connect with the client's configuration changed by
// config first (e.g. an OMEMO device).
func connectWith(t *testing.T, addr, account, password, pin string, config func(*xmppclient.Config)) *user {
	t.Helper()
	j := jid.MustParse(account)
	cfg := xmppclient.Config{
		JID: j, Password: password, Pin: pin,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		BackoffMin: 200 * time.Millisecond, BackoffMax: time.Second,
	}
	if config != nil {
		config(&cfg)
	}
	c, err := xmppclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &user{c: c, jid: j, notify: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	go func() {
		for ev := range c.Events() {
			u.mu.Lock()
			u.seen = append(u.seen, ev)
			u.mu.Unlock()
			select {
			case u.notify <- struct{}{}:
			default:
			}
		}
	}()
	var once sync.Once
	u.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(u.stop)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := c.WaitOnline(wctx); err != nil {
		t.Fatalf("%s online: %v", account, err)
	}
	return u
}

// wait returns the first event so far or within d that matches.
func (u *user) wait(t *testing.T, what string, d time.Duration, match func(xmppclient.Event) bool) xmppclient.Event {
	t.Helper()
	ev, err := u.waitErr(what, d, match)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (u *user) waitErr(what string, d time.Duration, match func(xmppclient.Event) bool) (xmppclient.Event, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for i := 0; ; {
		u.mu.Lock()
		for ; i < len(u.seen); i++ {
			if match(u.seen[i]) {
				ev := u.seen[i]
				u.mu.Unlock()
				return ev, nil
			}
		}
		u.mu.Unlock()
		select {
		case <-u.notify:
		case <-deadline.C:
			return nil, fmt.Errorf("%s: timed out after %v waiting for %s", u.jid.Bare(), d, what)
		}
	}
}

func received(from jid.JID, b string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.MessageReceived)
		return ok && m.Body == b && m.From.Bare().Equal(from.Bare()) && !m.Outgoing
	}
}

func failed(id string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		f, ok := ev.(xmppclient.MessageFailed)
		return ok && f.ID == id
	}
}

// find returns the first event so far that matches, or nil.
func (u *user) find(match func(xmppclient.Event) bool) xmppclient.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ev := range u.seen {
		if match(ev) {
			return ev
		}
	}
	return nil
}

// deliver sends body from u to to and waits until it arrives at rcpt. A
// bounce (e.g. the peer's lease set not found yet: SOCKS 0x04) is logged
// and the message sent again, until d is up. It returns the time from the
// first send to the delivery and how many sends it took.
func deliver(t *testing.T, u, rcpt *user, to jid.JID, body string, d time.Duration) (time.Duration, int) {
	t.Helper()
	t0 := time.Now()
	deadline := t0.Add(d)
	for try := 1; ; try++ {
		text := body
		if try > 1 {
			text = fmt.Sprintf("%s (try %d)", body, try)
		}
		id, err := u.c.Send(context.Background(), to, text)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if rcpt.find(received(u.jid, text)) != nil {
				return time.Since(t0), try
			}
			if ev := u.find(failed(id)); ev != nil {
				t.Logf("%s → %s: try %d bounced after %v: %v", u.jid.Bare(), to, try, time.Since(t0).Round(time.Millisecond), ev)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s → %s %q: not delivered within %v (%d tries)", u.jid.Bare(), to, text, d, try)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(2 * time.Second)
	}
}

func subRequest(from jid.JID) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		s, ok := ev.(xmppclient.SubscriptionRequest)
		return ok && s.From.Equal(from.Bare())
	}
}

func rosterBoth(who jid.JID) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.RosterChanged)
		if !ok {
			return false
		}
		for _, it := range r.Items {
			if it.JID.Equal(who.Bare()) && it.Subscription == "both" {
				return true
			}
		}
		return false
	}
}

func available(from jid.JID) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		p, ok := ev.(xmppclient.PresenceChanged)
		return ok && p.Type == "" && p.From.Bare().Equal(from.Bare())
	}
}

// storeName is prosody's file name for a host or user in its data dir.
func storeName(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

func waitUntil(t *testing.T, what string, d time.Duration, ok func() bool) time.Duration {
	t.Helper()
	t0 := time.Now()
	for !ok() {
		if time.Since(t0) > d {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(t0)
}

// Two nodes, each made by Init and run by Start with its own i2pd joined
// to the private I2P network, federate over I2P only: their prosodys reach
// each other through their own routers' SOCKS proxies and server tunnels.
func TestTwoNodesFederateOverI2P(t *testing.T) {
	requireBins(t)
	if testing.Short() {
		t.Skip("-short: needs the private I2P network (minutes)")
	}
	n := i2pnet.Shared(t)
	ctx := context.Background()
	ports := newPortPool()
	a, b := initFedNode(t, "A", ports), initFedNode(t, "B", ports)
	A, B := a.info.Domain, b.info.Domain
	// darknet_map: A reaches the clearnet-looking name through B's b32; B
	// serves that name as a host (the stream to B says to='bobs.example').
	const mapped = "bobs.example"
	if err := MapDomain(a.dir, mapped, B); err != nil {
		t.Fatal(err)
	}
	if err := ServeDomain(b.dir, mapped); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ dir, name string }{{a.dir, "alice"}, {b.dir, "bob"}, {b.dir, "carol@" + mapped}} {
		if _, err := AddUser(ctx, u.dir, u.name, u.name+"-pw"); err != nil {
			t.Fatal(err)
		}
	}
	a.start(t, n)
	b.start(t, n)
	checkPortsApart(t, a, b)
	t.Logf("node A %s, node B %s: init → prosody ready %v / %v", A, B, a.readyAt.Sub(a.initAt).Round(time.Millisecond), b.readyAt.Sub(b.initAt).Round(time.Millisecond))

	// Each node's domain, reached through the other node's own router.
	var wg sync.WaitGroup
	for _, p := range [][2]*fedNode{{a, b}, {b, a}} {
		from, to := p[0], p[1]
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
			defer cancel()
			stages := watchStages(rctx, to)
			r, err := i2pnet.WaitReachable(rctx, from.info.SOCKS, to.info.Domain, 5222)
			if err != nil {
				t.Errorf("node %s from node %s's SOCKS: %v", to.name, from.name, err)
				return
			}
			t.Logf("node %s reachable from node %s's SOCKS: %v after its init, %v after its prosody was ready (%d SOCKS attempts)",
				to.name, from.name, time.Since(to.initAt).Round(time.Millisecond), time.Since(to.readyAt).Round(time.Millisecond), r.Attempts)
			// What node status said meanwhile, to compare: see
			// watchStages.
			seen := <-stages
			t.Logf("node %s's readiness after its prosody was ready: %v", to.name, seen)
			if seen[StageReachable] == 0 {
				t.Errorf("node %s: reached from node %s, but its readiness never said reachable", to.name, from.name)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Readiness's second way to find the node's lease set (the first, SAM's
	// NAMING LOOKUP, rests on i2pd's 3-hop shared destination): the node's
	// own SOCKS proxy opens a stream to the node itself.
	for _, f := range []*fedNode{a, b} {
		t0 := time.Now()
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := openOwnStream(sctx, f.info.SOCKS, f.info.Domain)
		cancel()
		if err != nil {
			t.Errorf("node %s: a stream to itself through its own SOCKS proxy: %v", f.name, err)
		} else {
			t.Logf("node %s: a stream to itself through its own SOCKS proxy opened in %v", f.name, time.Since(t0).Round(time.Millisecond))
		}
	}

	aliceJ, bobJ := jid.MustParse("alice@"+A), jid.MustParse("bob@"+B)
	alice := connect(t, a.c2s(), aliceJ.String(), "alice-pw", a.pin(t, A))
	bob := connect(t, b.c2s(), bobJ.String(), "bob-pw", b.pin(t, B))

	t.Run("chat", func(t *testing.T) {
		took, tries := deliver(t, alice, bob, bobJ, "hello bob, from node A", 4*time.Minute)
		t.Logf("first s2s message A → B: %v (%d sends)", took.Round(time.Millisecond), tries)
		took, tries = deliver(t, bob, alice, aliceJ, "hello alice, from node B", 3*time.Minute)
		t.Logf("first message B → A: %v (%d sends)", took.Round(time.Millisecond), tries)
		took, _ = deliver(t, alice, bob, bobJ, "and once more", time.Minute)
		t.Logf("warm message A → B: %v", took.Round(time.Millisecond))
	})

	t.Run("subscription", func(t *testing.T) {
		t0 := time.Now()
		if err := alice.c.AddContact(ctx, bobJ, "Bob", nil, true); err != nil {
			t.Fatal(err)
		}
		bob.wait(t, "alice's subscription request", 2*time.Minute, subRequest(aliceJ))
		if err := bob.c.Approve(ctx, aliceJ); err != nil {
			t.Fatal(err)
		}
		if err := bob.c.AddContact(ctx, aliceJ, "Alice", nil, true); err != nil {
			t.Fatal(err)
		}
		alice.wait(t, "bob's subscription request", 2*time.Minute, subRequest(bobJ))
		if err := alice.c.Approve(ctx, bobJ); err != nil {
			t.Fatal(err)
		}
		alice.wait(t, "bob in alice's roster with subscription both", 2*time.Minute, rosterBoth(bobJ))
		bob.wait(t, "alice in bob's roster with subscription both", 2*time.Minute, rosterBoth(aliceJ))
		alice.wait(t, "bob's presence at alice", 2*time.Minute, available(bobJ))
		bob.wait(t, "alice's presence at bob", 2*time.Minute, available(aliceJ))
		t.Logf("mutual subscription and presence: %v", time.Since(t0).Round(time.Millisecond))
	})

	parent := t
	t.Run("offline", func(t *testing.T) {
		bob.stop()
		alice.wait(t, "bob going offline at alice", time.Minute, func(ev xmppclient.Event) bool {
			p, ok := ev.(xmppclient.PresenceChanged)
			return ok && p.Type == "unavailable" && p.From.Bare().Equal(bobJ)
		})
		const body = "written while you were offline"
		id, err := alice.c.Send(ctx, bobJ, body)
		if err != nil {
			t.Fatal(err)
		}
		store := filepath.Join(b.dir, "prosody/data", storeName(B), "offline", "bob.list")
		took := waitUntil(t, "the message in B's offline store", 2*time.Minute, func() bool {
			if alice.find(failed(id)) != nil {
				t.Fatalf("the offline message bounced: %v", alice.find(failed(id)))
			}
			st, err := os.Stat(store)
			return err == nil && st.Size() > 0
		})
		t.Logf("offline message stored at node B %v after sending", took.Round(time.Millisecond))
		bob = connect(parent, b.c2s(), bobJ.String(), "bob-pw", b.pin(t, B))
		ev := bob.wait(t, "the offline message", 30*time.Second, received(aliceJ, body)).(xmppclient.MessageReceived)
		if !ev.Delayed {
			t.Errorf("the offline message came without a delay stamp: %+v", ev.Message)
		}
	})

	t.Run("muc", func(t *testing.T) {
		room := jid.MustParse("lounge@muc." + A)
		jctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if err := alice.c.JoinRoom(jctx, room, "alice", xmppclient.JoinOptions{}); err != nil {
			t.Fatalf("alice joins %s: %v", room, err)
		}
		t0 := time.Now()
		if err := bob.c.JoinRoom(jctx, room, "bob", xmppclient.JoinOptions{MustExist: true}); err != nil {
			t.Fatalf("bob joins %s over I2P: %v", room, err)
		}
		t.Logf("bob@B joined %s in %v", room, time.Since(t0).Round(time.Millisecond))
		if _, err := alice.c.SendGroup(ctx, room, "welcome to node A's room"); err != nil {
			t.Fatal(err)
		}
		bob.wait(t, "alice's groupchat message at bob", time.Minute, func(ev xmppclient.Event) bool {
			g, ok := ev.(xmppclient.GroupMessage)
			return ok && g.Room.Equal(room) && g.Nick == "alice" && g.Body == "welcome to node A's room"
		})
	})

	t.Run("darknet_map", func(t *testing.T) {
		carolJ := jid.MustParse("carol@" + mapped)
		carol := connect(t, b.c2s(), carolJ.String(), "carol@"+mapped+"-pw", b.pin(t, mapped))
		took, tries := deliver(t, alice, carol, carolJ, "hello carol at the mapped name", 4*time.Minute)
		t.Logf("alice@A → carol@%s (mapped to B's b32): %v (%d sends)", mapped, took.Round(time.Millisecond), tries)
		took, tries = deliver(t, carol, alice, aliceJ, "hello alice, from bobs.example", 3*time.Minute)
		t.Logf("carol@%s → alice@A: %v (%d sends)", mapped, took.Round(time.Millisecond), tries)
		if log := tail(filepath.Join(a.dir, "logs/prosody.log"), 100000); !strings.Contains(log, mapped) {
			t.Errorf("node A's log never mentions %s", mapped)
		}
	})

	// A file over I2P: alice gets a slot from node A (slixmpp, a client
	// that is not ours) and uploads from another router (her laptop's
	// i2pd) to http://<A>.b32.i2p/…; bob's side downloads it through node
	// B's SOCKS proxy. Not through node A's own proxy: i2pd 2.45.1 carries
	// nothing on a stream from a destination to itself (docs/node.md), which
	// a probe logs each run.
	t.Run("upload", func(t *testing.T) {
		slixtest.RequireUpload(t)
		uctx, cancel := context.WithTimeout(ctx, 8*time.Minute)
		defer cancel()
		c := slixOn(t, uctx, a.dir, a.info, aliceJ.String(), "alice-pw")
		data := randomBytes(t, 5<<20)
		slot, err := c.RequestUploadSlot(uctx, "random.bin", int64(len(data)), "application/octet-stream")
		if err != nil {
			t.Fatal(err)
		}
		id := checkSlot(t, slot, a.info, "random.bin")
		probeOwnSOCKS(t, uctx, a.info.SOCKS, "http://"+a.info.Domain+"/file_share/")
		took, tries := overI2P(t, uctx, n.Client(0).SOCKSAddr, "PUT", slot.PutURL, slot.Headers, data, http.StatusCreated)
		t.Logf("upload of %d bytes from another router's SOCKS to %s: %v, %.2f MB/s (%d tries)", len(data), slot.PutURL, took.Round(time.Millisecond), mbps(len(data), took), tries)
		if stored, err := os.ReadFile(storedUpload(a.dir, a.info, id)); err != nil || !bytes.Equal(stored, data) {
			t.Errorf("node A's stored file: %d bytes, the uploaded ones %v, %v", len(stored), bytes.Equal(stored, data), err)
		}
		var got []byte
		took, tries = overI2P(t, uctx, b.info.SOCKS, "GET", slot.GetURL, nil, nil, http.StatusOK, &got)
		t.Logf("download through node B's SOCKS: %v, %.2f MB/s (%d tries)", took.Round(time.Millisecond), mbps(len(got), took), tries)
		if !bytes.Equal(got, data) {
			t.Errorf("downloaded %d bytes, not the %d uploaded", len(got), len(data))
		}

		// Through a SAM session on another router (a user's Clove in SAM
		// mode): i2pd 2.45.1 opens SAM's streams to I2P port 0, which the
		// node's first tunnel takes (the dispatcher: internal/portmux),
		// and it hands HTTP to prosody's HTTP port. The client uploads a
		// file of its own and downloads both.
		t0 := time.Now()
		var sam *transport.SAMDialer
		var hc *files.Client
		// renew opens a new SAM session: once (fresh run 1 of 2026-12-06,
		// a loaded machine) the client router's session answered every
		// stream to node A with "did not answer" within milliseconds for
		// three minutes while node B's SOCKS proxy reached A; a new
		// session is what a user would get by logging in again.
		renew := func() {
			if sam != nil {
				hc.CloseIdleConnections()
				sam.Close()
			}
			var err error
			if sam, err = transport.NewSAM(uctx, n.Client(1).SAMAddr, transport.SAMOptions{InboundLength: 1, OutboundLength: 1}); err != nil {
				t.Fatalf("SAM session: %v", err)
			}
			hc = files.NewClient(sam, files.Options{I2POnly: true})
		}
		renew()
		defer func() { hc.CloseIdleConnections(); sam.Close() }()
		made := time.Since(t0)
		failed := 0
		// viaSAM runs do; after every 12 failures in a row (a minute of
		// samTry's tries) the next try has a new session.
		viaSAM := func(do func(context.Context) error) func(context.Context) error {
			return func(ctx context.Context) error {
				if failed > 0 && failed%12 == 0 {
					t.Logf("a new SAM session after %d failures in a row", failed)
					renew()
				}
				err := do(ctx)
				if err != nil {
					failed++
				} else {
					failed = 0
				}
				return err
			}
		}
		data2 := randomBytes(t, 2<<20)
		slot2, err := c.RequestUploadSlot(uctx, "via-sam.bin", int64(len(data2)), "application/octet-stream")
		if err != nil {
			t.Fatal(err)
		}
		id2 := checkSlot(t, slot2, a.info, "via-sam.bin")
		took, tries = samTry(t, "PUT through SAM", viaSAM(func(ctx context.Context) error {
			return hc.Put(ctx, slot2.PutURL, slot2.Headers, bytes.NewReader(data2), int64(len(data2)), "application/octet-stream", nil)
		}))
		t.Logf("upload of %d bytes through a SAM session (port 0, the node's dispatcher): session %v, PUT %v, %.2f MB/s (%d tries)",
			len(data2), made.Round(time.Millisecond), took.Round(time.Millisecond), mbps(len(data2), took), tries)
		if stored, err := os.ReadFile(storedUpload(a.dir, a.info, id2)); err != nil || !bytes.Equal(stored, data2) {
			t.Errorf("node A's stored file from SAM: %d bytes, the uploaded ones %v, %v", len(stored), bytes.Equal(stored, data2), err)
		}
		for _, f := range []struct {
			url  string
			data []byte
		}{{slot.GetURL, data}, {slot2.GetURL, data2}} {
			var buf bytes.Buffer
			took, tries = samTry(t, "GET through SAM", viaSAM(func(ctx context.Context) error {
				buf.Reset()
				_, _, err := hc.Get(ctx, f.url, &buf, int64(len(f.data)), nil)
				return err
			}))
			t.Logf("download of %d bytes through a SAM session: %v, %.2f MB/s (%d tries)", buf.Len(), took.Round(time.Millisecond), mbps(buf.Len(), took), tries)
			if !bytes.Equal(buf.Bytes(), f.data) {
				t.Errorf("downloaded through SAM %d bytes, not the %d uploaded", buf.Len(), len(f.data))
			}
		}
	})

	// A 5 MB picture from alice@A to bob@B as a file message, the way
	// Clove sends and fetches it (sendPicture): in plaintext between the
	// clients above, then encrypted between two OMEMO clients of theirs
	// (device lists and bundles over s2s through I2P, PEP on each node),
	// and an encrypted group chat between those two.
	t.Run("picture", func(t *testing.T) {
		// The s2s links first, both ways (a first message may bounce
		// while lease sets settle; deliver sends again): already up
		// when the chat subtest ran.
		took, _ := deliver(t, alice, bob, bobJ, "a picture follows", 4*time.Minute)
		t.Logf("link A → B: %v", took.Round(time.Millisecond))
		took, _ = deliver(t, bob, alice, aliceJ, "ready for it", 3*time.Minute)
		t.Logf("link B → A: %v", took.Round(time.Millisecond))
		pic := picturePNG(t, 5<<20)
		t.Run("plaintext", func(t *testing.T) {
			sendPicture(t, alice, bob, a.dir, a.info, b.info, pic, false)
		})
		t.Run("encrypted", func(t *testing.T) {
			alice2, _ := omemoUser(t, a.c2s(), aliceJ.String(), "alice-pw", a.pin(t, A))
			bob2, bobDev := omemoUser(t, b.c2s(), bobJ.String(), "bob-pw", b.pin(t, B))
			// bob's new device, as node A's alice fetches it from
			// node B's PEP over s2s.
			t0 := time.Now()
			devs, err := alice2.c.OMEMODevices(ctx, bobJ)
			if err != nil || !slices.Contains(devs, bobDev) {
				t.Fatalf("bob's devices at alice: %v, %v; want bob's new device among them", devs, err)
			}
			t.Logf("bob's device list fetched by alice@A from node B: %v in %v", devs, time.Since(t0).Round(time.Millisecond))
			sendPicture(t, alice2, bob2, a.dir, a.info, b.info, pic, true)

			// An encrypted group chat across the two nodes: a private
			// room on node A (members-only, real addresses shown), bob@B
			// invited (which makes him a member) and in it over I2P;
			// each one's message encrypted for the other's device.
			room := jid.MustParse("secret-plans@muc." + A)
			jctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			if err := alice2.c.JoinRoom(jctx, room, "alice", xmppclient.JoinOptions{History: -1, Config: xmppclient.PrivateRoomConfig("plans")}); err != nil {
				t.Fatalf("alice makes %s: %v", room, err)
			}
			if err := alice2.c.Invite(jctx, room, bobJ, xmppclient.InviteOptions{Mediated: true}); err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			if err := bob2.c.JoinRoom(jctx, room, "bob", xmppclient.JoinOptions{MustExist: true}); err != nil {
				t.Fatalf("bob joins %s over I2P: %v", room, err)
			}
			t.Logf("bob@B joined the private room on A in %v", time.Since(t0).Round(time.Millisecond))
			for _, m := range []struct {
				from, to *user
				body     string
			}{
				{alice2, bob2, "encrypted over I2P: the meeting moved to Thursday"},
				{bob2, alice2, "encrypted over I2P: Thursday suits me"},
			} {
				t0 := time.Now()
				var st xmppclient.RoomEncryption
				waitUntil(t, "the room's messages encrypted", time.Minute, func() bool {
					st, err = m.from.c.RoomEncryption(jctx, room)
					return err == nil && st.Encrypted
				})
				if _, err := m.from.c.SendGroup(jctx, room, m.body); err != nil {
					t.Fatal(err)
				}
				g := m.to.wait(t, "an encrypted room message", 2*time.Minute, func(ev xmppclient.Event) bool {
					g, ok := ev.(xmppclient.GroupMessage)
					return ok && g.Room.Equal(room) && g.Body == m.body
				}).(xmppclient.GroupMessage)
				if !g.Encrypted {
					t.Errorf("%q arrived unencrypted", m.body)
				}
				t.Logf("%q: encrypted for %v and decrypted across the nodes in %v", m.body, st.Members, time.Since(t0).Round(time.Millisecond))
			}
		})
	})

	// Faults under the running federation: kill -9 a node's prosody or
	// i2pd; the supervisor restarts it, and a message alice's client sent
	// during the outage reaches bob afterwards. A restarted router is
	// reached again quickly because the node's SOCKS proxy shares the
	// node's destination and mod_clove_darknet reopens broken links (the
	// peer learns the new lease set from the new stream); without that it
	// took 10m06s / 10m25s (the peer's cached lease set had to expire).
	t.Run("faults", func(t *testing.T) {
		type fault struct {
			node  *fedNode
			child string
		}
		faults := []fault{{a, "prosody"}, {b, "i2pd"}, {a, "i2pd"}}
		for _, f := range faults {
			pid := f.node.pid(f.child)
			if pid == 0 {
				t.Fatalf("node %s's %s is not running", f.node.name, f.child)
			}
			restarts := f.node.sup.Status()
			t0 := time.Now()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if f.node == a && f.child == "prosody" {
				waitUntil(t, "alice's client noticing", 30*time.Second, func() bool { return alice.c.State() != xmppclient.Online })
			}
			body := fmt.Sprintf("sent while node %s's %s was down", f.node.name, f.child)
			id, err := alice.c.Send(ctx, bobJ, body)
			if err != nil {
				t.Fatal(err)
			}
			back := waitUntil(t, f.child+" restarted", 30*time.Second, func() bool { p := f.node.pid(f.child); return p != 0 && p != pid })
			for i, c := range f.node.sup.Status().Children {
				if c.Name == f.child && c.Restarts <= restarts.Children[i].Restarts {
					t.Errorf("%s restarts %d, before %d", c.Name, c.Restarts, restarts.Children[i].Restarts)
				}
			}
			// Bound: should the peer keep the killed router's old lease set,
			// it lives until its leases expire, up to 10 min (i2pd's tunnel
			// lifetime), plus one s2s connect timeout (90 s) of the retry
			// under way then (see darknet_retry_for).
			if _, err := bob.waitErr(body, 13*time.Minute, func(ev xmppclient.Event) bool {
				if alice.find(failed(id)) != nil {
					return true
				}
				return received(aliceJ, body)(ev)
			}); err != nil {
				t.Errorf("kill -9 node %s's %s: the message sent during the outage did not arrive: %v", f.node.name, f.child, err)
				continue
			}
			if ev := alice.find(failed(id)); ev != nil {
				t.Errorf("kill -9 node %s's %s: the message sent during the outage bounced after %v: %v", f.node.name, f.child, time.Since(t0).Round(time.Millisecond), ev)
				continue
			}
			t.Logf("kill -9 node %s's %s: restarted after %v; the message sent during the outage arrived %v after the kill",
				f.node.name, f.child, back.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		}
		// And the link works both ways afterwards.
		took, tries := deliver(t, bob, alice, aliceJ, "all good after the faults?", 4*time.Minute)
		t.Logf("B → A after the faults: %v (%d sends)", took.Round(time.Millisecond), tries)
	})

	for _, f := range []*fedNode{a, b} {
		if log := tail(filepath.Join(f.dir, "logs/prosody.log"), 100000); strings.Contains(log, "Traceback") {
			t.Errorf("node %s's prosody logged a Lua error", f.name)
		}
	}
}
