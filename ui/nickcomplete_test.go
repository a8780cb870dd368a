package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Tab in a room's composer completes a nickname as Gajim does: "name: "
// at the start, "name " elsewhere, the last to speak first, Tab again for
// the next; our own nick never; where nothing fits, and in a one-to-one
// chat, Tab is not taken (it leaves the composer).
func TestNickCompletionInARoom(t *testing.T) {
	a, _ := newTestApp(t, newRooms())
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "Annabel", "anna", "Bob", "mallory"} {
		a.OnOccupant(lounge, n, false)
	}
	a.OnMessage(Message{Key: "m1", Peer: lounge, From: lounge + "/anna", Nick: "anna", Body: "hi", Time: time.Now()})
	c := a.composer
	tab := func() {
		t.Helper()
		if !c.AcceptsTab() {
			t.Fatalf("Tab not taken in %q", c.Text)
		}
		c.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
	}
	want := func(text string) {
		t.Helper()
		if c.Text != text || c.cursorOffset() != len([]rune(text)) {
			t.Fatalf("the composer holds %q (cursor %d), want %q with the cursor at its end", c.Text, c.cursorOffset(), text)
		}
	}
	test.Type(c, "an")
	tab()
	want("anna: ") // she spoke last
	tab()
	want("Annabel: ")
	tab()
	want("anna: ")
	test.Type(c, "see bo")
	tab()
	want("anna: see Bob ")
	if c.AcceptsTab() {
		t.Error("Tab taken again with one nick that fits: it should leave the composer")
	}
	test.Type(c, "and m")
	tab()
	want("anna: see Bob and mallory ") // not "me": our own
	c.SetText("")
	test.Type(c, "zz")
	if c.AcceptsTab() {
		t.Error("Tab taken where no nick fits")
	}
	c.SetText("")
	if c.AcceptsTab() {
		t.Error("Tab taken in an empty composer")
	}

	// A nick completed in the middle of a text, the rest kept.
	c.SetText("tell b about it")
	c.setCursorOffset(len("tell b"))
	tab()
	if c.Text != "tell Bob about it" || c.cursorOffset() != len("tell Bob ") {
		t.Fatalf("completed mid-text: %q, cursor %d", c.Text, c.cursorOffset())
	}

	// "@" kept, and no colon even at the start.
	c.SetText("")
	test.Type(c, "@bo")
	tab()
	want("@Bob ")

	// A one-to-one chat: Tab leaves.
	a.openChat("bob@example.org")
	c.SetText("")
	test.Type(c, "an")
	if c.AcceptsTab() {
		t.Error("Tab taken in a one-to-one chat")
	}
}
