package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// subjectRooms is a room backend that sets subjects: it records the asks
// and fails with err when set.
type subjectRooms struct {
	*fakeRooms
	asked []string
	err   error
}

func (r *subjectRooms) SetRoomSubject(_ context.Context, room, subject string) error {
	r.asked = append(r.asked, room+" "+subject)
	return r.err
}

// A moderator's ⋮ menu has Change subject…, filled with the subject; a
// refusal is shown and the dialog comes back with what was typed; an
// empty one removes it. Changes while we are in the room are said in it;
// the subject the room sends after a join is not. A participant is not
// offered the item (prosody lets only moderators).
func TestChangingARoomsSubject(t *testing.T) {
	rb := &subjectRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnOccupantRank(lounge, "me", "participant", "none", true)
	a.OnRoomSubject(lounge, "Talk about I2P")
	openChatMenu(t, a)
	if got := overlayTexts(a); slices.Contains(got, "Change subject…") {
		t.Errorf("a participant is offered to change the subject: %q", got)
	}
	a.win.Canvas().Overlays().Top().Hide()
	a.OnSubjectOpen(lounge, true) // the room lets everyone
	openChat := func() []string { openChatMenu(t, a); return overlayTexts(a) }
	if got := openChat(); !slices.Contains(got, "Change subject…") {
		t.Errorf("a participant where everyone may is not offered it: %q", got)
	}
	a.win.Canvas().Overlays().Top().Hide()
	a.OnSubjectOpen(lounge, false)

	a.OnOccupantRank(lounge, "me", "moderator", "none", true)
	openChatMenu(t, a)
	tapMenuItem(t, a, "Change subject…")
	if got := overlayEntries(a); !slices.Equal(got, []string{"Talk about I2P"}) {
		t.Fatalf("the dialog holds %q, want the subject", got)
	}
	e := overlayEntry(t, a)
	e.SetText("")
	test.Type(e, "Friday:  the  release")
	rb.err = errors.New("the room does not let you change the subject of " + lounge)
	test.Tap(findButtonIn(t, a.win, "Change"))
	want := "Changing the subject: the room does not let you change the subject of " + lounge
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, want) {
		t.Errorf("the error dialog says %q, want %q", got, want)
	}
	test.Tap(findButtonIn(t, a.win, "OK"))
	if got := overlayEntries(a); !slices.Equal(got, []string{"Friday: the release"}) {
		t.Fatalf("after the refusal the dialog holds %q, want what was typed", got)
	}
	rb.err = nil
	test.Tap(findButtonIn(t, a.win, "Change"))
	// The room's copy, as forward passes it on.
	a.OnRoomSubject(lounge, "Friday: the release")
	a.OnSubjectChanged(lounge, "me", "Friday: the release", true)
	a.OnRoomSubject(lounge, "")
	a.OnSubjectChanged(lounge, "bob", "", false)
	a.OnRoomSubject(lounge, "Saturday")
	a.OnSubjectChanged(lounge, "bob", "Saturday", false)
	mustShow(t, a, "You changed the subject to: Friday: the release", "bob removed the subject.", "bob changed the subject to: Saturday", "Saturday")

	openChatMenu(t, a)
	tapMenuItem(t, a, "Change subject…")
	e = overlayEntry(t, a)
	e.SetText("  ")
	test.Tap(findButtonIn(t, a.win, "Change"))
	want2 := []string{lounge + " Friday: the release", lounge + " Friday: the release", lounge + " "}
	if !slices.Equal(rb.asked, want2) {
		t.Errorf("asked %q, want %q", rb.asked, want2)
	}
}
