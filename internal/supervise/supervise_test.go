package supervise

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sleeper(t *testing.T, name string) Child {
	return Child{Name: name, Argv: []string{"/bin/sleep", "600"}, LogFile: filepath.Join(t.TempDir(), name+".log")}
}

func TestRestartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lines []string
	logged := make(chan string, 100)
	s, err := Start(ctx, []Child{sleeper(t, "a"), sleeper(t, "b")}, Options{BackoffMin: 50 * time.Millisecond, Log: func(l string) { logged <- l }})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	for _, c := range st.Children {
		if !c.Running || !alive(c.PID) {
			t.Fatalf("%s not running: %+v", c.Name, c)
		}
	}
	// kill -9 b twice: it comes back each time, a is untouched.
	for n := 1; n <= 2; n++ {
		old := s.Status().Children[1].PID
		syscall.Kill(old, syscall.SIGKILL)
		waitFor(t, "b restarted", func() bool {
			c := s.Status().Children[1]
			return c.Running && c.PID != old && c.Restarts == n
		})
		if c := s.Status().Children[1]; c.LastExit != "signal: killed" {
			t.Errorf("last exit %q", c.LastExit)
		}
	}
	if a := s.Status().Children[0]; a.PID != st.Children[0].PID || a.Restarts != 0 {
		t.Errorf("a was touched: %+v", a)
	}
	final := s.Status()
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("not stopped")
	}
	for _, c := range final.Children {
		if alive(c.PID) {
			t.Errorf("%s still runs", c.Name)
		}
	}
	for len(logged) > 0 {
		lines = append(lines, <-logged)
	}
	// Stopped last first.
	if n := len(lines); n < 2 || lines[n-2] != "stopped b" || lines[n-1] != "stopped a" {
		t.Errorf("stop order: %q", lines)
	}
}

func TestStartFailsCleanly(t *testing.T) {
	a := sleeper(t, "a")
	var started []int
	_, err := Start(context.Background(), []Child{a, {Name: "missing", Argv: []string{"/nonexistent/x"}, LogFile: filepath.Join(t.TempDir(), "m.log")}},
		Options{OnChange: func(st Status) {
			if st.Children[0].PID != 0 {
				started = append(started, st.Children[0].PID)
			}
		}})
	var se *StartError
	if !errors.As(err, &se) || se.Child != "missing" || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	if len(started) == 0 {
		t.Fatal("a never started")
	}
	if alive(started[0]) {
		t.Error("a was left running after the start failed")
	}
}

// A child that cannot restart (its log directory went away) is retried
// with backoff; the supervisor keeps running and stops cleanly.
func TestRestartFailureRetries(t *testing.T) {
	dir := t.TempDir()
	c := Child{Name: "a", Argv: []string{"/bin/sleep", "600"}, LogFile: filepath.Join(dir, "sub", "a.log")}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	ctx, cancel := context.WithCancel(context.Background())
	logged := make(chan string, 100)
	s, err := Start(ctx, []Child{c}, Options{BackoffMin: 20 * time.Millisecond, BackoffMax: 40 * time.Millisecond, Log: func(l string) { logged <- l }})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "sub"))
	syscall.Kill(s.Status().Children[0].PID, syscall.SIGKILL)
	failures := 0
	for failures < 2 {
		select {
		case l := <-logged:
			if strings.Contains(l, "restarting a failed") {
				failures++
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no retry")
		}
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	waitFor(t, "a back", func() bool { return s.Status().Children[0].Running })
	cancel()
	<-s.Done()
}

func TestPlanAndStatusFiles(t *testing.T) {
	dir := t.TempDir()
	p := Plan{Children: []Child{sleeper(t, "a"), {Name: "b", LogFile: filepath.Join(dir, "b.log"), Argv: []string{"/bin/sh", "-c", "exec sleep 600"}}}, BackoffMin: time.Second, BackoffMax: 20 * time.Second}
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(dir)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("plan round trip: %+v, %v", got, err)
	}
	for _, bad := range []Plan{{Children: []Child{{Name: "a\tb", Argv: []string{"x"}}}}, {Children: []Child{{Name: "a", Argv: []string{"x\ny"}}}}} {
		if err := WritePlan(t.TempDir(), bad); err == nil {
			t.Errorf("wrote %+v", bad)
		}
	}
	for _, bad := range []string{"", "# only a comment\n", "child\ta\n", "backoff\tx\t1s\nchild\ta\tl\t/bin/true\n", "what\n"} {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, PlanFile), []byte(bad), 0o600)
		if _, err := ReadPlan(d); err == nil {
			t.Errorf("read plan %q", bad)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunDir(ctx, dir, nil) }()
	var st Status
	waitFor(t, "status written", func() bool {
		st, _, _ = ReadStatus(dir)
		return len(st.Children) == 2 && st.Children[0].Running && st.Children[1].Running
	})
	if pid := RunningPID(dir); pid != os.Getpid() {
		t.Errorf("pid file: %d", pid)
	}
	if err := RunDir(ctx, dir, nil); !errors.Is(err, ErrRunning) {
		t.Errorf("second RunDir: %v", err)
	}
	syscall.Kill(st.Children[1].PID, syscall.SIGKILL)
	time.Sleep(50 * time.Millisecond)
	st2, _, _ := ReadStatus(dir)
	if st2.Children[1].Running || st2.Children[1].LastExit != "signal: killed" {
		t.Errorf("after kill: %+v", st2.Children[1])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, pid, err := ReadStatus(dir)
	if err != nil || pid != 0 || st.Children[0].Running || st.Children[1].Running {
		t.Errorf("after stop: %+v pid %d %v", st, pid, err)
	}
}

// A status is never half-updated: readers hammering it while a child is
// killed and restarted again and again must see each new pid together with
// its restart count, in memory (Status) and in the status file
// (ReadStatus, what `clove node status` and the node's tests read).
func TestStatusNeverHalfUpdated(t *testing.T) {
	const kills = 15
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, c Child) (read func() (ChildStatus, bool), done <-chan struct{})
	}{
		{"Status", func(t *testing.T, ctx context.Context, c Child) (func() (ChildStatus, bool), <-chan struct{}) {
			s, err := Start(ctx, []Child{c}, Options{BackoffMin: time.Millisecond, BackoffMax: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			return func() (ChildStatus, bool) { return s.Status().Children[0], true }, s.Done()
		}},
		{"status file", func(t *testing.T, ctx context.Context, c Child) (func() (ChildStatus, bool), <-chan struct{}) {
			dir := t.TempDir()
			if err := WritePlan(dir, Plan{Children: []Child{c}, BackoffMin: time.Millisecond, BackoffMax: time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { defer close(done); _ = RunDir(ctx, dir, nil) }()
			return func() (ChildStatus, bool) {
				st, _, err := ReadStatus(dir)
				if err != nil || len(st.Children) != 1 {
					return ChildStatus{}, false
				}
				return st.Children[0], true
			}, done
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			read, done := tc.run(t, ctx, sleeper(t, "a"))
			defer func() { cancel(); <-done }()
			var first ChildStatus
			waitFor(t, "a running", func() bool {
				c, ok := read()
				first = c
				return ok && c.Running && c.PID != 0
			})
			// Readers record the restart count seen with each pid.
			var mu sync.Mutex
			seen := map[int]int{first.PID: 0}
			bad := map[string]bool{} // each kind of wrong reading once
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						c, ok := read()
						if !ok || c.PID == 0 {
							continue
						}
						mu.Lock()
						if n, known := seen[c.PID]; !known {
							seen[c.PID] = c.Restarts
						} else if n != c.Restarts {
							bad[fmt.Sprintf("pid %d with %d and %d restarts", c.PID, n, c.Restarts)] = true
						}
						mu.Unlock()
					}
				}()
			}
			pid := first.PID
			for n := 1; n <= kills; n++ {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				waitFor(t, "a restarted", func() bool {
					c, ok := read()
					if ok && c.Running && c.PID != pid && c.PID != 0 {
						pid = c.PID
						return true
					}
					return false
				})
			}
			close(stop)
			wg.Wait()
			// Each pid went with one count, and the i-th pid with i-1
			// restarts: no new pid was ever seen with the old count.
			counts := map[int]bool{}
			for p, n := range seen {
				if counts[n] {
					bad[fmt.Sprintf("restart count %d seen with two pids (pid %d)", n, p)] = true
				}
				counts[n] = true
			}
			if len(bad) > 0 {
				t.Fatalf("half-updated status (%d pids seen): %s", len(seen), strings.Join(slices.Sorted(maps.Keys(bad)), "; "))
			}
			t.Logf("%d restarts, %d pids seen, each with its own count", kills, len(seen))
		})
	}
}
