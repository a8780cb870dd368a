package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A right click on a contact opens its menu under the pointer, and its
// Block… blocks the contact on the server (after a confirmation), which
// the roster then shows; Unblock from the same menu undoes it. Real
// window under Xvfb, real prosody; the server's blocklist is read with the
// command line.
func TestGUIContactMenuBlocksUnderXvfb(t *testing.T) {
	needX(t)
	alice, aj, bj, _ := aliceWithBobAndCarol(t)
	w := aliceWindow(t, alice, aj)
	keys := w.keys
	w.must("mousemove", "--window", w.id, "100", "85", "click", "3") // Bob, the first row
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "contact-menu.png"))
	// Open chat, Rename…, Remove…, Block…: the separator is skipped.
	keys("Down", "Down", "Down", "Down", "Return")
	time.Sleep(300 * time.Millisecond)
	w.screenshot(filepath.Join(t.TempDir(), "block-confirm.png"))
	w.click(483, 347) // Block (Cancel, Block: 450–536 px)
	waitUntil(t, 20*time.Second, "bob is on alice's blocklist", func() bool {
		return strings.TrimSpace(alice.ok("roster", "--account", aj, "blocked")) == bj
	})
	time.Sleep(500 * time.Millisecond)
	w.screenshot(filepath.Join(t.TempDir(), "contact-blocked.png"))

	w.must("mousemove", "--window", w.id, "100", "85", "click", "3")
	time.Sleep(500 * time.Millisecond)
	keys("Down", "Down", "Down", "Down", "Return") // now Unblock, no question
	waitUntil(t, 20*time.Second, "bob is off alice's blocklist", func() bool {
		return strings.TrimSpace(alice.ok("roster", "--account", aj, "blocked")) == ""
	})

	// The presence selector, bottom right: Away.
	w.click(850, 578)
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "status-menu.png"))
	keys("Down", "Down", "Return")
	time.Sleep(500 * time.Millisecond)
	w.screenshot(filepath.Join(t.TempDir(), "status-away.png"))
	w.stop()
}
