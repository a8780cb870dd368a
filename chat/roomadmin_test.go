package chat

import (
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// What the room and the CLI say of a removal, ours and others' (on one
// line; the CLI escapes control characters when it prints: termText).
func TestRemovalText(t *testing.T) {
	for _, tc := range []struct {
		o    xmppclient.Occupant
		want string
	}{
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.Kicked, Actor: "bob", Reason: "wrong room"}, "You were removed from the room by bob: wrong room."},
		{xmppclient.Occupant{Nick: "carol", Removed: xmppclient.Banned, Actor: "alice", Reason: "enough!"}, "carol was banned from the room by alice: enough!"},
		{xmppclient.Occupant{Nick: "carol", Removed: xmppclient.Kicked, Reason: "spam."}, "carol was removed from the room: spam."},
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.MembershipLost}, "You were removed: the room is for members only, and you are no longer a member."},
		{xmppclient.Occupant{Nick: "dan", Removed: xmppclient.MembersOnly}, "dan was removed: the room is now for members only."},
		{xmppclient.Occupant{Nick: "me", Self: true, Removed: xmppclient.Destroyed, Reason: "moving on", Venue: jid.MustParse("new@muc.example.org")},
			"The room was closed for good by its owner: moving on. It goes on at new@muc.example.org."},
		{xmppclient.Occupant{Nick: "eve", Removed: xmppclient.Kicked, Actor: "x\x1b[31m", Reason: "a\nb"}, "eve was removed from the room by x\x1b[31m: a b."},
		{xmppclient.Occupant{Nick: "eve", Left: true}, ""},
	} {
		if got := RemovalText(tc.o); got != tc.want {
			t.Errorf("RemovalText(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}
