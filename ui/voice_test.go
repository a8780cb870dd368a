package ui

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"
)

// fakeVoice records voice requests.
type fakeVoice struct {
	*fakeRooms
	asked []string
}

func (v *fakeVoice) RequestVoice(_ context.Context, room string) error {
	v.asked = append(v.asked, room)
	return nil
}

// "Request voice" shows in a room's header only while we are a visitor
// there; a click asks the backend and says it was asked.
func TestRequestVoiceOnlyAsAVisitor(t *testing.T) {
	v := &fakeVoice{fakeRooms: newRooms()}
	a, _ := newTestApp(t, v)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnRoomRole(lounge, "participant")
	mustNotShow(t, a, "Request voice")
	a.OnRoomRole(lounge, "visitor")
	mustShow(t, a, "Request voice")
	test.Tap(findButtonIn(t, a.win, "Request voice"))
	if !slices.Equal(v.asked, []string{lounge}) {
		t.Fatalf("asked for voice in %q", v.asked)
	}
	if texts := overlayTexts(a); !slices.Contains(texts, "Voice requested") {
		t.Errorf("no \"Voice requested\" said: %q", texts)
	}
	a.win.Canvas().Overlays().Top().Hide()
	a.OnRoomRole(lounge, "participant") // granted
	mustNotShow(t, a, "Request voice")
	a.OnRoomRole(lounge, "visitor")
	selectContact(t, a, "bob@example.org")
	mustNotShow(t, a, "Request voice")
}
