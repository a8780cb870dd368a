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

// regRooms is a room backend that registers nicknames: it records the
// asks and fails with err when set.
type regRooms struct {
	*fakeRooms
	asked []string
	err   error
}

func (r *regRooms) RegisterWithRoom(_ context.Context, room, nick string) (string, error) {
	r.asked = append(r.asked, room+" "+nick)
	if r.err != nil {
		return "", r.err
	}
	return "Registered as " + nick + " in " + room + ": the nickname is reserved for you there.", nil
}

// "Register nickname…" in a room's right-click menu asks for the nick
// (filled with ours there); a refusal is shown and the dialog comes back
// with what was typed; success is said in one line.
func TestRegisteringANicknameWithARoom(t *testing.T) {
	rb := &regRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, rb)
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "me")
	a.showContactMenu(lounge, fyne.NewPos(10, 10))
	tapMenuItem(t, a, "Register nickname…")
	if got := overlayEntries(a); !slices.Equal(got, []string{"me"}) {
		t.Fatalf("the dialog holds %q, want our nick", got)
	}
	e := overlayEntry(t, a)
	e.SetText("")
	test.Type(e, "bob")
	rb.err = errors.New("the nickname bob is already taken in " + lounge + " (registered or used by someone else): conflict")
	test.Tap(findButtonIn(t, a.win, "Register"))
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, "Registering your nickname: the nickname bob is already taken") {
		t.Fatalf("the error dialog says %q", got)
	}
	test.Tap(findButtonIn(t, a.win, "OK"))
	if got := overlayEntries(a); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("after the refusal the dialog holds %q, want what was typed", got)
	}
	e = overlayEntry(t, a)
	e.SetText("Robin")
	rb.err = nil
	test.Tap(findButtonIn(t, a.win, "Register"))
	if !slices.Equal(rb.asked, []string{lounge + " bob", lounge + " Robin"}) {
		t.Fatalf("asked %q", rb.asked)
	}
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, "Registered as Robin in "+lounge) {
		t.Fatalf("after registering the window says %q", got)
	}
}

// A contact's menu (not a room) has no "Register nickname…".
func TestNoRegisterForAContact(t *testing.T) {
	rb := &regRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, rb)
	a.showContactMenu("bob@example.org", fyne.NewPos(10, 10))
	if got := menuItems(a); slices.Contains(got, "Register nickname…") {
		t.Fatalf("bob's menu has %q", got)
	}
}
