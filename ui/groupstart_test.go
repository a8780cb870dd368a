package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// groupRooms is a room backend that starts group chats: it records whom
// each was started with and fails with err when set.
type groupRooms struct {
	*fakeRooms
	with [][]string
	err  error
}

func (r *groupRooms) StartGroupChat(_ context.Context, with []string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.with = append(r.with, with)
	if r.err != nil {
		return "", r.err
	}
	room := "chat-1@muc.example.org"
	r.contacts = append(r.contacts, Contact{JID: room, Room: true})
	return room, nil
}

// overlayCheck is the dialog's check box labelled text.
func overlayCheck(t *testing.T, a *Pane, text string) *widget.Check {
	t.Helper()
	var c *widget.Check
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Check:
				if x.Text == text && c == nil {
					c = x
				}
			case *dialogCheck:
				if x.Text == text && c == nil {
					c = &x.Check
				}
			}
		})
	}
	if c == nil {
		t.Fatalf("no check box %q", text)
	}
	return c
}

// Start group chat… in a contact's ⋮ menu (not in a room's) offers the
// contacts with this one ticked and a field for other addresses; Start
// asks the backend with all of them and opens the new room; a refusal is
// shown and the dialog comes back with what was chosen.
func TestStartingAGroupChatFromAChat(t *testing.T) {
	b := &groupRooms{fakeRooms: newRooms()}
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	openChatMenu(t, a)
	b.err = errors.New("example.org offers no chat room service to make the room on")
	tapMenuItem(t, a, "Start group chat…")
	if !overlayCheck(t, a, "bob@example.org").Checked || overlayCheck(t, a, "carol@example.net").Checked {
		t.Fatal("the dialog should tick bob alone")
	}
	// A few contacts are shown whole, without scrolling.
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if s, ok := o.(*container.Scroll); ok && s.Content.MinSize().Height > s.Size().Height {
				t.Errorf("the contacts need %.0f px, the dialog shows %.0f", s.Content.MinSize().Height, s.Size().Height)
			}
		})
	}
	test.Tap(overlayCheck(t, a, "carol@example.net"))
	test.Type(overlayEntry(t, a), "dave@example.com")
	test.Tap(findButtonIn(t, a.win, "Start"))
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, "offers no chat room service") {
		t.Fatalf("the error dialog says %q", got)
	}
	test.Tap(findButtonIn(t, a.win, "OK"))
	if !overlayCheck(t, a, "carol@example.net").Checked || overlayEntry(t, a).Text != "dave@example.com" {
		t.Fatal("after the refusal the dialog lost what was chosen")
	}
	b.err = nil
	test.Tap(findButtonIn(t, a.win, "Start"))
	want := []string{"bob@example.org", "carol@example.net", "dave@example.com"}
	if len(b.with) != 2 || !slices.Equal(b.with[1], want) {
		t.Fatalf("started with %q, want %q", b.with, want)
	}
	mustShow(t, a, "chat-1@muc.example.org — not joined", "Invited bob@example.org, carol@example.net, dave@example.com.")
	// A room's menu has no Start group chat….
	openChatMenu(t, a)
	if got := menuItems(a); slices.Contains(got, "Start group chat…") {
		t.Errorf("a room's menu holds %q", got)
	}
}
