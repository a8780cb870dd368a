package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestNotificationsOnlyInTheBackgroundOncePerBurst(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	in := func(body string) func() {
		return func() { a.OnMessage(Message{Key: body, Peer: "bob@example.org", Body: body}) }
	}
	test.AssertNotificationSent(t, nil, in("while you look")) // in the foreground: none

	a.foreground = false
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Message from Bob", Content: "are you there?"}, in("are you\nthere?"))
	test.AssertNotificationSent(t, nil, in("hello?")) // same chat, a moment later
	test.AssertNotificationSent(t, nil, func() {
		a.OnMessage(Message{Key: "o1", Peer: "bob@example.org", Body: "mine", Outgoing: true})
	})
	long := strings.Repeat("x", 300)
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Message from carol@example.net", Content: strings.Repeat("x", 139) + "…"}, func() {
		a.OnMessage(Message{Key: "c1", Peer: "carol@example.net", Body: long})
	})
}

func TestUnreadCountInTheTitle(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	if got := a.win.Title(); got != "Clove — me@example.org" {
		t.Fatalf("title %q", got)
	}
	a.OnMessage(Message{Key: "1", Peer: "bob@example.org", Body: "one"})
	a.OnMessage(Message{Key: "2", Peer: "carol@example.net", Body: "two"})
	a.OnMessage(Message{Key: "3", Peer: "dave@example.org", Body: "a stranger"})
	if got := a.win.Title(); got != "(3) Clove — me@example.org" {
		t.Fatalf("title %q, want 3 unread", got)
	}
	selectContact(t, a, "bob@example.org")
	if got := a.win.Title(); got != "(2) Clove — me@example.org" {
		t.Fatalf("title %q after reading bob's", got)
	}
}
