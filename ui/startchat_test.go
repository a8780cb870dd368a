package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Ctrl+N asks for an address and opens a chat with it without adding a
// contact; a message typed there goes to that address. A bad address is
// said so and the dialog comes back with it; a contact's address opens
// the contact's chat.
func TestMessagingSomeoneNotInTheContacts(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	a.shortcut(keyNewChat)
	q := overlayEntry(t, a)
	test.Type(q, "dave @elsewhere.example")
	q.OnSubmitted(q.Text)
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(strings.ToLower(got), "an address has no spaces") {
		t.Fatalf("a bad address: %q", got)
	}
	test.Tap(findButtonIn(t, a.win, "OK"))
	q = overlayEntry(t, a)
	if q.Text != "dave @elsewhere.example" {
		t.Fatalf("the dialog came back with %q", q.Text)
	}
	q.SetText(" xmpp:Dave@Elsewhere.Example ")
	q.OnSubmitted(q.Text)
	if a.chat == nil || a.chat.peer != "dave@elsewhere.example" {
		t.Fatalf("the chat opened: %+v", a.chat)
	}
	if a.win.Canvas().Focused() != fyne.Focusable(a.composer) {
		t.Error("the composer has no focus")
	}
	test.Type(a.composer, "hello dave")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(b.sent, []string{"hello dave"}) || a.chat.msgs[len(a.chat.msgs)-1].Peer != "dave@elsewhere.example" {
		t.Errorf("sent %q", b.sent)
	}

	a.shortcut(keyNewChat)
	q = overlayEntry(t, a)
	q.SetText("bob@example.org")
	q.OnSubmitted(q.Text)
	if a.chat.peer != "bob@example.org" {
		t.Fatalf("a contact's address opened %q", a.chat.peer)
	}
}
