package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// dotOf is the presence colour the roster draws on the row labelled label.
func dotOf(t *testing.T, a *Pane, label string) Presence {
	t.Helper()
	var row *rosterRow
	walkShown(a.win.Canvas().Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*rosterRow); ok && r.name.Text == label {
			row = r
		}
	})
	if row == nil {
		t.Fatalf("no roster row %q", label)
	}
	for _, p := range []Presence{Unavailable, Available, Away, Busy} {
		if row.dot.FillColor == presenceColor(p) {
			return p
		}
	}
	t.Fatalf("%s's dot has an unknown colour", label)
	return 0
}

// Going offline greys every contact (their presence is not known while
// the account is offline); a resumed session shows the last known
// presences again, a new one only those the server tells anew.
func TestOfflineGreysEveryContact(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	step := func(what string, want Presence, do ...func()) {
		t.Helper()
		for _, f := range do {
			f()
		}
		if got := dotOf(t, a, "Bob"); got != want {
			t.Errorf("%s: Bob's dot is %v, want %v", what, got, want)
		}
	}
	step("before login", Unavailable)
	step("online, Bob available", Available, func() { a.OnSessionStarted() }, func() { a.OnState(Online, "") },
		func() { a.OnPresence("bob@example.org", Available) })
	step("connection lost", Unavailable, func() { a.OnState(Offline, "connection reset; retrying in 2s") })
	step("reconnecting", Unavailable, func() { a.OnState(Connecting, "") })
	step("resumed", Available, func() { a.OnState(Online, "") })
	step("lost again", Unavailable, func() { a.OnState(Offline, "") })
	step("a new session: nobody until the server says", Unavailable, func() { a.OnSessionStarted() }, func() { a.OnState(Online, "") })
	step("the server says Bob is away", Away, func() { a.OnPresence("bob@example.org", Away) })
	step("failed for good", Unavailable, func() { a.OnState(Error, "the server refused the password") })
}

// The status bar offers what can be done about the state: the button does
// it once and goes; connecting or online hides it.
func TestStatusBarOffersAnAction(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	taps := 0
	a.OnState(Offline, "connection refused; retrying in 8s")
	a.OfferAction("Reconnect now", func() { taps++ })
	mustShow(t, a, "Reconnect now")
	test.Tap(a.statusAction)
	if taps != 1 {
		t.Fatalf("%d taps done", taps)
	}
	mustNotShow(t, a, "Reconnect now")

	a.OfferAction("Reconnect now", func() { taps++ })
	a.OnState(Connecting, "")
	mustNotShow(t, a, "Reconnect now")

	a.OnState(Error, "wrong address or password")
	a.OfferAction("Log in…", func() { taps++ })
	mustShow(t, a, "Log in…")
	a.OnState(Online, "")
	mustNotShow(t, a, "Log in…")
}
