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

func TestWindowSizeAndChatAreRemembered(t *testing.T) {
	fa := test.NewTempApp(t)
	open := func() *App {
		a := newApp(fa, "me@example.org", threeContacts())
		a.async = func(f func()) { f() }
		a.later = func(func()) {}
		a.Remember("test.me")
		a.reloadContacts()
		t.Cleanup(a.win.Close)
		return a
	}
	a := open()
	if a.chat != nil {
		t.Fatal("a chat is open the first time")
	}
	a.win.Resize(fyne.NewSize(700, 480))
	selectContact(t, a, "bob@example.org")
	a.saveWindow() // the window closes

	b := open()
	if s := b.win.Canvas().Size(); s.Width != 700 || s.Height != 480 {
		t.Errorf("size %v, want 700×480", s)
	}
	if b.chat == nil || b.chat.peer != "bob@example.org" {
		t.Fatalf("chat %+v, want bob's reopened", b.chat)
	}
	mustShow(t, b, "message 3")

	// A contact that went away is not reopened.
	fa.Preferences().SetString("test.me.chat", "gone@example.org")
	c := open()
	if c.chat != nil {
		t.Errorf("opened %q", c.chat.peer)
	}
}

func TestMenuAddsAnAccount(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	if a.win.MainMenu() != nil {
		t.Fatal("a menu before OnAddAccount")
	}
	called := 0
	a.OnAddAccount(func() { called++ })
	m := a.win.MainMenu()
	if m == nil || len(m.Items) != 1 || m.Items[0].Items[0].Label != "Add an account…" {
		t.Fatalf("menu %+v", m)
	}
	m.Items[0].Items[0].Action()
	if called != 1 {
		t.Errorf("called %d times", called)
	}
}
