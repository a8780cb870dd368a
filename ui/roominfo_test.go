package ui

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// infoRooms is a room backend that says what a room says of itself.
type infoRooms struct {
	*fakeRooms
	d RoomDetails
}

func (r *infoRooms) RoomDetails(context.Context, string) (RoomDetails, error) { return r.d, nil }

// Room information… in a room's ⋮ menu shows what the room says of itself
// in words — who sees your address first among them — with the subject
// the room sent us where its information has none; it fits a 420×320
// window.
func TestRoomInformation(t *testing.T) {
	b := &infoRooms{fakeRooms: newRooms(), d: RoomDetails{Name: "Info desk", Description: "Questions and answers", Occupants: 3,
		MembersOnly: true, PasswordProtected: true, AddressesShown: true, Archived: true, Persistent: true}}
	a, _ := newTestApp(t, b)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnRoomSubject(lounge, "Ask away")
	openChatMenu(t, a)
	tapMenuItem(t, a, "Room information…")
	got := overlayTexts(a)
	for _, w := range []string{lounge, "Title", "Info desk", "Description", "Questions and answers", "Subject", "Ask away", "People here", "3",
		"Your address", "seen by everyone in the room", "Archive", "the room keeps what is said", "Who may join", "members only, with the password",
		"Who may speak", "everyone in it", "Listed", "no (only who knows the address finds it)", "When empty", "it stays"} {
		if !slices.Contains(got, w) {
			t.Errorf("the information shows %q, want %q in it", got, w)
		}
	}
	test.Tap(overlayButton(t, a, "Close"))
	a.win.Resize(fyne.NewSize(420, 320))
	openChatMenu(t, a)
	tapMenuItem(t, a, "Room information…")
	mustFitWindow(t, a)
}
