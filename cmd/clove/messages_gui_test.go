package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The chat's messages in the real window, used with the mouse as a person
// does: a drag over a word and Ctrl+C put it on the X clipboard; a
// right-click opens the message's menu; a click on a link hands it to the
// desktop's opener (a recording xdg-open here); a message to a server
// that cannot be reached says why under it.
func TestGUIMessagesUnderXvfb(t *testing.T) {
	needX(t)
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("xclip not installed")
	}
	_, alice, bob, aj, bj := nodeChatPair(t)
	alice.ok("roster", "--account", aj, "add", "nobody@nowhere.invalid", "--name", "Nobody")
	bob.ok("send", "--account", bj, aj, "copyable words here")
	bob.ok("send", "--account", bj, aj, "read https://example.org/news today")

	// xdg-open, which Fyne's OpenURL runs, writes down what it was given.
	bin, opened := t.TempDir(), filepath.Join(t.TempDir(), "opened")
	script := "#!/bin/sh\necho \"$@\" >> " + opened + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	time.Sleep(1500 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // Bob
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "messages-bob.png"))
	clip := func() string {
		cmd := exec.Command("xclip", "-o", "-selection", "clipboard")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out))
	}
	at := func(x, y int) []string {
		return []string{"mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y)}
	}
	// Drag over "copyable" (its line is at y 144, from x 285), then Ctrl+C.
	w.must(append(at(283, 144), "mousedown", "1")...)
	for x := 290; x <= 347; x += 8 {
		w.must(at(x, 144)...)
		time.Sleep(20 * time.Millisecond)
	}
	w.must(append(at(347, 144), "mouseup", "1")...)
	time.Sleep(200 * time.Millisecond)
	w.must("key", "--window", w.id, "ctrl+c")
	time.Sleep(300 * time.Millisecond)
	w.screenshot(screenshotPath(t, "messages-selected.png"))
	if got := clip(); got != "copyable" {
		t.Errorf("after a drag over 'copyable' and Ctrl+C the clipboard holds %q", got)
	}

	// A right-click on the message: its menu.
	w.must(append(at(600, 144), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(screenshotPath(t, "messages-menu.png"))
	w.must(append(at(650, 244), "click", "1")...) // Copy address, the menu's last entry
	time.Sleep(300 * time.Millisecond)
	if got := clip(); got != bj {
		t.Errorf("Copy address put %q on the clipboard, want %q", got, bj)
	}

	// A click on the link: the second message continues the first (a
	// burst, no header of its own), its line is at y 191.
	w.must(append(at(400, 191), "click", "1")...)
	waitUntil(t, 10*time.Second, "the link is handed to xdg-open", func() bool {
		b, _ := os.ReadFile(opened)
		return strings.TrimSpace(string(b)) == "https://example.org/news"
	})

	// A drag that starts on the link selects (it does not open it), and
	// Ctrl+C copies what it selected.
	w.must(append(at(330, 191), "mousedown", "1")...)
	for x := 338; x <= 394; x += 8 {
		w.must(at(x, 191)...)
		time.Sleep(20 * time.Millisecond)
	}
	w.must(append(at(394, 191), "mouseup", "1")...)
	time.Sleep(200 * time.Millisecond)
	w.must("key", "--window", w.id, "ctrl+c")
	time.Sleep(300 * time.Millisecond)
	if got := clip(); len(got) < 3 || !strings.Contains("read https://example.org/news today", got) || got == "https://example.org/news" {
		t.Errorf("after a drag over the link and Ctrl+C the clipboard holds %q, want some of its words", got)
	}
	if b, _ := os.ReadFile(opened); strings.Count(string(b), "\n") != 1 {
		t.Errorf("the drag over the link opened it: xdg-open got %q", b)
	}
	// A click on another message ends the selection: Ctrl+C then copies
	// nothing (the clipboard keeps what was put there after the drag).
	w.must(append(at(700, 144), "click", "1")...)
	time.Sleep(300 * time.Millisecond)
	set := exec.Command("xclip", "-i", "-selection", "clipboard")
	set.Env = append(os.Environ(), "DISPLAY="+display)
	set.Stdin = strings.NewReader("marker")
	if err := set.Run(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	w.must("key", "--window", w.id, "ctrl+c")
	time.Sleep(300 * time.Millisecond)
	if got := clip(); got != "marker" {
		t.Errorf("Ctrl+C after a click on another message copied %q: a stale selection", got)
	}

	// To a server Alice's cannot reach: why, under the message.
	w.must(append(at(100, 150), "click", "1")...) // Nobody, the second row
	time.Sleep(400 * time.Millisecond)
	w.must("type", "--delay", "15", "anyone there?")
	w.must("key", "Return")
	waitUntil(t, 20*time.Second, "the message fails", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", "nobody@nowhere.invalid"), "[failed]")
	})
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "messages-failed.png"))
	// A click on it offers to send it again.
	w.must(append(at(500, 144), "click", "1")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(screenshotPath(t, "messages-retry.png"))
	w.stop()
}
