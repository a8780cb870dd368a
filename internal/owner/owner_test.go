//go:build linux

package owner

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv, when set to a directory, makes TestChild a process that takes
// a token there, prints its id and waits to be killed.
const childEnv = "CLOVE_OWNER_CHILD"

func TestChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("helper process")
	}
	tok, err := Take(dir)
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString(tok.ID() + "\n")
	time.Sleep(time.Minute)
	os.Exit(4)
}

// child starts a process holding a token in dir and returns it with the
// token's id.
func child(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the child's token: %v", err)
	}
	return cmd, line[:len(line)-1]
}

func TestTakeAndRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	a, err := Take(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Take(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !Valid(a.ID()) || a.ID() == b.ID() {
		t.Fatalf("ids %q and %q", a.ID(), b.ID())
	}
	// Probed from this process too: another open file, another lock.
	if !Alive(dir, a.ID()) || !Alive(dir, b.ID()) {
		t.Fatal("a held token is not alive")
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock directory: %v, %v", fi.Mode(), err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if Alive(dir, a.ID()) {
		t.Fatal("a released token is alive")
	}
	if _, err := os.Stat(filepath.Join(dir, a.ID())); !os.IsNotExist(err) {
		t.Fatalf("released token's file: %v", err)
	}
	if !Alive(dir, b.ID()) {
		t.Fatal("the other token died with the first")
	}
	_ = b.Release()
}

func TestBadIDsAreNotAlive(t *testing.T) {
	dir := t.TempDir()
	// A file named like a token that no one locks, and names that are no
	// token's (from a damaged database) — never a path outside dir.
	if err := os.WriteFile(filepath.Join(dir, "AAAAAAAAAAAAAAAAAAAAAAAAAA"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "../../etc/passwd", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "AAAAAAAAAAAAAAAAAAAAAAAAA1", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAB"} {
		if Alive(dir, id) {
			t.Errorf("Alive(%q)", id)
		}
	}
}

// A session killed with SIGKILL: its lock is free at once, a watcher hears
// of it (after the grace time), and the next Take removes its file.
func TestKilledOwner(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := filepath.Join(t.TempDir(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const grace = 300 * time.Millisecond
	w, err := Watch(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	sub, long := w.Subscribe(grace), w.Subscribe(time.Hour)
	cmd, id := child(t, dir)
	if !Alive(dir, id) {
		t.Fatal("the child's token is not alive")
	}
	if n, _ := Sweep(dir); n != 0 {
		t.Fatalf("a sweep removed %d files of live sessions", n)
	}
	select {
	case <-sub.C():
		t.Fatal("a signal before any session ended")
	case <-time.After(100 * time.Millisecond):
	}
	killed := time.Now()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if Alive(dir, id) {
		t.Fatal("a killed session is alive")
	}
	for !sub.Settling(id) {
		if time.Since(killed) > 5*time.Second {
			t.Fatal("the watcher did not see the session end")
		}
		time.Sleep(5 * time.Millisecond)
	}
	seen := time.Since(killed)
	select {
	case <-sub.C():
	case <-time.After(10 * time.Second):
		t.Fatal("no signal after the grace time")
	}
	signalled := time.Since(killed)
	t.Logf("seen ending %v after the kill, signalled %v after", seen, signalled)
	if signalled < grace {
		t.Errorf("signalled %v after the kill, before the grace time %v", signalled, grace)
	}
	if sub.Settling(id) {
		t.Error("still settling after the grace time")
	}
	// Another subscriber's grace is its own.
	if !long.Settling(id) || len(long.C()) != 0 {
		t.Error("the hour-long subscription is not settling, or was signalled")
	}
	long.Close()
	if n, err := Sweep(dir); n != 1 || err != nil {
		t.Errorf("sweep after the kill: %d removed, %v", n, err)
	}
	cancel()
	for range sub.C() { // closed once the watcher stopped
	}
	if _, ok := <-w.Subscribe(grace).C(); ok {
		t.Error("a subscription to a stopped watcher got a signal")
	}
}

// Probes never see each other as owners (shared locks), and a sweep never
// removes the file of a token being taken or held.
func TestConcurrentTakeProbeSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	const dead = "BBBBBBBBBBBBBBBBBBBBBBBBBB"
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = os.WriteFile(filepath.Join(dir, dead), nil, 0o600)
				if Alive(dir, dead) {
					t.Error("a file no one locks looked alive to a probe")
				}
				_, _ = Sweep(dir)
			}
		}()
	}
	for range 200 {
		tok, err := Take(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !Alive(dir, tok.ID()) {
			t.Fatal("a token just taken is not alive")
		}
		_ = tok.Release()
	}
	close(stop)
	wg.Wait()
}
