package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashChildEnv, when set to a database path, turns TestCrashChild into the
// writer process that TestCrashSafety kills.
const crashChildEnv = "CLOVE_STORE_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashSafety: it calls
// AddOutgoing from a few goroutines as fast as it can and prints
// "ACK <id> <origin id>" on stdout after each call returns, until it is
// killed (or a time limit passes, so a lost child cannot run forever).
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				m := out(me, fmt.Sprintf("peer%d@example.org", g), fmt.Sprintf("crash test %d/%d", g, i))
				if err := s.AddOutgoing(ctx, m); err != nil {
					fmt.Fprintln(os.Stderr, "child AddOutgoing:", err)
					os.Exit(4)
				}
				// os.Stdout is unbuffered: one write(2) per line, atomic on a pipe.
				fmt.Fprintf(os.Stdout, "ACK %d %s\n", m.ID, m.OriginID)
			}
		})
	}
	wg.Wait()
	os.Exit(5) // not killed in time
}

// TestCrashSafety kills a writing child process with SIGKILL at random
// points and checks that every message whose AddOutgoing had returned is
// stored, Queued, with its outbox row, and that the database is intact. The
// rounds reuse one database, so each child also opens a database left by a
// killed process.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	path := filepath.Join(t.TempDir(), "crash.db")
	{
		s := openStore(t, path)
		mustAddAccount(t, s, me)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for round := range 6 {
		// Kill after a random number of acknowledged writes, 1..1500.
		killAfter := 1 + rng.IntN(1500)
		acks := runAndKill(t, path, killAfter)
		total += len(acks)

		s := openStore(t, path)
		ctx := t.Context()
		pending, err := s.Pending(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]Message{}
		for _, m := range pending {
			byID[m.ID] = m
		}
		lost := 0
		for id, origin := range acks {
			m, ok := byID[id]
			if !ok || m.OriginID != origin || m.State != Queued {
				lost++
				if lost <= 5 {
					t.Errorf("round %d: acknowledged message %d (%s) not pending after the crash: %+v", round, id, origin, m)
				}
			}
		}
		checkIntegrity(t, s)
		t.Logf("round %d: killed after %d acks (asked %d); %d pending in total, %d lost", round, len(acks), killAfter, len(pending), lost)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if total == 0 {
		t.Fatal("children acknowledged nothing")
	}
}

// runAndKill starts the child on path, SIGKILLs it once it has printed
// killAfter acks (or after 20 s), and returns every id → origin id it
// printed in full.
func runAndKill(t *testing.T, path string, killAfter int) map[int64]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := map[int64]string{}
	killed := false
	timeout := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer timeout.Stop()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		// A line cut by the kill has no newline and is not returned by
		// Scan as a whole line... unless it is the last: check its shape.
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ACK" || len(f[2]) != 26 {
			continue
		}
		id, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		acks[id] = f[2]
		if !killed && len(acks) >= killAfter {
			_ = cmd.Process.Kill() // SIGKILL: no deferred code, no Close
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended by itself (%v) after %d acks: %s", err, len(acks), stderr.String())
	}
	return acks
}
