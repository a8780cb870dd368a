package main

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shotPath is where a screenshot of this test goes: $CLOVE_SHOTS/NAME
// when set (to look at them after the run), else as screenshotPath.
func shotPath(t *testing.T, name string) string {
	if d := os.Getenv("CLOVE_SHOTS"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		return filepath.Join(d, name)
	}
	return screenshotPath(t, name)
}

// Replies, reactions and the emoji picker in the real window (issue 20),
// used with the mouse and keyboard as a person does: Reply from a
// message's menu shows the quote bar, the message sent carries the reply
// (the other side's history has it) and its row shows the quote; Bob's
// reaction shows under Alice's message, and hers under his; the picker
// opens from the composer's button and inserts the emoji it was clicked
// on, drawn in colour.
func TestGUIReplyReactUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := nodeChatPair(t)
	bobID := strings.TrimSpace(bob.ok("send", "--account", bj, aj, "Shall we meet at noon tomorrow?"))

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	time.Sleep(1500 * time.Millisecond)
	at := func(x, y int) []string {
		return []string{"mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y)}
	}
	w.must(append(at(100, 85), "click", "1")...) // Bob
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "react-1-chat.png"))

	// Reply from the message's menu: the quote bar, then send.
	w.must(append(at(600, 144), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "react-2-menu.png"))
	w.must(append(at(640, 250), "click", "1")...) // Reply, after Copy address
	time.Sleep(400 * time.Millisecond)
	w.must("type", "--delay", "15", "Yes, noon is fine")
	time.Sleep(200 * time.Millisecond)
	w.screenshot(shotPath(t, "react-3-replying.png"))
	w.must("key", "Return")
	var line struct {
		jsonMessage
	}
	got := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json"))
	if err := json.Unmarshal([]byte(got), &line); err != nil || line.Reply == nil {
		t.Fatalf("bob got %s (%v); want a reply", got, err)
	}
	if line.Reply.ID != bobID || line.Body != "Yes, noon is fine" {
		t.Errorf("bob got %+v reply %+v; want the text alone, answering %s", line.jsonMessage, line.Reply, bobID)
	}
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "react-4-sent.png"))

	// Bob reacts to Alice's reply: it shows under it.
	bob.ok("react", "--account", bj, aj, line.ID, "👍", "🎉")
	time.Sleep(1500 * time.Millisecond)
	w.screenshot(shotPath(t, "react-5-reacted.png"))

	// A click on Bob's 👍 adds Alice's: Bob gets her set.
	w.must(append(at(300, 276), "click", "1")...)
	waitUntil(t, 20*time.Second, "alice's reaction is kept", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj, "--json"), `{"from":"`+aj+`","emojis":["👍"]}`)
	})
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "react-6-mine.png"))
	out := bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	if !strings.Contains(out, `"emojis":["👍"]`) || !strings.Contains(out, `"id":"`+line.ID+`"`) {
		t.Errorf("bob's listen did not get alice's 👍 to %s: %s", line.ID, out)
	}

	// React… on Bob's message: the quick reactions; ❤️ goes to Bob.
	w.must(append(at(600, 144), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.must(append(at(640, 289), "click", "1")...) // React…, the last entry
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "react-6b-quick.png"))
	w.must(append(at(reactX, reactY), "click", "1")...) // ❤️, the second
	out = bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	if !strings.Contains(out, `"emojis":["❤️"]`) || !strings.Contains(out, `"id":"`+bobID+`"`) {
		t.Errorf("bob's listen did not get alice's ❤️ to his message %s: %s", bobID, out)
	}
	time.Sleep(300 * time.Millisecond)
	w.screenshot(shotPath(t, "react-6c-heart.png"))

	// Reply again, but Escape: the quote bar goes, the text stays.
	w.must(append(at(600, 144), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.must(append(at(640, 250), "click", "1")...) // Reply
	time.Sleep(400 * time.Millisecond)
	w.must("key", "--window", w.id, "Escape")
	time.Sleep(300 * time.Millisecond)
	w.screenshot(shotPath(t, "react-7-escaped.png"))

	// The picker: opens from the button left of the composer; a search
	// narrows it; a click inserts at the cursor.
	w.must("type", "--delay", "15", "see you ")
	w.must(append(at(335, 533), "click", "1")...) // the emoji button
	picker := shotPath(t, "react-8-picker.png")
	// The first emoji drawn has go-text index the system's fonts (0.3 s on
	// a quiet machine, this test's HOME being new) to find the emoji font.
	w.waitShot(picker, 15*time.Second, func(img image.Image) bool { return yellow(img, img.Bounds()) > 500 })
	if !colourful(t, picker) {
		t.Errorf("the picker shows no coloured emoji (%s)", picker)
	}
	w.must("type", "--delay", "15", "party")
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "react-9-search.png"))
	w.must("key", "--window", w.id, "Return") // the first match
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "react-10-inserted.png"))
	w.must("key", "--window", w.id, "Return")
	out = bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	if !strings.Contains(out, `"body":"see you 🥳"`) || strings.Contains(out, `"reply"`) {
		t.Errorf("bob got %s; want \"see you 🥳\" (the first match for party), no reply (Escape cancelled it)", out)
	}

	// Bob answers Alice's reply: his row quotes hers ("You: …") above
	// his text alone.
	bob.ok("send", "--account", bj, "--reply-to", line.ID, aj, "Great, see you then")
	time.Sleep(1500 * time.Millisecond)
	last := shotPath(t, "react-11-incoming-reply.png")
	w.screenshot(last)
	// 🥳 is newer than Fyne's colour font: Alice's "see you 🥳" showed a
	// "?" diamond until Noto Color Emoji (make deps) drew it.
	if n := yellowIn(t, last, image.Rect(325, 355, 365, 380)); n < 30 {
		t.Errorf("\"see you 🥳\" is not drawn in colour: %d yellow pixels where 🥳 is (%s); is fonts-noto-color-emoji installed (make deps)?", n, last)
	}
	w.stop()
}

// Where the quick reactions' second (❤️) is, for a menu opened at
// (600, 144).
const reactX, reactY = 664, 166

// colourful reports whether the screenshot at path has saturated pixels
// (a colour emoji), beyond the dark theme's greys and its blue accent.
func colourful(t *testing.T, path string) bool {
	t.Helper()
	n := yellowIn(t, path, image.Rect(-1<<20, -1<<20, 1<<20, 1<<20))
	t.Logf("%s: %d yellow pixels", filepath.Base(path), n)
	return n > 500
}

// yellowIn counts the screenshot's yellow-orange pixels (most smileys'
// colour) within area.
func yellowIn(t *testing.T, path string, area image.Rectangle) int {
	t.Helper()
	return yellow(readPNG(t, path), area)
}

// yellow counts img's yellow-orange pixels within area.
func yellow(img image.Image, area image.Rectangle) int {
	n := 0
	b := img.Bounds().Intersect(area)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			// Yellow-orange, as most smileys: red and green high, blue low.
			if r>>8 > 200 && g>>8 > 150 && bl>>8 < 90 {
				n++
			}
		}
	}
	return n
}
