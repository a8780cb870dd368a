package main

import (
	"context"
	"debug/buildinfo"
	"image"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The window still reacts after a long idle. With Fyne's run loop patched
// (third_party/fyne-idle) an idle window waits for X events instead of
// ticking at 60 Hz; a message arriving from the server (queued onto the UI
// goroutine with fyne.Do, no X event) must wake it and be drawn, and so
// must a key typed after the idle. Judged from the window's pixels: while
// idle the patched loop draws nothing, so a changed window is the loop
// having woken. With the patch the test also checks that the loop did go
// idle (wake-ups far below the stock loop's ~460/s), else it would prove
// nothing; with stock Fyne it checks only that the window reacts.
func TestGUIReactsAfterLongIdleUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bctx, bcancel := context.WithCancel(context.Background())
	bobOut := &lockedBuffer{}
	bobDone := make(chan int, 1)
	go func() { bobDone <- bob.runCtx(bctx, bobOut, "listen", "--account", bj, "--json") }()
	defer func() { bcancel(); <-bobDone }()

	w := startWindow(t, startXvfb(t), alice.profile, "alice-pw", "Clove — "+aj)
	patched := idleLoopBuilt(t, w.cmd.Path)
	t.Logf("binary built with the patched run loop: %v", patched)
	time.Sleep(700 * time.Millisecond)                               // the roster loads in the background
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // Bob's chat, the composer focused

	// A message from the server after the loop went idle.
	w.waitIdle(patched)
	before := w.grab()
	const reply = "hello Alice, after a long quiet"
	bob.ok("send", "--account", bj, aj, reply)
	waitUntil(t, 30*time.Second, "the window's session stores Bob's message", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj), reply)
	})
	waitUntil(t, 10*time.Second, "the window draws Bob's message", func() bool {
		return differs(before, w.grab()) > 0
	})

	// A key typed after the loop went idle again: it shows, and Enter sends it.
	w.waitIdle(patched)
	before = w.grab()
	const typed = "still here"
	w.must("type", "--delay", "15", typed)
	waitUntil(t, 10*time.Second, "the window draws the typed text", func() bool {
		return differs(before, w.grab()) > 0
	})
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "Bob receives the text typed after the idle", func() bool {
		return strings.Contains(bobOut.String(), typed)
	})
	w.stop()
}

// idleLoopBuilt tells whether the binary's Fyne is the patched copy
// (mktree.sh's replace, used under the Makefile's GOFLAGS).
func idleLoopBuilt(t *testing.T, bin string) bool {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range info.Deps {
		if m.Path == "fyne.io/fyne/v2" && m.Replace != nil && strings.HasSuffix(m.Replace.Path, "/fyne-idle") {
			return true
		}
	}
	return false
}

// waitIdle waits for 3 s with no input. With the patched loop it first waits
// (bounded) until the process wakes less than 100 times a second over a
// second (the idle loop: ~10/s; ticking: ~460/s), which takes the loop's
// half second plus the cursor's 10 s blink timeout.
func (w *window) waitIdle(patched bool) {
	w.t.Helper()
	switches := func() (n int64) {
		for _, s := range threadStats(w.cmd.Process.Pid) {
			n += s.switches
		}
		return n
	}
	if patched {
		start := time.Now()
		var rate int64
		waitUntil(w.t, 30*time.Second, "the run loop goes idle", func() bool {
			n := switches()
			time.Sleep(time.Second)
			rate = switches() - n
			return rate < 100
		})
		w.t.Logf("idle after %v: %d context switches in a second", time.Since(start).Round(time.Second), rate)
	}
	time.Sleep(3 * time.Second)
}

// grab is the window's pixels (xwd), as screenshot takes them.
func (w *window) grab() image.Image {
	w.t.Helper()
	raw, err := exec.Command("xwd", "-silent", "-id", w.id, "-display", w.display).Output()
	if err != nil {
		w.t.Fatalf("xwd: %v", err)
	}
	img, err := decodeXWD(raw)
	if err != nil {
		w.t.Fatalf("xwd output: %v", err)
	}
	return img
}

// differs counts the pixels that differ between two grabs of a window.
func differs(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy()
	}
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}
