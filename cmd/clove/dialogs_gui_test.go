package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Escape and Return in the real window's dialogs, typed with xdotool:
// Escape closes the search (it did not before), Return in the add-contact
// dialog adds the contact; the composer gets the keys again after each.
func TestGUIDialogKeysUnderXvfb(t *testing.T) {
	needX(t)
	alice, aj, bj, _ := aliceWithBobAndCarol(t)
	dave := "dave@" + strings.SplitN(aj, "@", 2)[1]
	w := aliceWindow(t, alice, aj)
	keys := w.keys
	shot := func(name string) {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
	}
	keys("ctrl+k")
	w.must("type", "--delay", "15", "bob")
	keys("Return") // Bob's chat, the cursor in the composer
	keys("ctrl+f")
	time.Sleep(300 * time.Millisecond)
	w.must("type", "--delay", "15", "zzz")
	time.Sleep(200 * time.Millisecond)
	shot("dialog-search-open.png")
	keys("Escape")
	shot("dialog-search-closed.png")
	// The search is gone: what is typed now goes to Bob.
	w.must("type", "--delay", "15", "after Escape")
	keys("Return")
	waitUntil(t, 30*time.Second, "the text typed after Escape is sent to Bob", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj), "after Escape [sent]")
	})

	w.click(addContactX, addContactY) // + beside the filter
	w.must("type", "--delay", "15", dave)
	shot("dialog-add-contact.png")
	keys("Return")
	waitUntil(t, 30*time.Second, "Return in the add-contact dialog adds Dave", func() bool {
		return strings.Contains(alice.ok("roster", "--account", aj, "list"), dave)
	})
	shot("dialog-add-contact-done.png")

	// Escape also with the focus on one of the dialog's buttons (Tab from
	// the entries): Fyne's buttons took the key and the dialog stayed.
	w.click(addContactX, addContactY)
	time.Sleep(300 * time.Millisecond)
	keys("Tab")
	keys("Tab")
	keys("Tab")
	shot("dialog-add-contact-button.png")
	keys("Escape")
	w.must("type", "--delay", "15", "after Tab and Escape")
	keys("Return")
	waitUntil(t, 30*time.Second, "the text typed after Tab and Escape is sent to Bob", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj), "after Tab and Escape [sent]")
	})
	w.stop()
}

// Where the + beside the contact filter is (the window's default size).
const (
	addContactX = 222
	addContactY = 48
)
