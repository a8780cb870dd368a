package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// retractBackend is fakeBackend that also answers and reacts (so the menu
// would offer Reply and React), corrects, gives the chats' newest
// messages, and deletes our messages for everyone (it records which).
type retractBackend struct {
	reactBackend
	lasts     []Message
	retracted []string // the Keys of the messages Retract was asked to delete
	err       error    // what Retract fails with (nil: it deletes)
}

func (b *retractBackend) Retract(_ context.Context, peer string, m Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.retracted = append(b.retracted, m.Key)
	return nil
}

func (b *retractBackend) Correct(_ context.Context, peer, key, text string) (Message, error) {
	return Message{Key: key, Peer: peer, Outgoing: true, Body: text, Edited: true}, nil
}

func (b *retractBackend) LastMessages(context.Context) ([]Message, error) { return b.lasts, nil }

// threeRetracting is threeContacts with a retractBackend.
func threeRetracting() *retractBackend {
	fb := threeContacts()
	return &retractBackend{reactBackend: reactBackend{fakeBackend: fakeBackend{contacts: fb.contacts, history: fb.history}}}
}

// retractPane opens Bob's chat of six messages, theirs odd, ours even:
// message 4 (ours) failed, message 6 (ours) still queued, and two more
// deleted before the chat opened, one of theirs and one of ours (whose
// history still says encrypted and edited: the row shows neither).
func retractPane(t *testing.T) (*Pane, *retractBackend) {
	t.Helper()
	const bob = "bob@example.org"
	ms := conversation(bob, 8)
	for i := range ms {
		ms[i].Ref = ms[i].Key
	}
	ms[4].Ref = "room-5" // named apart, as a room's stanza-id names its messages
	ms[3].State, ms[3].Reason = Failed, "offline"
	ms[5].State = Queued
	ms[6].Body, ms[6].Retracted = "", true // theirs
	ms[7].Body, ms[7].Retracted, ms[7].Encrypted, ms[7].Edited = "", true, true, true
	b := &retractBackend{reactBackend: reactBackend{fakeBackend: fakeBackend{
		contacts: []Contact{{JID: bob, Name: "Bob"}, {JID: "alice@example.org"}},
		history:  map[string][]Message{bob: ms},
	}}}
	b.lasts = []Message{
		{ID: 8, Key: "h8", Peer: bob, Outgoing: true, Time: ms[7].Time, Retracted: true},
		{ID: 20, Key: "a1", Ref: "room-a1", Peer: "alice@example.org", Body: "see you", Time: ms[7].Time},
	}
	a, _ := newTestApp(t, b)
	a.win.Resize(fyne.NewSize(900, 1000)) // every row in view
	selectContact(t, a, bob)
	return a, b
}

// A deleted message's row says who deleted it, in dim italics, under its
// header as any message's; no lock, "(edited)", quote or reactions. The
// chat list says "message deleted".
func TestADeletedMessagesRow(t *testing.T) {
	a, _ := retractPane(t)
	mustShow(t, a, "You deleted this message", "This message was deleted")
	mustNotShowInChat(t, a, "(edited)", "message 7", "message 8")
	dim := theme.Color(theme.ColorNamePlaceHolder)
	for _, text := range []string{"You deleted this message", "This message was deleted"} {
		row := shownRow(t, a, text)
		if !row.body.italic || !row.body.dim {
			t.Errorf("%q: italic %v, dim %v", text, row.body.italic, row.body.dim)
		}
		for _, o := range test.WidgetRenderer(row.body).Objects() {
			if x, ok := o.(*canvas.Text); ok && x.Color != dim {
				t.Errorf("%q is drawn in %v, not the placeholder colour %v", x.Text, x.Color, dim)
			}
		}
		if !row.head.Visible() || row.lock.Visible() || row.reactBox.Visible() || row.quote.Visible() {
			t.Errorf("%q: header %v, lock %v, reactions %v, quote %v", text,
				row.head.Visible(), row.lock.Visible(), row.reactBox.Visible(), row.quote.Visible())
		}
	}
	if got := shownRow(t, a, "This message was deleted").who.Text; got != "Bob" {
		t.Errorf("the deleted message's header names %q, want Bob", got)
	}
	if got := rowLinesOf(t, a, "bob@example.org"); !slices.Contains(got, "message deleted") {
		t.Errorf("Bob's chat list row shows %q", got)
	}
}

// A deleted message in a burst of a contact's starts its own group, and
// so does the message after it: the note does not read as their words,
// nor their next words as deleted.
func TestADeletedMessageStandsAlone(t *testing.T) {
	const bob = "bob@example.org"
	for _, tc := range []struct {
		name      string
		deleted   int    // the message deleted (-1: none)
		continues []bool // whether each message goes on from the one before
	}{
		{"none deleted", -1, []bool{false, true, true}},
		{"the middle one deleted", 1, []bool{false, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := conversation(bob, 3)
			for i := range ms {
				ms[i].Outgoing, ms[i].State = false, Received
			}
			if tc.deleted >= 0 {
				ms[tc.deleted].Body, ms[tc.deleted].Retracted = "", true
			}
			b := threeRetracting()
			b.history[bob] = ms
			a, _ := newTestApp(t, b)
			selectContact(t, a, bob)
			var got []bool
			for i := range a.chat.msgs {
				got = append(got, a.continues(i))
			}
			if !slices.Equal(got, tc.continues) {
				t.Errorf("continues %v, want %v", got, tc.continues)
			}
		})
	}
}

// "Delete for everyone…" is offered, last, for our messages that went
// out; not for theirs, a failed or queued one of ours, a deleted one
// (whose menu has Copy address alone), nor when the backend cannot
// delete.
func TestDeleteForEveryoneIsOfferedForOurSentMessages(t *testing.T) {
	a, _ := retractPane(t)
	for _, tc := range []struct {
		body  string
		offer bool
	}{
		{"message 2", true},
		{"message 1", false}, // theirs
		{"message 4", false}, // failed
		{"message 6", false}, // queued: not sent yet
		{"You deleted this message", false},
		{"This message was deleted", false},
	} {
		rightClick(t, a, tc.body)
		got := menuItems(a)
		if offered := slices.Contains(got, "Delete for everyone…"); offered != tc.offer {
			t.Errorf("%q's menu %q: Delete for everyone offered %v, want %v", tc.body, got, offered, tc.offer)
		}
		if tc.offer && got[len(got)-1] != "Delete for everyone…" {
			t.Errorf("%q's menu %q: Delete for everyone is not last", tc.body, got)
		}
		if strings.HasSuffix(tc.body, "deleted this message") || strings.HasSuffix(tc.body, "was deleted") {
			if !slices.Equal(got, []string{"Copy address"}) {
				t.Errorf("a deleted message's menu offers %q, want Copy address alone", got)
			}
		}
		a.win.Canvas().Overlays().Top().Hide()
	}

	b := threeContacts() // no Retractor
	plain, _ := newTestApp(t, b)
	selectContact(t, plain, "bob@example.org")
	rightClick(t, plain, "message 2")
	if got := menuItems(plain); slices.Contains(got, "Delete for everyone…") {
		t.Errorf("a backend that cannot delete: the menu offers %q", got)
	}
}

// openRetract opens the confirmation of deleting the row showing body.
func openRetract(t *testing.T, a *Pane, body string) {
	t.Helper()
	rightClick(t, a, body)
	tapMenuItem(t, a, "Delete for everyone…")
}

// Delete for everyone… asks first, saying what cannot be undone; Cancel
// and Escape delete nothing; a failure says why and leaves the message;
// Delete asks the backend to delete that message and its row says so.
func TestDeletingOurMessageForEveryone(t *testing.T) {
	a, b := retractPane(t)
	openRetract(t, a, "message 2")
	got := strings.Join(overlayTexts(a), " ")
	for _, want := range []string{"Delete for everyone?", "Clients that do not will keep showing it, and anyone may already have read it."} {
		if !strings.Contains(got, want) {
			t.Errorf("the question says %q; want %q in it", got, want)
		}
	}
	test.Tap(overlayButton(t, a, "Cancel"))
	openRetract(t, a, "message 2")
	press(a.win, fyne.KeyEscape)
	if a.win.Canvas().Overlays().Top() != nil || len(b.retracted) != 0 {
		t.Fatalf("Cancel, Escape: deleted %q, a dialog open: %v", b.retracted, a.win.Canvas().Overlays().Top() != nil)
	}

	b.err = errors.New("you are offline")
	openRetract(t, a, "message 2")
	test.Tap(overlayButton(t, a, "Delete"))
	mustShow(t, a, "not deleted: you are offline", "message 2")

	b.err = nil
	openRetract(t, a, "message 2")
	test.Tap(overlayButton(t, a, "Delete"))
	if !slices.Equal(b.retracted, []string{"h2"}) {
		t.Fatalf("deleted %q, want h2", b.retracted)
	}
	mustNotShowInChat(t, a, "message 2", "not deleted")
	if m := a.chat.msgs[1]; !m.Retracted || m.Body != "" || m.Reply != nil || m.Reactions != nil {
		t.Errorf("the deleted message is now %+v", m)
	}
	if n := strings.Count(strings.Join(renderedIn(a.chatPane), "\n"), "You deleted this message"); n != 2 {
		t.Errorf("%d rows say we deleted them, want 2 (message 2 and message 8)", n)
	}
}

// OnRetraction deletes a message of the open chat named by its store id
// or its key, and rewords the chat list's line when it was the chat's
// newest, also of a chat not open.
func TestOnRetraction(t *testing.T) {
	const bob = "bob@example.org"
	for _, tc := range []struct {
		name    string
		peer    string
		key     string
		id      int64
		row     int    // the open chat's row deleted (-1: none)
		listed  string // the chat whose list line then says "message deleted" ("": none)
		rowText string
	}{
		{"by id", bob, "", 3, 2, "", "This message was deleted"},
		{"by key, ours", bob, "h2", 0, 1, "", "You deleted this message"},
		{"by ref (a room's id of it)", bob, "room-5", 0, 4, "", "This message was deleted"},
		{"the newest of a chat not open", "alice@example.org", "a1", 0, -1, "alice@example.org", ""},
		{"another chat's id", "alice@example.org", "", 3, -1, "", ""},
		{"the newest of a chat not open, by ref", "alice@example.org", "room-a1", 0, -1, "alice@example.org", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := retractPane(t)
			before := slices.Clone(a.chat.msgs)
			a.OnRetraction(tc.peer, tc.key, tc.id)
			for i, m := range a.chat.msgs {
				if i == tc.row {
					if !m.Retracted || m.Body != "" || m.Edited {
						t.Errorf("row %d is now %+v", i, m)
					}
					continue
				}
				if m.Retracted != before[i].Retracted || m.Body != before[i].Body {
					t.Errorf("row %d changed: %+v", i, m)
				}
			}
			if tc.rowText != "" {
				mustNotShowInChat(t, a, before[tc.row].Body)
				shownRow(t, a, tc.rowText)
			}
			if got := rowLinesOf(t, a, "alice@example.org"); slices.Contains(got, "message deleted") != (tc.listed == "alice@example.org") {
				t.Errorf("Alice's chat list row shows %q", got)
			}
		})
	}
}

// Up (correct the last message) never takes a deleted one: a deleted
// message of theirs is passed over, but when our last is deleted nothing
// is taken (XEP-0308 corrects the last message, not the one before).
// Deleted from another device while being corrected, the edit ends and
// the text typed stays.
func TestCorrectingPassesOverDeletedMessages(t *testing.T) {
	const bob = "bob@example.org"
	for _, tc := range []struct {
		name    string
		deleted string // the key of the message deleted first
		want    string // the composer after Up ("": no edit)
	}{
		{"their last deleted", "h3", "message 2"},
		{"our last deleted", "h2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := threeRetracting()
			a, _ := newTestApp(t, b)
			selectContact(t, a, bob) // message 1 (theirs), 2 (ours, key h2), 3 (theirs)
			a.OnRetraction(bob, tc.deleted, 0)
			a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
			if a.composer.Text != tc.want || (a.editing != nil) != (tc.want != "") {
				t.Errorf("Up: composer %q, editing %v; want %q", a.composer.Text, a.editing, tc.want)
			}
		})
	}

	b := threeRetracting()
	a, _ := newTestApp(t, b)
	selectContact(t, a, bob)
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	a.composer.SetText("message 2, fixed")
	a.OnRetraction(bob, "h2", 0)
	if a.editing != nil || a.editBar.Visible() || a.composer.Text != "message 2, fixed" {
		t.Errorf("deleted while corrected: editing %v, composer %q", a.editing, a.composer.Text)
	}
}

// moderatingRooms is a room backend whose Retract records the Refs asked
// to be removed.
type moderatingRooms struct {
	*fakeRooms
	removed []string
}

func (r *moderatingRooms) Retract(_ context.Context, _ string, m Message) error {
	r.removed = append(r.removed, m.Ref)
	return nil
}

// A room's moderator (XEP-0425) gets "Remove for everyone…" on others'
// messages, a participant does not; it asks first, naming whose message,
// and the row then says a moderator removed it, with the reason the room
// gives.
func TestModeratorsRemoveOthersMessages(t *testing.T) {
	rb := &moderatingRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnMessage(Message{Key: "s1", Ref: "r1", Peer: lounge, Nick: "sam", From: lounge + "/sam", Body: "buy cheap watches", Time: time.Now(), State: Received})
	a.OnRoomRole(lounge, "participant")
	rightClick(t, a, "buy cheap watches")
	if got := menuItems(a); slices.Contains(got, "Remove for everyone…") || slices.Contains(got, "Delete for everyone…") {
		t.Errorf("a participant is offered %q", got)
	}
	a.win.Canvas().Overlays().Top().Hide()

	a.OnRoomRole(lounge, "moderator")
	rightClick(t, a, "buy cheap watches")
	got := menuItems(a)
	if len(got) == 0 || got[len(got)-1] != "Remove for everyone…" {
		t.Fatalf("a moderator's menu on sam's message: %q", got)
	}
	tapMenuItem(t, a, "Remove for everyone…")
	if text := strings.Join(overlayTexts(a), " "); !strings.Contains(text, "Remove for everyone?") || !strings.Contains(text, "sam's message") {
		t.Errorf("the question says %q", text)
	}
	test.Tap(overlayButton(t, a, "Remove"))
	if !slices.Equal(rb.removed, []string{"r1"}) {
		t.Fatalf("asked to remove %q, want r1", rb.removed)
	}
	mustShow(t, a, "Removed by a moderator")
	a.OnModeration(lounge, "r1", "spam")
	mustShow(t, a, "Removed by a moderator: spam")
	mustNotShowInChat(t, a, "buy cheap watches")
}
