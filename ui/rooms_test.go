package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeRooms is a fakeEditor that can join rooms.
type fakeRooms struct {
	*fakeEditor
	joined  []string // "room as nick (create)"
	left    []string
	group   []string // texts said in rooms
	joinErr error
}

func (r *fakeRooms) JoinRoom(_ context.Context, room, nick string, create bool) error {
	if r.joinErr != nil {
		return r.joinErr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.joined = append(r.joined, fmt.Sprintf("%s as %q create=%v", room, nick, create))
	r.contacts = append(r.contacts, Contact{JID: room, Room: true})
	return nil
}

func (r *fakeRooms) LeaveRoom(_ context.Context, room string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.left = append(r.left, room)
	r.contacts = slices.DeleteFunc(r.contacts, func(c Contact) bool { return c.JID == room })
	return nil
}

func (r *fakeRooms) SendGroup(_ context.Context, room, text string) (Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.group = append(r.group, text)
	return Message{Key: "g" + text, Peer: room, Outgoing: true, Nick: "me", Body: text, Time: time.Now(), State: Queued}, nil
}

func newRooms() *fakeRooms {
	return &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: threeContacts()}}
}

const lounge = "lounge@muc.example.org"

func TestJoinedRoomShowsPeopleAndTalk(t *testing.T) {
	rb := newRooms()
	a, _ := newTestApp(t, rb)
	mustShow(t, a, "#") // the join button beside the filter
	a.joinRoom(lounge, "", false)
	if !slices.Equal(rb.joined, []string{lounge + ` as "" create=false`}) {
		t.Fatalf("joined %q", rb.joined)
	}
	// The room is listed and opened.
	mustShow(t, a, "# "+lounge, lounge+" — not joined", "People")
	mustNotShow(t, a, "Remove")
	openChatMenu(t, a)
	if got := menuItems(a); !slices.Contains(got, "Leave room…") {
		t.Fatalf("the room's menu holds %q, want Leave room…", got)
	}
	a.win.Canvas().Overlays().Top().Hide()

	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "zoe", "ann"} {
		a.OnOccupant(lounge, n, false)
	}
	a.OnRoomSubject(lounge, "Talk about\nI2P")
	mustShow(t, a, "3 people here", "Talk about I2P", "ann", "zoe")
	a.OnOccupant(lounge, "zoe", true)
	mustShow(t, a, "2 people here")
	if got := rendered(a); slices.Contains(got, "zoe") {
		t.Errorf("zoe left but is still listed: %q", got)
	}

	// Others' messages show their nick; ours goes to the room, queued
	// until the room's copy comes back.
	a.OnMessage(Message{Key: "m1", Peer: lounge, Nick: "ann", Body: "hello room", Time: time.Now(), State: Received})
	mustShow(t, a, "ann", "hello room")
	test.Type(a.composer, "hi ann")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(rb.group, []string{"hi ann"}) || len(rb.sent) != 0 {
		t.Fatalf("said in rooms %q, sent to contacts %q", rb.group, rb.sent)
	}
	mustShow(t, a, "hi ann", "queued")
	a.OnMessage(Message{Key: "ghi ann", Peer: lounge, Outgoing: true, Nick: "me", Body: "hi ann", Time: time.Now(), State: Sent})
	mustShow(t, a, "sent")
	if n := len(a.chat.msgs); n != 2 {
		t.Errorf("the room's copy of ours was listed again: %d messages", n)
	}

	// A contact's chat has no people list and its own tools.
	selectContact(t, a, "bob@example.org")
	if got := chatMenu(a); !slices.Contains(got, "Remove…") || slices.Contains(got, "Leave room…") {
		t.Errorf("bob's chat menu offers %q", got)
	}
	mustNotShowInChat(t, a, "Leave", "People", "ann")

	// Losing the connection leaves the rooms.
	selectContact(t, a, lounge)
	a.OnStateSync(Offline, "connection lost")
	mustShow(t, a, lounge+" — not joined")
}

func TestJoiningAMissingRoomKeepsWhatWasTyped(t *testing.T) {
	rb := newRooms()
	a, _ := newTestApp(t, rb)
	rb.joinErr = errors.New("the room nope@muc.example.org does not exist")
	a.joinRoom("nope@muc.example.org", "Me", false)
	test.Tap(findButtonIn(t, a.win, "OK")) // the error, read
	if got := overlayEntries(a); !slices.Equal(got, []string{"nope@muc.example.org", "Me"}) {
		t.Fatalf("the form came back with %q, want what was typed", got)
	}
	mustNotShow(t, a, "# nope")
}

func TestLeavingARoomClosesIt(t *testing.T) {
	rb := newRooms()
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "me", true)
	openChatMenu(t, a)
	tapMenuItem(t, a, "Leave room…")
	test.Tap(findButtonIn(t, a.win, "Leave")) // the confirmation
	if !slices.Equal(rb.left, []string{lounge}) {
		t.Fatalf("left %q", rb.left)
	}
	mustNotShow(t, a, "# "+lounge)
	mustShow(t, a, "Pick a contact on the left to chat.")
}

func TestRoomHistoryIsNotUnread(t *testing.T) {
	rb := newRooms()
	rb.contacts = append(rb.contacts, Contact{JID: lounge, Room: true, Name: "Lounge"})
	a, _ := newTestApp(t, rb)
	a.OnRoomJoined(lounge, "me")
	a.OnMessage(Message{Key: "old", Peer: lounge, Nick: "ann", Body: "from before", History: true, State: Received})
	if it := a.byJID[lounge]; it.unread != 0 {
		t.Fatalf("replayed history counted %d unread", it.unread)
	}
	a.OnMessage(Message{Key: "new", Peer: lounge, Nick: "ann", Body: "just now", State: Received})
	if it := a.byJID[lounge]; it.unread != 1 {
		t.Fatalf("a new room message counted %d unread, want 1", it.unread)
	}
	mustShow(t, a, "# Lounge")
}

func TestNoRoomsWithoutARoomBackend(t *testing.T) {
	a, _ := newTestApp(t, &fakeEditor{fakeBackend: threeContacts()})
	var buttons []string
	walkShown(a.win.Canvas().Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			buttons = append(buttons, b.Text)
		}
	})
	if slices.Contains(buttons, "#") {
		t.Errorf("a join button without a room backend: %q", buttons)
	}
}

// openChatMenu opens the chat header's "⋮" menu.
func openChatMenu(t *testing.T, a *Pane) {
	t.Helper()
	if a.moreButton == nil || !a.moreButton.Visible() {
		t.Fatal("the chat header shows no ⋮ menu")
	}
	test.Tap(a.moreButton)
}

// chatMenu is what the chat header's ⋮ menu offers (opened, read, closed;
// nil when the header shows no menu).
func chatMenu(a *Pane) []string {
	if a.moreButton == nil || !a.moreButton.Visible() {
		return nil
	}
	test.Tap(a.moreButton)
	items := menuItems(a)
	a.win.Canvas().Overlays().Remove(a.win.Canvas().Overlays().Top())
	return items
}

// Others' availability in a room (XEP-0045 §7.7) shows beside their nick
// in the People list, in a few words, and goes when they are plainly
// available again or leave.
func TestPeopleListShowsAvailability(t *testing.T) {
	rb := newRooms()
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "zoe"} {
		a.OnOccupant(lounge, n, false)
	}
	for _, c := range []struct{ show, status, want string }{
		{"away", "at lunch", "away: at lunch"},
		{"dnd", "", "busy"},
		{"xa", strings.Repeat("very long text ", 5), "not available: very long text very lon…"},
		{"", "back\nnow", "back now"},
	} {
		a.OnOccupantPresence(lounge, "zoe", c.show, c.status)
		mustShow(t, a, "zoe", c.want)
	}
	a.OnOccupantPresence(lounge, "zoe", "", "")
	mustNotShow(t, a, "back now")
	a.OnOccupantPresence(lounge, "zoe", "away", "gone")
	a.OnOccupant(lounge, "zoe", true)
	mustNotShow(t, a, "away: gone")
	if len(a.room(lounge).away) != 0 {
		t.Errorf("kept %v after zoe left", a.room(lounge).away)
	}
}

// mentions finds a nickname as a word, whatever its case, not inside
// another word.
func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		body, nick string
		want       bool
	}{
		{"ann: are you there?", "ann", true},
		{"hi @Ann!", "ann", true},
		{"ANN", "ann", true},
		{"the annual meeting", "ann", false},
		{"ask joanne", "ann", false},
		{"joanne and ann", "ann", true},
		{"Zoë, look", "zoë", true},
		{"anything", "", false},
		{"an", "ann", false},
	} {
		if got := mentions(tc.body, tc.nick); got != tc.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", tc.body, tc.nick, got, tc.want)
		}
	}
}

// A room message that names us has a bar beside it; ours and others'
// do not.
func TestARoomMessageThatNamesUsIsMarked(t *testing.T) {
	a, _ := newTestApp(t, newRooms())
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "alice")
	now := time.Now()
	a.OnMessage(Message{Key: "m1", Peer: lounge, Nick: "ann", Body: "alice: lunch?", Time: now, State: Received})
	a.OnMessage(Message{Key: "m2", Peer: lounge, Nick: "zoe", Body: "malice aforethought", Time: now, State: Received})
	a.OnMessage(Message{Key: "gm3", Peer: lounge, Outgoing: true, Nick: "alice", Body: "alice says yes", Time: now, State: Sent})
	for body, want := range map[string]bool{"alice: lunch?": true, "malice aforethought": false, "alice says yes": false} {
		if got := shownRow(t, a, body).named; got != want {
			t.Errorf("%q marked %v, want %v", body, got, want)
		}
	}
}
