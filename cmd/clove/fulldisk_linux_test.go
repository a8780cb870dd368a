package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/tmpfstest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The full disk of issue 17, with the real parts: a prosody that archives,
// Alice's profile on a small tmpfs that the test fills and empties, `clove
// send` as a process of its own, and Bob counting every copy that reaches
// him.

// lines counts the lines of s.
func lines(s string) int {
	if s = strings.TrimRight(s, "\n"); s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}

// copyCounter is Bob, online, counting every live copy of every message
// that reaches him, by body (before any deduplication: what a receiver
// that does not deduplicate by origin-id shows).
type copyCounter struct {
	mu     sync.Mutex
	copies map[string]int
	total  int
	stop   func()
}

func countCopies(t *testing.T, bob cli, bj string) *copyCounter {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := bob.session(t, ctx, bj, func(c *xmppclient.Config) {
		c.BackoffMin, c.BackoffMax = 100*time.Millisecond, 200*time.Millisecond
	})
	cc := &copyCounter{copies: map[string]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range s.Events() {
			sv, _ := ev.(chat.Saved)
			if m, ok := sv.Event.(xmppclient.MessageReceived); ok && !m.Archived && !m.Carbon && !m.Outgoing {
				cc.mu.Lock()
				cc.copies[m.Body]++
				cc.total++
				cc.mu.Unlock()
			}
		}
	}()
	cc.stop = func() { cancel(); <-done; s.done() }
	t.Cleanup(func() { cc.stop() })
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	return cc
}

// waitFor waits (at most 30 s) until Bob holds at least n copies in all,
// then a little longer for any extra copy, and gives the counts.
func (cc *copyCounter) waitFor(n int) (map[string]int, int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		cc.mu.Lock()
		got := cc.total
		cc.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // an extra copy would come now
	cc.mu.Lock()
	defer cc.mu.Unlock()
	m := make(map[string]int, len(cc.copies))
	for k, v := range cc.copies {
		m[k] = v
	}
	return m, cc.total
}

// fullDiskPair starts a prosody that archives (and keeps messages for
// the offline), with Alice's profile on a tmpfs of size and Bob's on the
// ordinary disk.
func fullDiskPair(t *testing.T, size string) (srv *prosodytest.Server, dir string, alice, bob cli, aj, bj string) {
	t.Helper()
	if testing.Short() {
		t.Skip("a real prosody and a tmpfs")
	}
	prosodytest.Require(t)
	dir = tmpfstest.Mount(t, size)
	srv = prosodytest.Start(t, prosodytest.WithMAM(), prosodytest.WithModule("offline"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice = cli{t: t, profile: filepath.Join(dir, "profile"), pw: "pw"}
	bob = newCLI(t, "pw")
	aj, bj = "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	return srv, dir, alice, bob, aj, bj
}

const fullText = "the disk holding your profile is full"

// storedState is the state of the message with body in c's profile, and
// whether it is there; a message in the outbox is Queued.
func storedState(t *testing.T, c cli, account, peer, body string) (store.State, bool) {
	t.Helper()
	p, st, err := c.env().openTestProfile(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hist, err := st.History(t.Context(), account, peer, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := st.Pending(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pending {
		if m.Body == body {
			return store.Queued, true
		}
	}
	for _, m := range hist {
		if m.Body == body {
			return m.State, true
		}
	}
	return "", false
}

// Issue 17, a full disk before the send: `clove send TO TEXT` on a disk
// filled to within room bytes either exits 1 with the one clear error and
// prints nothing as sent — and the message never goes out, not even once
// there is room again — or, where it fitted, exits 0 with its id, and the
// message reaches Bob once and is sent in Alice's profile (the issue saw
// exit 0, then the message queued again and sent a second time).
func TestSendOnFullDisk(t *testing.T) {
	_, dir, alice, bob, aj, bj := fullDiskPair(t, "4m")
	cc := countCopies(t, bob, bj)
	rooms := []int{0, 4 << 10, 8 << 10, 16 << 10, 24 << 10, 32 << 10, 40 << 10, 48 << 10, 64 << 10, 96 << 10}
	if s := os.Getenv("CLOVE_FULLDISK_ROOMS"); s != "" { // the measurement: 0, 1k, … s k
		var k int
		fmt.Sscan(s, &k)
		rooms = rooms[:0]
		for r := 0; r <= k; r++ {
			rooms = append(rooms, r<<10)
		}
	}
	sent, refused := map[string]bool{}, map[string]bool{}
	for _, room := range rooms {
		tmpfstest.Fill(t, dir, room)
		body := fmt.Sprintf("written with %d bytes of room", room)
		r := runChild(t, alice.profile, "", "send", "--account", aj, bj, body)
		outcome := fmt.Sprintf("exit %d, %d lines out, %d lines err", r.code, lines(r.stdout), lines(r.stderr))
		switch named := strings.Count(r.stderr, fullText); {
		case r.code == 0 && lines(r.stdout) == 1 && lines(r.stderr) <= 1 && named == lines(r.stderr):
			// Sent and recorded; a line on stderr says what else did
			// not fit (the archive's catch-up).
			sent[body] = true
			outcome += ": sent"
		case r.code == 1 && lines(r.stdout) == 1 && lines(r.stderr) == 1 && named == 1 &&
			strings.Contains(r.stderr, "the server acknowledged the message, but"):
			sent[body] = true // sent, but the ack could not be recorded
			outcome += ": sent, ack not recorded"
		case r.code == 1 && r.stdout == "" && lines(r.stderr) == 1 && named == 1:
			refused[body] = true
			outcome += ": refused"
		default:
			t.Errorf("send with %d bytes of room: exit %d, stdout %q, stderr %q; want exit 1, nothing printed, one line saying %q (or exit 0 and the id)",
				room, r.code, r.stdout, r.stderr, fullText)
		}
		t.Logf("%d bytes of room: %s %q", room, outcome, r.stderr)
		tmpfstest.Free(t, dir)
		if r.code == 0 {
			// Exit 0: the profile holds the message as sent, with no
			// outbox row (the issue saw it queued again after exit 0).
			if st, ok := storedState(t, alice, aj, bj, body); ok && st == store.Queued {
				t.Errorf("exit 0 with %d bytes of room, yet the message is queued in the profile", room)
			}
		}
	}
	t.Logf("%d sends on a nearly full disk: %d sent, %d refused with %q", len(rooms), len(sent), len(refused), fullText)
	if len(refused) == 0 {
		t.Error("no send was refused: the disk was never full")
	}
	// Room again: what is left in the outbox goes out now.
	alice.ok("send", "--account", aj, bj, "written with room again")
	sent["written with room again"] = true
	copies, total := cc.waitFor(len(sent))
	for b := range sent {
		if copies[b] != 1 {
			t.Errorf("%q (exit 0) reached Bob %d times", b, copies[b])
		}
	}
	for b := range refused {
		if copies[b] != 0 {
			t.Errorf("%q (refused) reached Bob %d times", b, copies[b])
		}
	}
	if total != len(sent) {
		t.Errorf("Bob got %d copies, want %d", total, len(sent))
	}
	p, st, err := alice.env().openTestProfile(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hist, err := st.History(t.Context(), aj, bj, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hist {
		if !sent[m.Body] || m.State == store.Queued {
			t.Errorf("Alice's history holds %q, %s", m.Body, m.State)
		}
	}
	if len(hist) != len(sent) {
		t.Errorf("Alice's history holds %d messages, %d were sent", len(hist), len(sent))
	}
}

// Issue 17, a full disk while the acks arrive: `clove send TO -` writes a
// burst to the outbox while the server is down; then the disk fills and
// the server comes back, so that every ack comes to a full disk. Send
// tells the acks it got (the ids, printed), names the full disk once and
// exits 1. With room again, the next send asks the archive what the server
// has and sends none of the burst again: Bob gets each message once.
func TestSendBurstAcksOnFullDisk(t *testing.T) {
	srv, dir, alice, bob, aj, bj := fullDiskPair(t, "16m")
	cc := countCopies(t, bob, bj)
	n := 500
	if s := os.Getenv("CLOVE_FULLDISK_BURST"); s != "" { // the full measurement: 2000
		fmt.Sscan(s, &n)
	}
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, "burst message %04d\n", i)
	}
	srv.Stop(t)
	cmd := cliChild(t, alice.profile, in.String(), "send", "--account", aj, "--timeout", "60s", bj, "-")
	var out bytes.Buffer
	cmd.Stdout = &out
	errp, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The burst is in the outbox once the first attempt to connect failed.
	var errb bytes.Buffer
	retrying := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		once := sync.OnceFunc(func() { close(retrying) })
		for {
			k, err := errp.Read(buf)
			errb.Write(buf[:k])
			if strings.Contains(errb.String(), "retrying in") {
				once()
			}
			if err != nil {
				once()
				return
			}
		}
	}()
	<-retrying
	tmpfstest.Fill(t, dir, 0)
	srv.Restart(t)
	<-copied
	werr := cmd.Wait()
	took := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	stderr := errb.String()
	t.Logf("%d messages, acks on a full disk: exit %d (%v) after %v; stdout %d lines; stderr %d lines:\n%s",
		n, code, werr, took.Round(time.Millisecond), lines(out.String()), lines(stderr), stderr)
	ids := strings.Fields(out.String())
	if code != 1 || len(ids) != n {
		t.Errorf("exit %d with %d ids printed; want exit 1 and the %d ids the server acknowledged", code, len(ids), n)
	}
	if !strings.Contains(stderr, fmt.Sprintf("the server acknowledged all %d messages", n)) {
		t.Errorf("stderr does not tell the acks received")
	}
	if c := strings.Count(stderr, fullText); c != 1 {
		t.Errorf("stderr names the full disk %d times, want once", c)
	}
	if l := lines(stderr); l > 3 {
		t.Errorf("stderr has %d lines", l)
	}
	if took > 30*time.Second {
		t.Errorf("send took %v: it waited out its timeout", took)
	}

	// Room again: nothing of the burst goes out a second time.
	tmpfstest.Free(t, dir)
	alice.ok("send", "--account", aj, bj, "after the full disk")
	copies, total := cc.waitFor(n + 1)
	extra, missing := 0, 0
	for i := range n {
		switch c := copies[fmt.Sprintf("burst message %04d", i)]; {
		case c == 0:
			missing++
		case c > 1:
			extra += c - 1
		}
	}
	t.Logf("Bob: %d copies of %d messages, %d extra, %d missing", total, n+1, extra, missing)
	if extra != 0 || missing != 0 || copies["after the full disk"] != 1 {
		t.Errorf("Bob got %d extra copies and misses %d of the burst; the last message %d times", extra, missing, copies["after the full disk"])
	}
	h := alice.ok("history", "--account", aj, "--with", bj, "--limit", "100000", "--json")
	if c := strings.Count(h, `"outgoing":true`) - strings.Count(h, `"state":"queued"`); c != n+1 {
		t.Errorf("Alice's history holds %d messages sent, want %d", c, n+1)
	}
}

// Issue 17, space returns: one session runs while the disk fills and
// empties. While full, a new message is refused with the clear error, the
// server's acks are told (and kept in memory), an incoming message is
// shown, and the full disk is said once; once there is room, new messages
// are accepted again and the acks kept are recorded, with no restart.
func TestSessionResumesWhenSpaceReturns(t *testing.T) {
	srv, dir, alice, bob, aj, bj := fullDiskPair(t, "4m")
	cc := countCopies(t, bob, bj)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logb bytes.Buffer
	lw := &lockedWriter{w: &logb}
	e := alice.env()
	e.stderr, e.log = lw, slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, done, err := e.session(ctx, aj, chat.Options{Tweak: func(c *xmppclient.Config) {
		c.BackoffMin, c.BackoffMax = 100*time.Millisecond, 200*time.Millisecond
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	type ack struct {
		id         string
		unrecorded bool
	}
	acks := make(chan ack, 100)
	var received sync.Map
	go func() {
		for ev := range s.Events() {
			sv, _ := ev.(chat.Saved)
			switch e := sv.Event.(type) {
			case xmppclient.MessageAcked:
				acks <- ack{e.ID, e.Unrecorded}
			case xmppclient.MessageReceived:
				if !e.Outgoing {
					received.Store(e.Body, true)
				}
			}
		}
	}()
	waitAck := func(id string) ack {
		t.Helper()
		for {
			select {
			case a := <-acks:
				if a.id == id {
					return a
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no ack for %s", id)
			}
		}
	}
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	to := jid.MustParse(bj)
	id1, err := s.Send(ctx, to, "before the disk filled")
	if err != nil {
		t.Fatal(err)
	}
	if a := waitAck(id1); a.unrecorded {
		t.Error("an ack with room was not recorded")
	}

	// Offline, a message goes to the outbox; then the disk fills and the
	// server comes back: its ack finds a full disk.
	srv.Stop(t)
	id2, err := s.Send(ctx, to, "queued, acked on a full disk")
	if err != nil {
		t.Fatal(err)
	}
	tmpfstest.Fill(t, dir, 0)
	_, err = s.Send(ctx, to, "refused on a full disk")
	if !errors.Is(err, xmppclient.ErrStorageFull) || !strings.Contains(err.Error(), fullText) {
		t.Errorf("Send on a full disk: %v; want %q", err, fullText)
	}
	srv.Restart(t)
	if a := waitAck(id2); !a.unrecorded {
		t.Error("an ack on a full disk was told as recorded")
	}
	// Bob writes from a profile of his own: the counting session above
	// shares bob's profile and, reconnecting after the restart, would flush
	// this send's outbox entry itself, so the send would never see its ack
	// (it failed that way once in a fresh Debian run).
	bobOut := newCLI(t, "pw")
	bobOut.ok("account", "add", bj, "--server", srv.C2SAddr)
	for i := range 3 {
		bobOut.ok("send", "--account", bj, aj, fmt.Sprintf("to Alice on a full disk %d", i))
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, ok := received.Load("to Alice on a full disk 2"); !ok && time.Now().Before(deadline); _, ok = received.Load("to Alice on a full disk 2") {
		time.Sleep(50 * time.Millisecond)
	}
	for i := range 3 {
		if _, ok := received.Load(fmt.Sprintf("to Alice on a full disk %d", i)); !ok {
			t.Errorf("Bob's message %d to Alice on a full disk was not shown", i)
		}
	}

	// Room again: by itself, the session records the ack it kept in
	// memory and fetches from the archive the messages it could not save.
	tmpfstest.Free(t, dir)
	st := s.Profile().Store()
	history := func() (kept []string, queued, fromBob int) {
		hist, err := st.History(ctx, aj, bj, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range hist {
			kept = append(kept, fmt.Sprintf("%s (%s)", m.Body, m.State))
			if m.State == store.Queued {
				queued++
			}
			if strings.HasPrefix(m.Body, "to Alice on a full disk") {
				fromBob++
			}
		}
		return kept, queued, fromBob
	}
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if _, queued, fromBob := history(); queued == 0 && fromBob == 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	kept, queued, fromBob := history()
	t.Logf("room again: after %v, Alice's history: %q", time.Since(start).Round(time.Millisecond), kept)
	if queued != 0 || fromBob != 3 {
		t.Errorf("with room again, no restart: %d messages still queued, %d of Bob's 3 in the history", queued, fromBob)
	}
	if p, err := st.Pending(ctx, aj); err != nil || len(p) != 0 {
		t.Errorf("Alice's outbox with room again: %d messages, %v", len(p), err)
	}
	id3, err := s.Send(ctx, to, "with room again")
	if err != nil {
		t.Fatalf("Send with room again: %v", err)
	}
	if a := waitAck(id3); a.unrecorded {
		t.Error("an ack with room again was not recorded")
	}
	copies, total := cc.waitFor(3)
	t.Logf("Bob: %v", copies)
	for _, b := range []string{"before the disk filled", "queued, acked on a full disk", "with room again"} {
		if copies[b] != 1 {
			t.Errorf("%q reached Bob %d times", b, copies[b])
		}
	}
	if total != 3 {
		t.Errorf("Bob got %d copies, want 3", total)
	}
	cancel()
	done()
	log := logb.String()
	t.Logf("Alice's notices and log:\n%s", log)
	if c, r := strings.Count(log, fullText), strings.Count(log, "has room again"); c != 1 || r != 1 {
		t.Errorf("the full disk is said %d times, room again %d times; want once each", c, r)
	}
}
