package ui

import (
	"testing"
)

// mustNote fails unless room's notes end with text.
func mustNote(t *testing.T, a *Pane, room, text string) {
	t.Helper()
	ns := a.notes[room]
	if len(ns) == 0 || ns[len(ns)-1].Body != text {
		t.Fatalf("the room's last note is not %q: %+v", text, ns)
	}
}

// A room that shows our address to everyone says so at the join, once
// while the window runs (a rejoin after a reconnection says nothing new)
// unless it changed; a change of its settings is said with what it means
// for us.
func TestRoomPrivacyNotes(t *testing.T) {
	a, _ := newTestApp(t, newRooms())
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnRoomPrivacy(lounge, true, true)
	want := "Everyone in this room can see your address (me@example.org). The room keeps a log of what is said here."
	mustNote(t, a, lounge, want)
	if n := len(a.notes[lounge]); n != 1 {
		t.Fatalf("%d notes after the join", n)
	}
	a.OnRoomJoined(lounge, "me") // a rejoin
	a.OnRoomPrivacy(lounge, true, true)
	if n := len(a.notes[lounge]); n != 1 {
		t.Errorf("a rejoin said it again: %d notes", n)
	}
	a.OnRoomConfigChanged(lounge, []int{104, 173})
	mustNote(t, a, lounge, "The room's settings were changed: only the room's moderators can see your address.")
	a.OnRoomConfigChanged(lounge, []int{104})
	mustNote(t, a, lounge, "The room's settings were changed.")
	a.OnRoomConfigChanged(lounge, []int{104, 170, 172}) // prosody repeats 170
	mustNote(t, a, lounge, "The room's settings were changed: everyone here can see your address (me@example.org).")
	// An owner changed them (most likely we did): only what changed for us.
	a.OnOccupantRank(lounge, "me", "moderator", "owner", true)
	n0 := len(a.notes[lounge])
	a.OnRoomConfigChanged(lounge, []int{104, 170, 172})
	if len(a.notes[lounge]) != n0 {
		t.Errorf("a change that changed nothing for us was said: %+v", a.notes[lounge][n0:])
	}
	// Joined again after the changes: the same as now, nothing said.
	n := len(a.notes[lounge])
	a.OnRoomPrivacy(lounge, true, true)
	if len(a.notes[lounge]) != n {
		t.Errorf("a join after the change said again what the change said")
	}
	// A room that hides addresses says nothing at the join.
	a.joinRoom("quiet@muc.example.org", "me", false)
	a.OnRoomJoined("quiet@muc.example.org", "me")
	a.OnRoomPrivacy("quiet@muc.example.org", false, false)
	if len(a.notes["quiet@muc.example.org"]) != 0 {
		t.Errorf("a private-addresses room said %+v", a.notes["quiet@muc.example.org"])
	}
}
