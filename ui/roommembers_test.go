package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
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
// their registered nicks (read only: we have no rank there); a refusal is one line in an error dialog.
func TestARoomsMemberList(t *testing.T) {
	b := &memberRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, b)
	a.joinRoom(lounge, "me", false)
	b.ms = []RoomMember{{JID: "alice@example.org", Affiliation: "owner"}, {JID: "bob@example.org", Affiliation: "member", Nick: "Bobby"}}
	openChatMenu(t, a)
	tapMenuItem(t, a, "Members…")
	got := overlayTexts(a)
	for _, w := range []string{"Members of " + lounge, "Owners", "alice@example.org", "Members", "bob@example.org (Bobby)"} {
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

// editRooms is a room backend whose member lists change with
// SetRoomAffiliation (refused with fail, when set).
type editRooms struct {
	*fakeAdmin
	ms   []RoomMember
	fail error
}

func (r *editRooms) RoomMembers(context.Context, string) ([]RoomMember, error) {
	return slices.Clone(r.ms), nil
}

func (r *editRooms) SetRoomAffiliation(ctx context.Context, room, who, aff, reason string) error {
	if r.fail != nil {
		return r.fail
	}
	_ = r.fakeAdmin.SetRoomAffiliation(ctx, room, who, aff, reason)
	r.ms = slices.DeleteFunc(r.ms, func(m RoomMember) bool { return m.JID == who })
	if aff != "none" {
		r.ms = append(r.ms, RoomMember{JID: who, Affiliation: aff})
	}
	return nil
}

// overlaySelect is the open dialog's drop-down.
func overlaySelect(t *testing.T, a *Pane) *widget.Select {
	t.Helper()
	var s *widget.Select
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*widget.Select); ok && s == nil {
				s = x
			}
		})
	}
	if s == nil {
		t.Fatal("no drop-down in the dialog")
	}
	return s
}

// An owner edits the room's lists in Members…: the address typed at once
// (the entry has the focus) and Enter makes a member; Lift ban, Remove,
// and Banned from the drop-down each change one entry and the lists are
// read again; a refusal is said below the lists, which stay. An admin may
// change members and bans only; someone else only reads.
func TestEditingARoomsMemberLists(t *testing.T) {
	b := &editRooms{fakeAdmin: &fakeAdmin{fakeInvites: &fakeInvites{fakeRooms: newRooms()}}, ms: []RoomMember{
		{JID: "me@example.org", Affiliation: "owner"},
		{JID: "ann@example.org", Affiliation: "admin"},
		{JID: "bob@example.org", Affiliation: "member", Nick: "Bobby"},
		{JID: "eve@example.org", Affiliation: "outcast", Reason: "spam"},
	}}
	a, _ := newTestApp(t, b)
	a.joinRoom(lounge, "me", false)
	a.OnRoomJoined(lounge, "me")
	a.OnOccupantRank(lounge, "me", "moderator", "owner", true)
	open := func() {
		t.Helper()
		openChatMenu(t, a)
		tapMenuItem(t, a, "Members…")
	}
	open()
	got := overlayTexts(a)
	for _, w := range []string{"Owners", "Admins", "Members", "Banned", "bob@example.org (Bobby)", "eve@example.org — spam", "Lift ban", "Remove", "Add"} {
		if !slices.Contains(got, w) {
			t.Errorf("the lists show %q, want %q in it", got, w)
		}
	}
	if s := overlaySelect(t, a); !slices.Equal(s.Options, []string{"Member", "Admin", "Owner", "Banned"}) || s.Selected != "Member" {
		t.Errorf("an owner may make %q (chosen %q)", s.Options, s.Selected)
	}
	e := overlayEntry(t, a)
	if a.win.Canvas().Focused() != e {
		t.Errorf("the address entry does not have the focus: %T", a.win.Canvas().Focused())
	}
	test.Type(e, "carol@example.org")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShowOverlay(t, a, "carol@example.org", "carol@example.org is now a member of the room.")
	if e.Text != "" {
		t.Errorf("the entry after the change: %q", e.Text)
	}
	test.Tap(overlayButton(t, a, "Lift ban"))
	mustShowOverlay(t, a, "eve@example.org is no longer on the room's lists.")
	if slices.Contains(overlayTexts(a), "eve@example.org — spam") {
		t.Error("eve still listed as banned")
	}
	// Banned asks for a reason (optional, as Gajim's ban does); Enter in
	// it bans. Member again hides it.
	if slices.Contains(overlayTexts(a), "Reason for the ban (optional)") {
		t.Error("a reason is asked for before Banned is chosen")
	}
	overlaySelect(t, a).SetSelected("Banned")
	test.Type(e, "mallory@example.org")
	why := overlayEntryWith(t, a, "Reason for the ban (optional)")
	test.Type(why, "flooding")
	why.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShowOverlay(t, a, "mallory@example.org is banned from the room.", "Banned")
	if why.Text != "" {
		t.Errorf("the reason after the ban: %q", why.Text)
	}
	test.Type(e, "trent@example.org")
	test.Tap(overlayButton(t, a, "Add"))
	mustShowOverlay(t, a, "trent@example.org is banned from the room.")
	overlaySelect(t, a).SetSelected("Member")
	if slices.Contains(overlayTexts(a), "Reason for the ban (optional)") {
		t.Error("the reason stays for a member")
	}
	want := []string{
		`affiliation ` + lounge + ` carol@example.org member ""`,
		`affiliation ` + lounge + ` eve@example.org none ""`,
		`affiliation ` + lounge + ` mallory@example.org outcast "flooding"`,
		`affiliation ` + lounge + ` trent@example.org outcast ""`,
	}
	if got := b.called(); !slices.Equal(got, want) {
		t.Errorf("asked\n%q, want\n%q", got, want)
	}
	b.fail = errors.New("the room does not let you change the lists of " + lounge)
	test.Tap(overlayButton(t, a, "Remove"))
	mustShowOverlay(t, a, "the room does not let you change the lists of "+lounge, "bob@example.org (Bobby)")
	test.Tap(overlayButton(t, a, "Close"))
	b.fail = nil

	// In a 420×320 window the editable lists still fit.
	a.win.Resize(fyne.NewSize(420, 320))
	open()
	mustFitWindow(t, a)
	overlaySelect(t, a).SetSelected("Banned") // the reason's row too
	mustFitWindow(t, a)
	test.Tap(overlayButton(t, a, "Close"))
	a.win.Resize(fyne.NewSize(900, 600))

	// An admin: members and bans only; the owners' and admins' rows
	// have no Remove.
	a.OnOccupantRank(lounge, "me", "moderator", "admin", true)
	b.ms = b.ms[:0]
	b.ms = append(b.ms, RoomMember{JID: "ann@example.org", Affiliation: "owner"})
	open()
	if s := overlaySelect(t, a); !slices.Equal(s.Options, []string{"Member", "Banned"}) {
		t.Errorf("an admin may make %q", s.Options)
	}
	if slices.Contains(overlayTexts(a), "Remove") {
		t.Errorf("an admin is offered to remove an owner: %q", overlayTexts(a))
	}
	test.Tap(overlayButton(t, a, "Close"))

	// A participant: the lists only.
	a.OnOccupantRank(lounge, "me", "participant", "none", true)
	open()
	for _, nope := range []string{"Add", "Remove"} {
		if slices.Contains(overlayTexts(a), nope) {
			t.Errorf("someone without rank sees %q: %q", nope, overlayTexts(a))
		}
	}
}

// overlayEntryWith is the shown dialog entry whose placeholder is ph.
func overlayEntryWith(t *testing.T, a *Pane, ph string) *dialogEntry {
	t.Helper()
	var e *dialogEntry
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*dialogEntry); ok && e == nil && x.PlaceHolder == ph {
				e = x
			}
		})
	}
	if e == nil {
		t.Fatalf("no dialog entry %q", ph)
	}
	return e
}
