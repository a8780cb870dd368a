package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// A body starting with "/me " is drawn as an action, "* Name rest" in
// italics, with the sender's name (the contact's, ours, a room nick); a
// body that only looks like one is drawn as it is; typing "/me waves"
// sends it as typed.
func TestMeActionRows(t *testing.T) {
	const peer = "bob@example.org"
	b := threeContacts()
	now := time.Now()
	b.history[peer] = append(b.history[peer],
		Message{ID: 40, Peer: peer, Body: "/me waves", Time: now, State: Received},
		Message{ID: 41, Peer: peer, Body: "/meow", Time: now, State: Received},
		Message{ID: 42, Peer: peer, Body: " /me is not at the start", Time: now, State: Received},
		Message{ID: 43, Peer: peer, Outgoing: true, Body: "/me nods", Time: now, State: Delivered},
	)
	rb := &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: b}}
	a, _ := newTestApp(t, rb)
	selectContact(t, a, peer)
	for _, c := range []struct {
		shown  string
		italic bool
	}{
		{"* Bob waves", true}, // the contact's name from the roster
		{"* me nods", true},   // ours: the account's name
		{"/meow", false},
		{" /me is not at the start", false},
		{"message 1", false},
	} {
		row := shownRow(t, a, c.shown)
		if row.body.italic != c.italic {
			t.Errorf("%q: italic %v, want %v", c.shown, row.body.italic, c.italic)
		}
		if got := row.body.style().Italic; got != c.italic {
			t.Errorf("%q: drawn italic %v", c.shown, got)
		}
	}

	// Typed as is, sent as is.
	test.Type(a.composer, "/me waves back")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if n := len(b.sent); n == 0 || b.sent[n-1] != "/me waves back" {
		t.Fatalf("sent %+v, want the body /me waves back", b.sent)
	}
	shownRow(t, a, "* me waves back")

	// In a room: the nick.
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "me")
	a.OnMessage(Message{Key: "m1", Peer: lounge, Nick: "ann", Body: "/me laughs", Time: now, State: Received})
	if row := shownRow(t, a, "* ann laughs"); !row.body.italic {
		t.Error("a room action is not in italics")
	}
	if got := rendered(a); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "/me") }) {
		t.Errorf("the room shows a raw /me: %q", got)
	}
	// A long action wraps in its row, which is as tall as its lines.
	long := "/me " + strings.Repeat("tells a very long story ", 20)
	a.OnMessage(Message{Key: "m2", Peer: lounge, Nick: "ann", Body: long, Time: now, State: Received})
	row := shownRow(t, a, "* ann "+strings.TrimPrefix(long, "/me "))
	last := len(a.chat.msgs) - 1
	if need, got := row.MinSize().Height, a.rowHeightAt(last); need > got+0.5 || got <= a.rowH {
		t.Errorf("the long action's row needs %.0f, is given %.0f (one line: %.0f)", need, got, a.rowH)
	}
}
