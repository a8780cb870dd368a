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

// fakeBrowser is a backend with rooms to discover.
type fakeBrowser struct {
	*fakeRooms
	services []string
	rooms    map[string][]RoomListing
	listErr  error
	asked    []string
}

func (b *fakeBrowser) RoomServices(context.Context) ([]string, error) { return b.services, nil }

func (b *fakeBrowser) ListRooms(_ context.Context, service string) ([]RoomListing, error) {
	b.asked = append(b.asked, service)
	return b.rooms[service], b.listErr
}

// topButton returns the button labelled text in the dialog on top.
func topButton(t *testing.T, a *Pane, text string) *dialogButton {
	t.Helper()
	var b *dialogButton
	walkShown(a.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if x, ok := o.(*dialogButton); ok && x.Text == text {
			b = x
		}
	})
	if b == nil {
		t.Fatalf("no %q button in the dialog on top: %q", text, overlayTexts(a))
	}
	return b
}

// The Join-a-room dialog's "Browse…" lists the public rooms of the
// server's first room service with their names and counts; picking one
// fills the room's address in the join dialog, which then joins it.
func TestBrowseRoomsFillsTheAddress(t *testing.T) {
	const svc = "conference.example.org"
	b := &fakeBrowser{fakeRooms: newRooms(), services: []string{svc}, rooms: map[string][]RoomListing{svc: {
		{Address: "lounge@" + svc, Name: "The Lounge", Occupants: 2},
		{Address: "quiet@" + svc, Occupants: -1},
		{Address: "tea@" + svc, Name: "tea", Occupants: 1},
	}}}
	a, _ := newTestApp(t, b)
	a.showJoinRoom("", "", false)
	test.Tap(topButton(t, a, "Browse…"))
	texts := strings.Join(overlayTexts(a), "|")
	for _, want := range []string{"Browse rooms", "3 public rooms on " + svc, "The Lounge  ·  lounge@" + svc, "2 people", "quiet@" + svc, "1 person"} {
		if !strings.Contains(texts, want) {
			t.Errorf("the browser shows no %q: %s", want, texts)
		}
	}
	var list *dialogList
	walkShown(a.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if x, ok := o.(*dialogList); ok {
			list = x
		}
	})
	if list == nil {
		t.Fatal("no room list")
	}
	list.Select(2)
	var addr *dialogEntry
	walkShown(a.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if x, ok := o.(*dialogEntry); ok && addr == nil {
			addr = x
		}
	})
	if addr == nil || addr.Text != "tea@"+svc {
		t.Fatalf("after picking tea the join dialog's address is %v", addr)
	}
	test.Tap(topButton(t, a, "Join"))
	if !slices.Equal(b.joined, []string{"tea@" + svc + ` as "" create=false`}) {
		t.Errorf("joined %q", b.joined)
	}
}

// What the browser says when there is nothing to list or the service
// refuses; without a RoomBrowser there is no "Browse…" at all.
func TestBrowseRoomsStates(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services []string
		listErr  error
		want     string
	}{
		{"no service", nil, nil, "Your server offers no chat room service"},
		{"no rooms", []string{"muc.example.org"}, nil, "muc.example.org lists no public rooms."},
		{"refused", []string{"muc.example.org"}, errors.New("muc.example.org does not list its rooms: forbidden"), "could not list the rooms: muc.example.org does not list its rooms: forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &fakeBrowser{fakeRooms: newRooms(), services: tc.services, listErr: tc.listErr}
			a, _ := newTestApp(t, b)
			a.showRoomBrowser(func(string) { t.Error("picked with nothing listed") })
			if texts := strings.Join(overlayTexts(a), "|"); !strings.Contains(texts, tc.want) {
				t.Errorf("want %q in %s", tc.want, texts)
			}
		})
	}
	a, _ := newTestApp(t, newRooms())
	a.showJoinRoom("", "", false)
	walkShown(a.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if x, ok := o.(*dialogButton); ok && x.Text == "Browse…" {
			t.Error("Browse… offered by a backend that cannot browse")
		}
	})
}
