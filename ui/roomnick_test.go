package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// nickRooms is a room backend that changes nicknames: it records the
// asks and fails with err when set.
type nickRooms struct {
	*fakeRooms
	asked []string
	err   error
}

func (r *nickRooms) ChangeRoomNick(_ context.Context, room, nick string) error {
	r.asked = append(r.asked, room+" "+nick)
	return r.err
}

// overlayEntry is the first entry in the window's dialogs.
func overlayEntry(t *testing.T, a *Pane) *dialogEntry {
	t.Helper()
	var e *dialogEntry
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*dialogEntry); ok && e == nil {
				e = x
			}
		})
	}
	if e == nil {
		t.Fatal("no dialog with an entry")
	}
	return e
}

// Change nickname… in a room's ⋮ menu asks for the new nick (filled with ours)
// and asks the backend; a refusal is shown and the dialog comes back with
// what was typed; the room's answer renames us in the header and the
// people list, and others' renames show as a notice.
func TestChangingTheNicknameInARoom(t *testing.T) {
	rb := &nickRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "bob"} {
		a.OnOccupant(lounge, n, false)
	}
	openChatMenu(t, a)
	tapMenuItem(t, a, "Change nickname…")
	if got := overlayEntries(a); !slices.Equal(got, []string{"me"}) {
		t.Fatalf("the dialog holds %q, want our nick", got)
	}
	e := overlayEntry(t, a)
	e.SetText("")
	test.Type(e, "bob")
	rb.err = errors.New(`the nickname "bob" is already used in ` + lounge + `; you are still "me" there`)
	test.Tap(findButtonIn(t, a.win, "Change"))
	want := `Changing your nickname: the nickname "bob" is already used in ` + lounge + `; you are still "me" there`
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, want) {
		t.Errorf("the error dialog says %q, want %q", got, want)
	}
	test.Tap(findButtonIn(t, a.win, "OK"))
	if got := overlayEntries(a); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("after the refusal the dialog holds %q, want what was typed", got)
	}
	e = overlayEntry(t, a)
	e.SetText("Robin")
	rb.err = nil
	test.Tap(findButtonIn(t, a.win, "Change"))
	if !slices.Equal(rb.asked, []string{lounge + " bob", lounge + " Robin"}) {
		t.Fatalf("asked %q", rb.asked)
	}
	// The room's answer, as forward passes it on.
	a.OnOccupant(lounge, "me", true)
	a.OnRoomJoined(lounge, "Robin")
	a.OnRoomNotice(lounge, "You are now known as Robin (were me).")
	a.OnOccupant(lounge, "Robin", false)
	a.OnOccupant(lounge, "bob", true)
	a.OnRoomNotice(lounge, "bob is now known as Robert.")
	a.OnOccupant(lounge, "Robert", false)
	mustShow(t, a, "You are now known as Robin (were me).", "bob is now known as Robert.", "Robin", "Robert")
	if r := a.room(lounge); r.nick != "Robin" || !slices.Equal(r.occupants, []string{"Robert", "Robin"}) {
		t.Errorf("the room: nick %q, occupants %q", r.nick, r.occupants)
	}
	// The dialog now offers the new nick.
	openChatMenu(t, a)
	tapMenuItem(t, a, "Change nickname…")
	if got := overlayEntries(a); !slices.Equal(got, []string{"Robin"}) {
		t.Errorf("the dialog holds %q, want Robin", got)
	}
}
