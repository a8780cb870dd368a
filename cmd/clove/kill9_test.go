package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Issue 17, exactly once across kill -9: `clove send TO -` killed with
// SIGKILL in the middle of bursts, then run again, must not give the
// receiver a second copy of any message. Bob counts every copy on the
// wire (live messages, before any deduplication: what a receiver that does
// not deduplicate by origin-id shows). The server archives (mod_mam), so
// each new process asks it what the killed one got through.
func TestExactlyOnceAcrossKill9(t *testing.T) {
	srv, alice, bob, aj, bj := cliPair(t, prosodytest.WithMAM(), prosodytest.WithModule("offline"))
	_ = srv
	kills, perRound := 3, 100
	if s := os.Getenv("CLOVE_KILL9_ROUNDS"); s != "" { // the full measurement
		fmt.Sscan(s, &kills)
		perRound = 2000 / kills
	}
	copies := map[string]int{}
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bs := bob.session(t, ctx, bj, nil)
	bobDone := make(chan struct{})
	go func() {
		defer close(bobDone)
		for ev := range bs.Events() {
			sv, _ := ev.(chat.Saved)
			if m, ok := sv.Event.(xmppclient.MessageReceived); ok && !m.Archived && !m.Carbon && !m.Outgoing {
				mu.Lock()
				copies[m.OriginID]++
				mu.Unlock()
			}
		}
	}()
	if err := bs.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	sendRound := func(round, n int, kill time.Duration) (killed bool) {
		var lines strings.Builder
		for i := range n {
			fmt.Fprintf(&lines, "round %d message %04d\n", round, i)
		}
		cmd := cliChild(t, alice.profile, lines.String(), "send", "--account", aj, bj, "-")
		var out strings.Builder
		cmd.Stderr = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kill == 0 {
			kill = time.Minute
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("round %d: send: %v\n%s", round, err, out.String())
			}
			return false
		case <-time.After(kill):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return true
		}
	}
	landed := 0
	for k := range kills {
		if sendRound(k, perRound, time.Duration(20+rng.IntN(200))*time.Millisecond) {
			landed++
		}
	}
	sendRound(kills, 1, 0) // sends what is left, and one more

	// Everything alice's profile holds was received, once.
	ap, st, err := alice.env().openTestProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := st.History(ctx, aj, bj, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := st.Pending(ctx, aj); err != nil || len(p) != 0 {
		t.Errorf("alice's outbox after the last send: %d messages, %v", len(p), err)
	}
	ap.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		got := len(copies)
		mu.Unlock()
		if got >= len(hist) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-bobDone
	bs.done()
	extra, missing := 0, 0
	for _, m := range hist {
		switch c := copies[m.OriginID]; {
		case c == 0:
			missing++
		case c > 1:
			extra += c - 1
		}
	}
	t.Logf("%d kills (%d mid-run), %d messages stored by alice, %d received by bob, %d extra copies, %d missing",
		kills, landed, len(hist), len(copies), extra, missing)
	if extra != 0 || missing != 0 {
		t.Errorf("%d extra copies and %d missing of %d messages", extra, missing, len(hist))
	}
}
