package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Delete history… in a contact's ⋮ menu, in the real window: after the
// question, the chat shows a note of what went, the profile holds none
// of it (the CLI's history, read from the same profile, is empty) and
// the words are nowhere in the database file.
func TestGUIDeleteHistoryUnderXvfb(t *testing.T) {
	needX(t)
	alice, aj, bj, _ := aliceWithBobAndCarol(t)
	const secret = "zebracrossing7731"
	for _, body := range []string{"the " + secret + " at noon", "bring the " + secret + " map"} {
		alice.ok("send", "--account", aj, bj, body)
	}
	w := aliceWindow(t, alice, aj)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // Bob
	time.Sleep(500 * time.Millisecond)
	w.click(chatMenuX, chatToolsY)
	time.Sleep(400 * time.Millisecond)
	w.click(chatMenuItemX, 369) // Delete history…, the last item
	time.Sleep(400 * time.Millisecond)
	w.screenshot(screenshotPath(t, "delete-history.png"))
	w.click(490, 347) // Delete
	waitUntil(t, 20*time.Second, "the history is deleted", func() bool {
		return !strings.Contains(alice.ok("history", "--account", aj, "--with", bj), secret)
	})
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "delete-history-done.png"))
	w.stop()
	if n := strings.Count(alice.ok("history", "--account", aj, "--with", bj), secret); n != 0 {
		t.Errorf("the history still holds %d messages with %q", n, secret)
	}
	data, err := os.ReadFile(filepath.Join(alice.profile, "clove.db"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Errorf("%q is still in the profile's database file", secret)
	}
}
