package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Issue 17: two sessions of one account on one profile — a long-running
// one (the window, `clove listen`, a bot) and `clove send` processes
// beside it. Each sends only what it queued, and a process that dies
// hands what it left queued to the one still running.

// liveCopies counts every copy of a message a session receives live,
// before any deduplication (what a receiver that does not deduplicate by
// origin-id shows), by origin-id.
type liveCopies struct {
	mu     sync.Mutex
	copies map[string]int
	done   chan struct{}
}

func countLiveCopies(s testSession) *liveCopies {
	lc := &liveCopies{copies: map[string]int{}, done: make(chan struct{})}
	go func() {
		defer close(lc.done)
		for ev := range s.Events() {
			sv, _ := ev.(chat.Saved)
			if m, ok := sv.Event.(xmppclient.MessageReceived); ok && !m.Archived && !m.Carbon && !m.Outgoing {
				lc.mu.Lock()
				lc.copies[m.OriginID]++
				lc.mu.Unlock()
			}
		}
	}()
	return lc
}

// waitFor waits until the copies hold want distinct messages (false after
// within).
func (lc *liveCopies) waitFor(want int, within time.Duration) bool {
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		lc.mu.Lock()
		n := len(lc.copies)
		lc.mu.Unlock()
		if n >= want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// tally compares the copies with the ids sent: extra copies and missing
// messages.
func (lc *liveCopies) tally(ids []string) (extra, missing, copies int) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for _, id := range ids {
		switch c := lc.copies[id]; {
		case c == 0:
			missing++
		case c > 1:
			extra += c - 1
		}
	}
	for _, c := range lc.copies {
		copies += c
	}
	return extra, missing, copies
}

// connTap keeps the client's current connection, so a test can cut it,
// and counts the dials.
type connTap struct {
	mu    sync.Mutex
	conn  net.Conn
	dials atomic.Int32
}

func (c *connTap) tweak(cfg *xmppclient.Config) {
	dial := cfg.Dial
	cfg.Dial = func(ctx context.Context) (net.Conn, error) {
		conn, err := dial(ctx)
		if err == nil {
			c.mu.Lock()
			c.conn = conn
			c.mu.Unlock()
			c.dials.Add(1)
		}
		return conn, err
	}
	cfg.BackoffMin, cfg.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
}

func (c *connTap) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
	}
}

// `clove send` beside a running session of the same account, 20 times,
// the running session's stream cut just as each send has its message
// queued (so it reconnects, and flushes, while the send runs): every send
// exits 0 at once with its own acknowledgement, and bob gets each message
// once. Before, the reconnecting session sent the other process's message
// too: a second copy at bob, or the ack taken from the send, which waited
// 30 s and said "not acknowledged".
func TestSendBesideARunningSession(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var tap connTap
	as := alice.session(t, ctx, aj, tap.tweak)
	go func() {
		for range as.Events() {
		}
	}()
	bs := bob.session(t, ctx, bj, nil)
	bob1 := countLiveCopies(bs)
	if err := as.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bs.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}

	const sends = 20
	start := time.Now()
	var ids []string
	var slowest time.Duration
	for i := range sends {
		cmd := cliChild(t, alice.profile, "", "send", "--account", aj, "--timeout", "15s", bj, fmt.Sprintf("send %02d", i))
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		began := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// The running session's stream is cut once the send's message is
		// queued: it reconnects (resuming, or anew) while the send logs in.
		cutDone := waitQueuedThenCut(ctx, as, aj, &tap, done)
		err := <-done
		<-cutDone
		took := time.Since(began)
		slowest = max(slowest, took)
		if err != nil || took > 10*time.Second {
			t.Fatalf("send %d: %v after %v\nstdout: %s\nstderr: %s", i, err, took.Round(time.Millisecond), stdout.String(), stderr.String())
		}
		id := strings.TrimSpace(stdout.String())
		if id == "" || strings.Contains(id, "\n") {
			t.Fatalf("send %d printed %q", i, stdout.String())
		}
		ids = append(ids, id)
	}
	elapsed := time.Since(start)
	if !bob1.waitFor(sends, 15*time.Second) {
		t.Error("bob did not get every message")
	}
	time.Sleep(500 * time.Millisecond) // a late second copy would show now
	waitOutboxEmpty(t, ctx, as, aj, 10*time.Second)
	cancel()
	<-bob1.done
	as.done()
	bs.done()
	extra, missing, copies := bob1.tally(ids)
	t.Logf("%d sends in %v (slowest %v), %d reconnects of the running session, bob: %d copies, %d extra, %d missing",
		sends, elapsed.Round(time.Millisecond), slowest.Round(time.Millisecond), tap.dials.Load()-1, copies, extra, missing)
	if extra != 0 || missing != 0 || copies != sends {
		t.Errorf("bob: %d copies of %d messages, %d extra, %d missing", copies, sends, extra, missing)
	}
}

// waitQueuedThenCut cuts the running session's stream as soon as the
// profile's outbox holds a message (or once the send ended).
func waitQueuedThenCut(ctx context.Context, s testSession, account string, tap *connTap, ended <-chan error) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if len(ended) > 0 {
				return
			}
			if p, err := s.Profile().Store().Pending(ctx, account); err == nil && len(p) > 0 {
				tap.cut()
				return
			}
		}
	}()
	return done
}

// `clove send TO -` killed with SIGKILL in the middle of bursts while
// another session of the account runs on the profile: the running
// session takes over what the dead process left queued — without a
// reconnect, a grace time after the kill — and looks it up in the
// archive first (mod_mam), so bob gets every message alice's profile
// holds exactly once and her outbox ends empty. The server has no
// carbons: with them the running session would learn of most of the dead
// one's messages from their copies (stored, so no longer queued), and
// the archive would have little left to tell.
func TestKilledSendTakenOverByRunningSession(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithMAM(), prosodytest.WithModule("offline"), prosodytest.WithoutModule("carbons"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var tap connTap
	as := alice.session(t, ctx, aj, tap.tweak)
	go func() {
		for range as.Events() {
		}
	}()
	bs := bob.session(t, ctx, bj, nil)
	bob1 := countLiveCopies(bs)
	if err := as.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bs.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	st := as.Profile().Store()

	const rounds, perRound = 3, 200
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	var takeOvers []time.Duration
	left, kills := 0, 0
	for r := range rounds {
		var lines strings.Builder
		for i := range perRound {
			fmt.Fprintf(&lines, "round %d message %04d\n", r, i)
		}
		cmd := cliChild(t, alice.profile, lines.String(), "send", "--account", aj, bj, "-")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Killed once the server acknowledged some (a random number) and
		// others are still queued.
		acked := 10 + rng.IntN(perRound/4)
		killed := killAfterAcks(t, ctx, as, aj, bj, cmd, done, r*perRound+acked)
		if !killed {
			t.Logf("round %d: the send ended before the kill: %v %s", r, <-done, stderr.String())
			continue
		}
		<-done
		kills++
		queued, err := st.Pending(ctx, aj)
		if err != nil {
			t.Fatal(err)
		}
		left += len(queued)
		t0 := time.Now()
		waitOutboxEmpty(t, ctx, as, aj, 15*time.Second)
		takeOvers = append(takeOvers, time.Since(t0))
		t.Logf("round %d: killed with %d messages queued; the running session sent them within %v of the kill",
			r, len(queued), time.Since(t0).Round(time.Millisecond))
	}
	hist, err := st.History(ctx, aj, bj, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(hist))
	for i, m := range hist {
		ids[i] = m.OriginID
	}
	if !bob1.waitFor(len(ids), 15*time.Second) {
		t.Error("bob did not get every message")
	}
	time.Sleep(500 * time.Millisecond) // a late second copy would show now
	cancel()
	<-bob1.done
	as.done()
	bs.done()
	extra, missing, copies := bob1.tally(ids)
	if kills == 0 {
		t.Error("every send ended before it could be killed: nothing was taken over")
	}
	t.Logf("%d rounds: %d messages accepted, %d left queued by the kills, taken over in %v; the running session connected %d time(s); bob: %d copies, %d extra, %d missing",
		rounds, len(ids), left, takeOvers, tap.dials.Load(), copies, extra, missing)
	if extra != 0 || missing != 0 || copies != len(ids) {
		t.Errorf("bob: %d copies of %d messages, %d extra, %d missing", copies, len(ids), extra, missing)
	}
	if n := tap.dials.Load(); n != 1 {
		t.Errorf("the running session connected %d times: it should take over without reconnecting", n)
	}
}

// killAfterAcks kills cmd with SIGKILL once alice's profile holds more
// than acked messages to bob marked sent while some are still queued;
// false if cmd ended first.
func killAfterAcks(t *testing.T, ctx context.Context, s testSession, aj, bj string, cmd *exec.Cmd, ended <-chan error, acked int) bool {
	t.Helper()
	st := s.Profile().Store()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if len(ended) > 0 {
			return false
		}
		hist, err := st.History(ctx, aj, bj, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		sent, queued := 0, 0
		for _, m := range hist {
			if m.State == store.Queued {
				queued++
			} else {
				sent++
			}
		}
		if sent >= acked && queued > 0 {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			return true
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	return true
}
