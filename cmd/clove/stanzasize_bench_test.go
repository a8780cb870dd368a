package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/xmpptest"
)

// BenchmarkListenHugeStanza: the peak memory (VmHWM) of `clove listen`, a
// process of its own, while a hostile server sends it one stanza of 1 KB,
// 1 MB, 10 MB or 100 MB after login (written as generated). Goal: flat —
// a stanza over the limit (1 MiB) is refused as it is read. Before the
// limit: 126 MiB for 10 MB, 813 MiB for 100 MB. Also checks, with the real
// binary, that the refusal is one line, and that the message before it is
// in the history afterwards.
func BenchmarkListenHugeStanza(b *testing.B) {
	bin := buildClove(b)
	sizes := []int64{1_000, 1_000_000, 10_000_000, 100_000_000}
	for i := 0; i < b.N; i++ {
		var figures []string
		var small float64
		for _, size := range sizes {
			hwm := listenThroughHugeStanza(b, bin, size)
			if size == sizes[0] {
				small = hwm
			} else if size > 1<<20 && hwm > small+16 {
				// The goal: flat. Refused stanzas cost at most what
				// decoding the 1 MiB the limit lets in costs.
				b.Errorf("a %s stanza took listen to %.1f MiB, %.1f MiB above a 1 KB one", sizeName(size), hwm, hwm-small)
			}
			figures = append(figures, fmt.Sprintf("%s: %.1f MiB", sizeName(size), hwm))
			b.ReportMetric(hwm, "MiB-peak-"+sizeName(size))
		}
		b.Logf("peak memory of clove listen (VmHWM) by stanza size: %s", strings.Join(figures, ", "))
	}
}

func sizeName(n int64) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%dMB", n/1_000_000)
	}
	return fmt.Sprintf("%dKB", n/1_000)
}

// listenThroughHugeStanza runs clove listen against a server that sends
// "before", a stanza of size, then "after" (if the client is still there),
// and "again" on the next login; it returns listen's VmHWM in MiB.
func listenThroughHugeStanza(tb testing.TB, bin string, size int64) float64 {
	const bob = "bob@example.test/x"
	refused := size > 1<<20
	done := make(chan struct{})
	defer close(done)
	srv := xmpptest.Start(tb, "example.test", func(s *xmpptest.Stream) {
		switch s.Login {
		case 1: // account add's check
		case 2:
			_ = s.SendMessage(bob, "before", "before")
			if err := s.SendStanzaOfSize(bob, "big", size); err == nil {
				_ = s.SendMessage(bob, "after", "after")
			}
		default:
			_ = s.SendMessage(bob, "again", "again")
		}
		<-done
	})
	profile := filepath.Join(tb.TempDir(), "profile")
	env := append(os.Environ(), "CLOVE_PASSWORD=pw")
	cmd := exec.Command(bin, "--profile", profile, "account", "add", "alice@example.test", "--server", srv.Addr)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("account add: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := 3 // before, big, after
	if refused {
		want = 2 // before, again
	}
	listen := exec.CommandContext(ctx, bin, "--profile", profile, "listen", "--account", "alice@example.test", "--count", fmt.Sprint(want))
	listen.Env = env
	var stderr lockedBuffer
	listen.Stderr = &stderr
	out, err := listen.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := listen.Start(); err != nil {
		tb.Fatal(err)
	}
	// VmHWM is read until the process ends: it only grows.
	var hwm float64
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", listen.Process.Pid))
			if err != nil || !strings.Contains(string(st), "VmHWM") {
				return
			}
			hwm = max(hwm, kbField(st, "VmHWM:")/1024)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var lines []string
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 4<<20) // the 1 MB body is one line
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = listen.Wait()
	<-polled
	if err != nil || len(lines) != want {
		tb.Fatalf("%s: listen: %v; %d lines (want %d)\nstderr: %s", sizeName(size), err, len(lines), want, stderr.String())
	}
	if n := strings.Count(stderr.String(), "the server sent a stanza of more than 1 MiB; disconnected"); refused && n != 1 {
		tb.Errorf("%s: the refusal said %d times:\n%s", sizeName(size), n, stderr.String())
	}
	hist := exec.Command(bin, "--profile", profile, "history", "--account", "alice@example.test", "--with", "bob@example.test")
	hist.Env = env
	if h, err := hist.Output(); err != nil || !strings.Contains(string(h), ": before [") {
		tb.Errorf("%s: history after the refusal: %v\n%s", sizeName(size), err, h)
	}
	tb.Logf("%s stanza: listen's VmHWM %.1f MiB; stderr: %s", sizeName(size), hwm, strings.TrimSpace(stderr.String()))
	return hwm
}
