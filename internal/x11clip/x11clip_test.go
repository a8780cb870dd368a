//go:build linux

package x11clip

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// xvfb starts an X server of the test's own and sets DISPLAY to it.
func xvfb(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs Xvfb")
	}
	for _, bin := range []string{"Xvfb", "xclip"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI (make deps): %v", bin, err)
			}
			t.Skipf("%s not installed", bin)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb reported no display")
		}
		t.Setenv("DISPLAY", ":"+n)
	case <-time.After(15 * time.Second):
		t.Fatal("Xvfb did not start in 15 s")
	}
}

// own makes xclip (in the foreground: -quiet) the clipboard's owner,
// offering data as target, until the function it returns or the test's
// end stops it.
func own(t *testing.T, target string, data []byte) (stop func()) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "clip")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-t", target, "-i", f)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(stop)
	// xclip owns the selection once it has read the file; a text read
	// through xclip itself tells when.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command("xclip", "-selection", "clipboard", "-t", "TARGETS", "-o").Output()
		if strings.Contains(string(out), target) {
			return stop
		}
		if time.Now().After(deadline) {
			t.Fatalf("xclip did not take the clipboard: targets %q", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadImage against a real X server, the clipboard held by xclip: an
// empty clipboard and text give nothing (xclip answers image/png with its
// text: not a PNG, so nothing); a picture comes back byte for
// byte, small (one property) and large (ICCCM INCR, in pieces); more than
// the maximum is ErrTooLarge.
func TestReadImage(t *testing.T) {
	xvfb(t)
	ctx := context.Background()
	if got, err := ReadImage(ctx, 1<<20); got != nil || err != nil {
		t.Fatalf("empty clipboard: %d bytes, %v", len(got), err)
	}
	stop := own(t, "UTF8_STRING", []byte("just text"))
	if got, err := ReadImage(ctx, 1<<20); got != nil || err != nil {
		t.Fatalf("text on the clipboard: %d bytes, %v", len(got), err)
	}
	if got, err := Read(ctx, "UTF8_STRING", 1<<20); err != nil || string(got) != "just text" {
		t.Fatalf("the text itself: %q, %v", got, err)
	}
	for _, size := range []int{300, 200 << 10, 20 << 20} {
		data := append([]byte("\x89PNG\r\n\x1a\n"), random(t, size)...)
		stop()
		stop = own(t, "image/png", data)
		t0 := time.Now()
		got, err := ReadImage(ctx, 40<<20)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes on the clipboard: got %d bytes, %v", len(data), len(got), err)
		}
		t.Logf("%d bytes read from the clipboard in %v", len(data), time.Since(t0).Round(time.Millisecond))
		if _, err := ReadImage(ctx, int64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%d bytes with a maximum one less: %v", len(data), err)
		}
	}
	t.Setenv("DISPLAY", "")
	if _, err := ReadImage(ctx, 1<<20); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("no display: %v", err)
	}
}
