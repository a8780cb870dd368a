package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// memberRooms is a room backend that reads member lists: ms, or err.
type memberRooms struct {
	*fakeRooms
	ms  []RoomMember
	err error
}

func (r *memberRooms) RoomMembers(context.Context, string) ([]RoomMember, error) {
	return r.ms, r.err
}

// Members… in a room's ⋮ menu lists the owners, admins and members with
// their registered nicks; a refusal is one line in an error dialog.
func TestARoomsMemberList(t *testing.T) {
	b := &memberRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, b)
	a.joinRoom(lounge, "me", false)
	b.ms = []RoomMember{{JID: "alice@example.org", Affiliation: "owner"}, {JID: "bob@example.org", Affiliation: "member", Nick: "Bobby"}}
	openChatMenu(t, a)
	tapMenuItem(t, a, "Members…")
	got := overlayTexts(a)
	for _, w := range []string{"Members of " + lounge, "Owner", "alice@example.org", "Member", "bob@example.org (Bobby)"} {
		if !slices.Contains(got, w) {
			t.Errorf("the list shows %q, want %q in it", got, w)
		}
	}
	test.Tap(findButtonIn(t, a.win, "Close"))

	b.ms, b.err = nil, errors.New(lounge+": the room does not show its member list to you (forbidden)")
	openChatMenu(t, a)
	tapMenuItem(t, a, "Members…")
	want := lounge + ": the room does not show its member list to you (forbidden)"
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
		t.Errorf("the error says %q, want %q", got, want)
	}
}
