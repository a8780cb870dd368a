package node

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pdconf"
)

// isolatedRouter keeps the node's i2pd off any network: a private network
// id, no reseed, nothing published. Enough to supervise it.
func isolatedRouter(t *testing.T) string {
	n := i2pdconf.Isolated("127.0.0.1", freePort(t))
	n.Addressbook = true
	return n.Text()
}

func newNode(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "node")
	if _, err := Init(context.Background(), InitOptions{Dir: dir, C2SPort: freePort(t), S2SPort: freePort(t), SOCKS: fmt.Sprintf("127.0.0.1:%d", freePort(t))}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSupervisorRestartsCrashedChildrenAndStopsCleanly(t *testing.T) {
	requireBins(t)
	dir := newNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	s, err := Start(ctx, dir, RunOptions{I2PDConfig: isolatedRouter(t), BackoffMin: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	if err := s.WaitReady(rctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("node ready in %v", time.Since(t0))
	pids := map[string]int{}
	for _, c := range s.Status().Children {
		if !c.Running || !alive(c.PID) {
			t.Fatalf("%s not running: %+v", c.Name, c)
		}
		pids[c.Name] = c.PID
	}
	// kill -9 each child: it comes back with a new process.
	for _, name := range []string{"prosody", "i2pd"} {
		t1 := time.Now()
		syscall.Kill(pids[name], syscall.SIGKILL)
		waitFor(t, name+" restarted", 15*time.Second, func() bool {
			for _, c := range s.Status().Children {
				if c.Name == name && c.Running && c.PID != pids[name] && c.Restarts == 1 {
					return true
				}
			}
			return false
		})
		t.Logf("%s back %v after kill -9", name, time.Since(t1))
	}
	if err := s.WaitReady(rctx); err != nil {
		t.Fatalf("prosody not answering after its restart: %v", err)
	}
	final := s.Status()
	cancel()
	select {
	case <-s.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the node did not stop")
	}
	for _, c := range final.Children {
		if alive(c.PID) {
			t.Errorf("%s (pid %d) still runs after stop", c.Name, c.PID)
		}
	}
	for _, f := range []string{"logs/prosody.log", "logs/i2pd.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("no %s in the node dir: %v", f, err)
		}
	}
}

func TestStartRefusesClearly(t *testing.T) {
	requireBins(t)
	dir := newNode(t)
	info, _ := Load(dir)
	keys, _ := os.ReadFile(filepath.Join(dir, keysFile))
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", info.C2SPort))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), dir, RunOptions{I2PDConfig: isolatedRouter(t)})
	busy.Close()
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("port in use: %v", err)
	}
	_, err = Start(context.Background(), dir, RunOptions{Prosody: "/nonexistent/prosody"})
	if err == nil || !strings.Contains(err.Error(), "prosody not found") {
		t.Errorf("missing prosody: %v", err)
	}
	os.Remove(ProsodyConfig(dir))
	_, err = Start(context.Background(), dir, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("broken node dir: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, keysFile)); string(after) != string(keys) {
		t.Fatal("a refused start touched the node's identity")
	}
	if _, err := Start(context.Background(), t.TempDir(), RunOptions{}); err == nil || !strings.Contains(err.Error(), "clove node init") {
		t.Errorf("no node: %v", err)
	}
}
