package ui

import (
	"slices"
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

	a.shell.foreground = false
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
	open := func() *Pane {
		a := newApp(fa, "me@example.org", threeContacts())
		a.async = func(f func()) { f() }
		a.later = func(func()) {}
		a.shell.Remember("test.window")
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
	a.shell.saveWindow() // the window closes

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

// mainMenu lists the labels of the window's menu.
func mainMenu(win fyne.Window) []string {
	var out []string
	if m := win.MainMenu(); m != nil {
		for _, it := range m.Items[0].Items {
			out = append(out, it.Label)
		}
	}
	return out
}

func TestMenuAddsAnAccount(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	if got := mainMenu(a.win); !slices.Equal(got, []string{"Message someone…", "Preferences…"}) {
		t.Fatalf("before OnAddAccount the menu is %q", got)
	}
	called := 0
	a.shell.OnAddAccount(func() { called++ })
	m := a.win.MainMenu()
	if m == nil || len(m.Items) != 1 || m.Items[0].Items[0].Label != "Add an account…" {
		t.Fatalf("menu %+v", m)
	}
	m.Items[0].Items[0].Action()
	if called != 1 {
		t.Errorf("called %d times", called)
	}
}

// TestAccountsShareOneWindow: a second account gets a tab next to the
// first in the same window; unread counts add up in the title and show
// per tab; notifications follow the tab in view; the menu's room joining
// is for the account in view.
func TestAccountsShareOneWindow(t *testing.T) {
	fa := test.NewTempApp(t)
	s := NewShell(fa)
	t.Cleanup(s.win.Close)
	pane := func(account string, b Backend) *Pane {
		a := s.add(account, b)
		a.async = func(f func()) { f() }
		a.later = func(func()) {}
		a.reloadContacts()
		return a
	}
	work := pane("me@example.org", threeContacts())
	if s.tabs != nil || s.win.Content() != work.content {
		t.Fatal("one account: its pane should fill the window, without tabs")
	}
	if got := s.win.Title(); got != "Clove — me@example.org" {
		t.Fatalf("title %q", got)
	}
	i2p := pane("me@abc.b32.i2p", &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: threeContacts()}})
	if s.tabs == nil || len(s.tabs.Items) != 2 || s.win.Content() != s.tabs {
		t.Fatal("two accounts: want two tabs in the window")
	}
	if got := s.win.Title(); got != "Clove" {
		t.Fatalf("title %q with two accounts", got)
	}
	if s.Current() != work {
		t.Fatal("the first account should be in view")
	}

	i2p.OnMessage(Message{Key: "1", Peer: "bob@example.org", Body: "over i2p"})
	i2p.OnMessage(Message{Key: "2", Peer: "carol@example.net", Body: "also"})
	work.OnMessage(Message{Key: "3", Peer: "bob@example.org", Body: "at work"})
	if got := s.win.Title(); got != "(3) Clove" {
		t.Errorf("title %q, want 3 unread in all", got)
	}
	if a, b := work.tab.Text, i2p.tab.Text; a != "(1) me@example.org" || b != "(2) me@abc.b32.i2p" {
		t.Errorf("tabs %q, %q", a, b)
	}

	// In the foreground, a message for the account out of view notifies;
	// one for the account in view does not.
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Message from alice@example.org", Content: "psst"}, func() {
		i2p.OnMessage(Message{Key: "4", Peer: "alice@example.org", Body: "psst"})
	})
	test.AssertNotificationSent(t, nil, func() {
		work.OnMessage(Message{Key: "5", Peer: "alice@example.org", Body: "seen"})
	})

	s.Show(i2p)
	if s.Current() != i2p {
		t.Fatal("Show did not bring the second account into view")
	}
	s.OnAddAccount(func() {})
	i2pMenu := []string{"Add an account…", "Message someone as me@abc.b32.i2p…", "Join a room as me@abc.b32.i2p…", "Preferences…"}
	if got := mainMenu(s.win); !slices.Equal(got, i2pMenu) {
		t.Fatalf("menu %q", got)
	}
	s.Show(work) // the work account has no rooms: no room item
	if got := mainMenu(s.win); !slices.Equal(got, []string{"Add an account…", "Message someone as me@example.org…", "Preferences…"}) {
		t.Fatalf("menu %q with the work account in view", got)
	}
	s.Show(i2p)
	if got := mainMenu(s.win); !slices.Equal(got, i2pMenu) {
		t.Fatalf("menu %q", got)
	}
}
