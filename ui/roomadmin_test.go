package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeAdmin records room administration.
type fakeAdmin struct {
	*fakeInvites // a room's header then has Invite… (hidden after a removal)
	amu          sync.Mutex
	calls        []string
}

func (f *fakeAdmin) SetRoomRole(_ context.Context, room, nick, role, reason string) error {
	f.amu.Lock()
	defer f.amu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("role %s %s %s %q", room, nick, role, reason))
	return nil
}

func (f *fakeAdmin) SetRoomAffiliation(_ context.Context, room, who, aff, reason string) error {
	f.amu.Lock()
	defer f.amu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("affiliation %s %s %s %q", room, who, aff, reason))
	return nil
}

func (f *fakeAdmin) DestroyRoom(_ context.Context, room, reason string) error {
	f.amu.Lock()
	defer f.amu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("destroy %s %q", room, reason))
	return nil
}

func (f *fakeAdmin) called() []string {
	f.amu.Lock()
	defer f.amu.Unlock()
	return slices.Clone(f.calls)
}

// adminRoom is the lounge joined as "me" with zoe (a participant) and
// ann (an admin), our rank being role/aff.
func adminRoom(t *testing.T, role, aff string) (*Pane, *fakeAdmin) {
	t.Helper()
	f := &fakeAdmin{fakeInvites: &fakeInvites{fakeRooms: newRooms()}}
	a, _ := newTestApp(t, f)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	for _, n := range []string{"me", "zoe", "ann"} {
		a.OnOccupant(lounge, n, false)
	}
	a.OnOccupantRank(lounge, "me", role, aff, true)
	a.OnOccupantRank(lounge, "zoe", "participant", "none", false)
	a.OnOccupantRank(lounge, "ann", "moderator", "admin", false)
	return a, f
}

func labels(items []*fyne.MenuItem) []string {
	var out []string
	for _, it := range items {
		if !it.IsSeparator {
			out = append(out, it.Label)
		}
	}
	return out
}

// A People row's menu offers what our rank allows over theirs, as
// XEP-0045 §8–10 and prosody allow it: nothing but a private message to
// a participant; voice and removal to a moderator, never over an admin;
// moderators, membership and bans to an admin or owner; nothing on
// ourselves.
func TestOccupantMenuFollowsRanks(t *testing.T) {
	for _, tc := range []struct {
		role, aff, nick string
		want            []string
	}{
		{"participant", "none", "zoe", []string{"Private message"}},
		{"moderator", "none", "zoe", []string{"Private message", "Take voice", "Remove from room…"}},
		{"moderator", "none", "ann", []string{"Private message"}},
		{"moderator", "owner", "zoe", []string{"Private message", "Take voice", "Remove from room…", "Make moderator", "Make member", "Ban…"}},
		{"moderator", "admin", "ann", []string{"Private message"}},
		{"moderator", "owner", "ann", []string{"Private message", "Ban…"}},
		{"moderator", "owner", "me", nil},
	} {
		t.Run(tc.role+"/"+tc.aff+" on "+tc.nick, func(t *testing.T) {
			a, _ := adminRoom(t, tc.role, tc.aff)
			if got := labels(a.occupantMenuItems(lounge, tc.nick)); !slices.Equal(got, tc.want) {
				t.Fatalf("menu on %s: %q, want %q", tc.nick, got, tc.want)
			}
		})
	}
}

// Removing someone asks first, with a reason, and asks the backend;
// the room's word comes back as a notice. Voice changes go at once and
// are said when the room confirms them.
func TestKickBanAndVoiceFromThePeopleList(t *testing.T) {
	a, f := adminRoom(t, "moderator", "owner")
	a.OnOccupantPresence(lounge, "ann", "away", "")
	for nick, want := range map[string]string{"me": "owner", "ann": "admin · away", "zoe": ""} {
		if got := a.room(lounge).caption(nick); got != want {
			t.Errorf("%s's caption in People: %q, want %q", nick, got, want)
		}
	}
	a.showOccupantMenu("zoe", fyne.NewPos(10, 10))
	tapMenuItem(t, a, "Remove from room…")
	if texts := overlayTexts(a); !slices.Contains(texts, "Remove zoe from the room?") {
		t.Fatalf("no confirmation: %q", texts)
	}
	typeFocused(t, a.win, "spam")
	test.Tap(overlayButton(t, a, "Remove"))
	if got := f.called(); !slices.Equal(got, []string{`role ` + lounge + ` zoe none "spam"`}) {
		t.Fatalf("asked %q", got)
	}
	a.OnOccupant(lounge, "zoe", true)
	a.OnRoomRemoval(lounge, "zoe", false, false, "zoe was removed from the room by me: spam.")
	mustShow(t, a, "zoe was removed from the room by me: spam.")

	a.showOccupantMenu("ann", fyne.NewPos(10, 10))
	tapMenuItem(t, a, "Ban…")
	test.Tap(overlayButton(t, a, "Ban"))
	if got := f.called(); got[len(got)-1] != `affiliation `+lounge+` ann outcast ""` {
		t.Fatalf("asked %q", got)
	}

	a.OnOccupant(lounge, "bea", false)
	a.OnOccupantRank(lounge, "bea", "visitor", "none", false)
	a.showOccupantMenu("bea", fyne.NewPos(10, 10))
	tapMenuItem(t, a, "Give voice")
	if got := f.called(); got[len(got)-1] != `role `+lounge+` bea participant ""` {
		t.Fatalf("asked %q", got)
	}
	a.OnVoiceRequest(lounge, "bea")
	mustShow(t, a, "bea asks to speak here (to let them: right-click, Give voice).")
	a.OnOccupantRank(lounge, "bea", "participant", "none", false)
	mustShow(t, a, "bea can speak here now.")
}

// When the room removes us, it says why, the room shows as not joined
// and "Join again" enters it again; our own rank changes are said. A
// destroyed room offers no "Join again".
func TestRemovedFromARoom(t *testing.T) {
	a, f := adminRoom(t, "participant", "none")
	mustNotShow(t, a, "Join again")
	mustShow(t, a, "Invite…")
	a.OnOccupantRank(lounge, "me", "visitor", "none", true)
	mustShow(t, a, "You can no longer speak here (Request voice asks the moderators).")
	a.OnOccupantRank(lounge, "me", "moderator", "member", true)
	mustShow(t, a, "You are now a member of this room.")

	a.OnOccupant(lounge, "me", true)
	a.OnRoomRemoval(lounge, "me", true, false, "You were removed from the room by ann: spam.")
	mustShow(t, a, "You were removed from the room by ann: spam.", lounge+" — not joined", "Join again")
	mustNotShow(t, a, "Invite…") // an invitation from outside the room fails
	a.send("still there?")
	mustShow(t, a, "not sent: you are no longer in this room; join it again first")
	if a.composer.Text != "still there?" || len(f.fakeRooms.group) != 0 {
		t.Fatalf("a message typed after the removal: composer %q, said %q", a.composer.Text, f.fakeRooms.group)
	}
	test.Tap(findButtonIn(t, a.win, "Join again"))
	if j := f.fakeRooms.joined; !strings.HasPrefix(j[len(j)-1], lounge+` as "me"`) {
		t.Fatalf("joined %q", j)
	}
	a.OnRoomJoined(lounge, "me")
	mustNotShow(t, a, "Join again")
	mustShow(t, a, "Invite…")

	a.OnOccupantRank(lounge, "me", "moderator", "owner", true)
	openChatMenu(t, a)
	tapMenuItem(t, a, "Destroy room…")
	test.Tap(overlayButton(t, a, "Destroy"))
	if got := f.called(); got[len(got)-1] != `destroy `+lounge+` ""` {
		t.Fatalf("asked %q", got)
	}

	// In the background, a removal of ours is also a desktop notification.
	a.OnRoomJoined(lounge, "me")
	a.shell.foreground = false
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Removed from " + lounge, Content: "You were banned from the room by ann: enough."}, func() {
		a.OnRoomRemoval(lounge, "me", true, false, "You were banned from the room by ann: enough.")
	})
	test.AssertNotificationSent(t, nil, func() { a.OnRoomRemoval(lounge, "zoe", false, false, "zoe was removed from the room.") })

	b, _ := adminRoom(t, "participant", "none")
	b.OnRoomRemoval(lounge, "me", true, true, "The room was closed for good by its owner.")
	mustShow(t, b, "The room was closed for good by its owner.")
	mustNotShow(t, b, "Join again")
}

// fakeConfig is fakeAdmin with a room's settings.
type fakeConfig struct {
	*fakeAdmin
	form  Form
	saved []Form
}

func (f *fakeConfig) RoomConfig(context.Context, string) (Form, error) { return f.form, nil }
func (f *fakeConfig) SetRoomConfig(_ context.Context, _ string, form Form) error {
	f.saved = append(f.saved, form)
	return nil
}

// An owner's ⋮ menu offers Room settings…: the room's form, each field by
// its label and kind (entry, password, check box, drop-down, check boxes
// for a multiple choice; hidden ones not shown but sent back); Enter
// saves it, changed, and the room says so.
func TestRoomSettingsDialog(t *testing.T) {
	f := &fakeConfig{fakeAdmin: &fakeAdmin{fakeInvites: &fakeInvites{fakeRooms: newRooms()}}, form: Form{Fields: []FormField{
		{Var: "FORM_TYPE", Type: "hidden", Values: []string{"http://jabber.org/protocol/muc#roomconfig"}},
		{Type: "fixed", Values: []string{"Room information"}},
		{Var: "muc#roomconfig_roomname", Type: "text-single", Label: "Title", Values: []string{"Lounge"}},
		{Var: "muc#roomconfig_roomsecret", Type: "text-private", Label: "Password"},
		{Var: "muc#roomconfig_moderatedroom", Type: "boolean", Label: "Moderated (require permission to speak)", Values: []string{"0"}},
		{Var: "muc#roomconfig_whois", Type: "list-single", Label: "Addresses (JIDs) of room occupants may be viewed by:",
			Values: []string{"moderators"}, Options: []FormOption{{"Moderators only", "moderators"}, {"Anyone", "anyone"}}},
		{Var: "muc#roomconfig_presencebroadcast", Type: "list-multi", Label: "Roles whose presence is broadcast",
			Values: []string{"moderator", "participant"}, Options: []FormOption{{"Moderator", "moderator"}, {"Participant", "participant"}, {"Visitor", "visitor"}}},
	}}}
	a, _ := newTestApp(t, f)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnOccupantRank(lounge, "me", "participant", "member", true)
	openChatMenu(t, a)
	if got := menuItems(a); slices.Contains(got, "Room settings…") {
		t.Fatalf("a member's menu offers Room settings…: %q", got)
	}
	a.win.Canvas().Overlays().Top().Hide()
	a.OnOccupantRank(lounge, "me", "moderator", "owner", true)
	openChatMenu(t, a)
	tapMenuItem(t, a, "Room settings…")
	texts := overlayTexts(a)
	for _, want := range []string{"Settings of " + lounge, "Room information", "Title", "Password", "Moderated (require permission to speak)", "Moderators only", "Visitor", "Save"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the settings dialog lacks %q: %q", want, texts)
		}
	}
	// The title's entry has the focus: typed into, Enter saves.
	press(a.win, fyne.KeyEnd)
	typeFocused(t, a.win, " 2")
	press(a.win, fyne.KeyReturn)
	if len(f.saved) != 1 {
		t.Fatalf("saved %d forms", len(f.saved))
	}
	got := map[string][]string{}
	for _, fd := range f.saved[0].Fields {
		got[fd.Var] = fd.Values
	}
	for v, want := range map[string][]string{
		"FORM_TYPE":                        {"http://jabber.org/protocol/muc#roomconfig"},
		"muc#roomconfig_roomname":          {"Lounge 2"},
		"muc#roomconfig_moderatedroom":     {"0"},
		"muc#roomconfig_whois":             {"moderators"},
		"muc#roomconfig_presencebroadcast": {"moderator", "participant"},
		"muc#roomconfig_roomsecret":        nil,
	} {
		if !slices.Equal(got[v], want) {
			t.Errorf("%s saved as %q, want %q", v, got[v], want)
		}
	}
	mustShow(t, a, "Room settings saved.")
}
