package ui

import (
	"context"
	"errors"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeEditor is a fakeBackend that can change its roster.
type fakeEditor struct {
	*fakeBackend
	answers []string // "jid=true"
	removed []string
	err     error // returned by every call while set
}

func (e *fakeEditor) AddContact(_ context.Context, jid, name string) error {
	if e.err != nil {
		return e.err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contacts = append(e.contacts, Contact{JID: jid, Name: name})
	return nil
}

func (e *fakeEditor) RenameContact(_ context.Context, jid, name string) error {
	if e.err != nil {
		return e.err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.contacts {
		if e.contacts[i].JID == jid {
			e.contacts[i].Name = name
			return nil
		}
	}
	return errors.New("no such contact")
}

func (e *fakeEditor) RemoveContact(_ context.Context, jid string) error {
	if e.err != nil {
		return e.err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removed = append(e.removed, jid)
	e.contacts = slices.DeleteFunc(e.contacts, func(c Contact) bool { return c.JID == jid })
	return nil
}

func (e *fakeEditor) AnswerSubscription(_ context.Context, jid string, approve bool) error {
	if e.err != nil {
		return e.err
	}
	e.answers = append(e.answers, jid+map[bool]string{true: "=yes", false: "=no"}[approve])
	return nil
}

// overlayEntries lists the texts of the entries in the window's dialogs.
func overlayEntries(a *Pane) []string {
	var out []string
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Entry:
				out = append(out, x.Text)
			case *dialogEntry:
				out = append(out, x.Text)
			}
		})
	}
	return out
}

func TestSubscriptionRequestsAreAnsweredFromTheRoster(t *testing.T) {
	ed := &fakeEditor{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, ed)
	a.OnSubscriptionRequest("dave@example.org")
	a.OnSubscriptionRequest("erin@example.org")
	a.OnSubscriptionRequest("dave@example.org") // asked again: shown once
	mustShow(t, a, "dave@example.org", "erin@example.org", "asks to see when you are online")
	if len(a.requestRows) != 2 {
		t.Fatalf("%d request rows", len(a.requestRows))
	}

	// A failed answer keeps the request, says why.
	ed.err = errors.New("you are offline")
	test.Tap(findButtonIn(t, a.win, "Accept"))
	if top := a.win.Canvas().Overlays().Top(); top == nil {
		t.Error("no error shown")
	}
	mustShow(t, a, "dave@example.org", "asks to see")
	a.win.Canvas().Overlays().Remove(a.win.Canvas().Overlays().Top())

	ed.err = nil
	test.Tap(findButtonIn(t, a.win, "Accept"))
	test.Tap(findButtonIn(t, a.win, "Deny"))
	if !slices.Equal(ed.answers, []string{"dave@example.org=yes", "erin@example.org=no"}) {
		t.Errorf("answers %v", ed.answers)
	}
	mustNotShow(t, a, "asks to see when you are online")
	if a.requests.Visible() {
		t.Error("the empty request box is still shown")
	}
}

func TestAddContactKeepsWhatWasTypedOnError(t *testing.T) {
	ed := &fakeEditor{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, ed)
	ed.err = errors.New(`"dave at example" is not a valid address: expected name@server`)
	a.addContact("dave at example", "Dave")
	test.Tap(findButtonIn(t, a.win, "OK")) // the error, read
	if got := overlayEntries(a); !slices.Equal(got, []string{"dave at example", "Dave"}) {
		t.Fatalf("the form came back with %q, want what was typed", got)
	}
	for a.win.Canvas().Overlays().Top() != nil {
		a.win.Canvas().Overlays().Remove(a.win.Canvas().Overlays().Top())
	}
	mustNotShow(t, a, "Dave")

	ed.err = nil
	a.addContact("dave@example.org", "Dave")
	mustShow(t, a, "Dave")
}

func TestRemoveContactClosesItsChat(t *testing.T) {
	ed := &fakeEditor{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, ed)
	selectContact(t, a, "bob@example.org")
	mustShow(t, a, "message 3")
	openChatMenu(t, a) // the header's ⋮
	tapMenuItem(t, a, "Remove…")
	test.Tap(findButtonIn(t, a.win, "Remove")) // the confirmation
	if !slices.Equal(ed.removed, []string{"bob@example.org"}) {
		t.Fatalf("removed %v", ed.removed)
	}
	mustNotShow(t, a, "Bob", "message 3")
	mustShow(t, a, "Pick a contact on the left to chat.")
}

func TestNoRosterEditingWithoutAnEditor(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	a.OnSubscriptionRequest("dave@example.org")
	mustNotShow(t, a, "asks to see")
	selectContact(t, a, "bob@example.org")
	if got := chatMenu(a); slices.Contains(got, "Remove…") || slices.Contains(got, "Rename…") {
		t.Errorf("without an editor bob's chat menu offers %q", got)
	}
}

func TestRenameContact(t *testing.T) {
	ed := &fakeEditor{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, ed)
	selectContact(t, a, "bob@example.org")
	openChatMenu(t, a)
	tapMenuItem(t, a, "Rename…")
	if got := overlayEntries(a); !slices.Equal(got, []string{"Bob"}) {
		t.Fatalf("the rename form holds %q, want the current name", got)
	}
	for a.win.Canvas().Overlays().Top() != nil {
		a.win.Canvas().Overlays().Remove(a.win.Canvas().Overlays().Top())
	}
	a.rename("bob@example.org", "Robert")
	mustShow(t, a, "Robert <bob@example.org>", "Robert")

	ed.err = errors.New("the server refused it")
	a.rename("bob@example.org", "Bobby")
	test.Tap(findButtonIn(t, a.win, "OK")) // the error, read
	if got := overlayEntries(a); !slices.Equal(got, []string{"Bobby"}) {
		t.Fatalf("the form came back with %q, want what was typed", got)
	}
}
