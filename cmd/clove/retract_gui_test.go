package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Delete for everyone (XEP-0424) in the real window, as a person does it:
// a right-click on a message of ours, the menu's last entry, the
// confirmation; the contact's client (Clove's CLI on bob's side) gets the
// retraction and erases the message, and the row says "You deleted this
// message". Bob deletes his own from the CLI: Alice's row says "This
// message was deleted"; neither text is left in either history.
func TestGUIRetractUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := nodeChatPair(t)
	bobID := strings.TrimSpace(bob.ok("send", "--account", bj, aj, "The door code is 4711"))

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	time.Sleep(1500 * time.Millisecond)
	at := func(x, y int) []string {
		return []string{"mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y)}
	}
	w.must(append(at(100, 85), "click", "1")...) // Bob
	time.Sleep(700 * time.Millisecond)
	w.must("type", "--delay", "15", "Meant for Carol, sorry")
	w.must("key", "Return")
	var got jsonMessage
	line := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json"))
	if err := json.Unmarshal([]byte(line), &got); err != nil || got.Body != "Meant for Carol, sorry" {
		t.Fatalf("bob got %s (%v)", line, err)
	}
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "retract-1-sent.png"))

	// The menu of Alice's message: Delete for everyone…, last.
	w.must(append(at(600, retractRowY), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "retract-2-menu.png"))
	w.must(append(at(640, retractItemY), "click", "1")...)
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "retract-3-confirm.png"))
	w.must(append(at(retractDeleteX, retractDeleteY), "click", "1")...) // Delete
	line = strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json"))
	var r jsonMessage
	if err := json.Unmarshal([]byte(line), &r); err != nil || r.Retracts != got.ID {
		t.Errorf("bob got %s (%v); want the retraction of %s", line, err, got.ID)
	}
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "retract-4-deleted.png"))
	if h := bob.ok("history", "--account", bj, "--with", aj); strings.Contains(h, "Meant for Carol") || !strings.Contains(h, "(deleted)") {
		t.Errorf("bob's history after alice's retraction:\n%s", h)
	}

	// Bob deletes his own: Alice's row says so.
	bob.ok("send", "--account", bj, "--retract", bobID, aj)
	waitUntil(t, 20*time.Second, "bob's message deleted at alice's", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj, "--json"), `"retracted":true`) &&
			strings.Count(alice.ok("history", "--account", aj, "--with", bj), "(deleted)") == 2
	})
	time.Sleep(700 * time.Millisecond)
	shot := shotPath(t, "retract-5-theirs.png")
	w.screenshot(shot)
	if h := alice.ok("history", "--account", aj, "--with", bj, "--search", "4711"); strings.TrimSpace(h) != "" {
		t.Errorf("alice's search still finds bob's deleted words: %s", h)
	}
	w.stop()
}

// Where, in the 900×600 window with Bob's one message above Alice's, her
// row is, its menu's last entry (Delete for everyone…), and the
// confirmation's Delete button.
const (
	retractRowY                    = 200
	retractItemY                   = 389
	retractDeleteX, retractDeleteY = 495, 356
)
