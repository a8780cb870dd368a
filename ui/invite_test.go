package ui

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"
)

// fakeInvites is a fakeRooms that can invite and answer invitations.
type fakeInvites struct {
	*fakeRooms
	invited  []string // "room who reason"
	declined []string
}

func (f *fakeInvites) Invite(_ context.Context, room, who, reason string, viaRoom bool) error {
	f.invited = append(f.invited, fmt.Sprintf("%s %s %q via=%v", room, who, reason, viaRoom))
	return nil
}

func (f *fakeInvites) AcceptInvitation(ctx context.Context, inv Invitation) error {
	return f.JoinRoom(ctx, inv.Room, "", false)
}

func (f *fakeInvites) DeclineInvitation(_ context.Context, inv Invitation) error {
	f.declined = append(f.declined, inv.Room)
	return nil
}

// An invitation shows above the roster with who, the reason, the
// password and whether they are a contact; Join enters and opens the
// room, Decline drops the prompt; a room's notice shows in its view.
func TestInvitationPrompt(t *testing.T) {
	fi := &fakeInvites{fakeRooms: newRooms()}
	a, _ := newTestApp(t, fi)
	a.OnInvitation(Invitation{Room: lounge, From: "bob@example.org", Reason: "tea\nat five", Password: "s3cret"})
	mustShow(t, a, "Bob invites you to", lounge, "“tea at five”", "Password: s3cret")
	mustNotShow(t, a, "Not in your contacts")
	a.OnInvitation(Invitation{Room: "den@muc.example.org", From: "mallory@evil.example", Mediated: true})
	mustShow(t, a, "mallory@evil.example invites you", "den@muc.example.org", "Not in your contacts") // wrapped
	if len(fi.joined) != 0 {
		t.Fatalf("joined without Join: %q", fi.joined)
	}
	test.Tap(findButtonIn(t, a.win, "Decline")) // the first prompt's: the lounge
	if !slices.Equal(fi.declined, []string{lounge}) {
		t.Fatalf("declined %q", fi.declined)
	}
	mustNotShow(t, a, "Bob invites you")
	test.Tap(findButtonIn(t, a.win, "Join"))
	if !slices.Equal(fi.joined, []string{`den@muc.example.org as "" create=false`}) {
		t.Fatalf("joined %q", fi.joined)
	}
	mustNotShow(t, a, "invites you")
	mustShow(t, a, "den@muc.example.org — not joined", "Invite…")
	a.OnRoomNotice("den@muc.example.org", "Rejoined the room after being disconnected")
	mustShow(t, a, "Rejoined the room after being disconnected")

	// A flood of invitations to ever new rooms shows at most 10.
	for i := range 50 {
		a.OnInvitation(Invitation{Room: fmt.Sprintf("r%d@muc.example.org", i), From: "mallory@evil.example"})
	}
	if n := len(a.requestRows); n != maxRequestRows {
		t.Fatalf("%d rows above the roster after 50 invitations", n)
	}
}
