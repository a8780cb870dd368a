package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// markerBackend is fakeBackend that also sends read markers (XEP-0333):
// it records the messages the window told it were seen, as "PEER KEY",
// and what the preference turned it to.
type markerBackend struct {
	*fakeBackend
	displayed []string
	setTo     []bool
}

func (b *markerBackend) Displayed(_ context.Context, peer string, m Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.displayed = append(b.displayed, peer+" "+m.Key)
}

func (b *markerBackend) SetReadMarkers(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setTo = append(b.setTo, on)
}

func (b *markerBackend) told() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.displayed)
}

// foreground is the test app's lifecycle, whose hooks the window set: a
// test calls them as the driver does when the window gains or loses the
// focus (as TestWindowTellsActivityAfterAWhileInTheBackground does).
func foreground(a *Pane) (enter, exit func()) {
	lc := a.fa.Lifecycle().(interface {
		OnEnteredForeground() func()
		OnExitedForeground() func()
	})
	return lc.OnEnteredForeground(), lc.OnExitedForeground()
}

// A contact's displayed marker for one of our messages makes it and every
// one of ours before it "read" with two checks in the accent colour (a
// failed or queued one too: a later one read proves they arrived); theirs
// stay received, a later one of ours stays delivered, and no receipt
// moves a read one back.
func TestOnReadMarksOursUpToTheMessageRead(t *testing.T) {
	const bob = "bob@example.org"
	b := &markerBackend{fakeBackend: threeContacts()}
	ms := conversation(bob, 8) // theirs odd, ours even (delivered)
	ms[1].State, ms[1].Reason = Failed, "offline"
	ms[3].State = Queued
	b.history[bob] = ms
	a, _ := newTestApp(t, b)
	a.win.Resize(fyne.NewSize(900, 1000)) // every row in view
	selectContact(t, a, bob)
	mustShow(t, a, "Not delivered: offline")

	done := make(chan struct{})
	go func() { a.OnRead(bob, "h6"); close(done) }() // from the client's goroutine
	<-done
	a.OnRead("carol@example.net", "h8") // another chat's (not open): nothing here
	a.OnRead(bob, "h7")                 // theirs: no message of ours is named
	a.OnMessageState("h6", Delivered)   // a receipt after the marker
	a.OnMessageFailed("h2", "late error")

	for i, want := range []MsgState{Received, Read, Received, Read, Received, Read, Received, Delivered} {
		if got := a.chat.msgs[i].State; got != want {
			t.Errorf("message %d is %q, want %q", i+1, got, want)
		}
		row := shownRow(t, a, fmt.Sprintf("message %d", i+1))
		if text := map[MsgState]string{Received: "", Read: "read", Delivered: "delivered"}[want]; row.state.Visible() && row.state.Text != text || text != "" && !row.state.Visible() {
			t.Errorf("message %d says %q (shown %v), want %q", i+1, row.state.Text, row.state.Visible(), text)
		}
		if read := row.icon.Resource != nil && strings.Contains(row.icon.Resource.Name(), readIcon.Name()); read != (want == Read) {
			t.Errorf("message %d (%s) has the read mark: %v", i+1, want, read)
		}
	}
	mustNotShow(t, a, "Not delivered", "queued")
	// The failed one's row lost its reason's line: the list knows its
	// new height.
	if want := a.rowHeightAt(1); a.setH[1] != want {
		t.Errorf("message 2's row is %.0f high for the list, it needs %.0f", a.setH[1], want)
	}
	if got := stateText(Read); got != "read" {
		t.Errorf("stateText(Read) = %q", got)
	}
}

// The backend is told the user has seen the contact's newest message once
// it is in view with the window in front: on opening the chat, when a
// message comes while the chat shows its foot, when the window comes back
// in front; once per message, never for a room, a notice or a deleted
// message, and never for one older than a message told before.
func TestSeenMessagesAreToldOnce(t *testing.T) {
	const (
		bob   = "bob@example.org"
		carol = "carol@example.net"
	)
	b := &markerBackend{fakeBackend: threeContacts()}
	b.contacts = append(b.contacts, Contact{JID: lounge, Room: true, Name: "Lounge"})
	carolChat := conversation(carol, 2) // hers deleted, then ours
	carolChat[0].Body, carolChat[0].Retracted = "", true
	b.history[carol] = carolChat
	b.history[lounge] = []Message{{ID: 1, Key: "r1", Ref: "r1", Peer: lounge, Nick: "ann", Body: "hello room", State: Received}}
	a, _ := newTestApp(t, b)
	enter, exit := foreground(a)

	var want []string
	for _, step := range []struct {
		what string
		do   func()
		told string // "": nothing more told
	}{
		{"opening Bob's chat", func() { selectContact(t, a, bob) }, bob + " h3"},
		{"opening it again", func() { selectContact(t, a, "alice@example.org"); selectContact(t, a, bob) }, ""},
		{"his message at the foot", func() { a.OnMessage(Message{ID: 4, Key: "m4", Peer: bob, Body: "four", State: Received}) }, bob + " m4"},
		{"our message after it", func() { test.Type(a.composer, "five"); a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }, ""},
		{"a notice", func() { a.OnNewDevices(bob, []uint32{7}) }, ""},
		{"his message in the background", func() { exit(); a.OnMessage(Message{ID: 6, Key: "m6", Peer: bob, Body: "six", State: Received}) }, ""},
		{"the window in front again", enter, bob + " m6"},
		{"in front again, nothing new", func() { exit(); enter() }, ""},
		{"his message deleted before it was seen", func() {
			exit()
			a.OnMessage(Message{ID: 7, Key: "m7", Peer: bob, Body: "seven", State: Received})
			a.OnRetraction(bob, "m7", 0)
			enter() // m6, told already, is not told again in m7's place
		}, ""},
		{"a chat whose newest of hers is deleted", func() { selectContact(t, a, carol) }, ""},
		{"a room", func() { selectContact(t, a, lounge) }, ""},
		{"a room's message at the foot", func() {
			a.OnMessage(Message{ID: 2, Key: "r2", Peer: lounge, Nick: "ann", Body: "again", State: Received})
		}, ""},
	} {
		step.do()
		if step.told != "" {
			want = append(want, step.told)
		}
		if got := b.told(); !slices.Equal(got, want) {
			t.Fatalf("after %s: told %q, want %q", step.what, got, want)
		}
	}
}

// A chat opened at its "New messages" line, its newest message out of
// view, tells nothing until the user scrolls down to it; a message that
// comes while the user reads further up is told once they go down to it
// (the "new messages" button).
func TestSeenOnlyOnceScrolledDown(t *testing.T) {
	const bob = "bob@example.org"
	b := &markerBackend{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	a.win.Resize(fyne.NewSize(900, 400))
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for i := range 30 { // while the chat is closed: unread
		m := Message{ID: int64(10 + i), Key: fmt.Sprintf("u%d", i), Peer: bob, Body: fmt.Sprintf("unread %d", i), Time: t0.Add(time.Duration(i) * time.Minute), State: Received}
		b.history[bob] = append(b.history[bob], m)
		a.OnMessage(m)
	}
	selectContact(t, a, bob)
	if a.atBottom() {
		t.Fatal("the chat opened at its foot, not at the New messages line")
	}
	if got := b.told(); len(got) != 0 {
		t.Fatalf("told %q with the newest message out of view", got)
	}
	for range 20 {
		if a.atBottom() {
			break
		}
		a.scrollPage(false) // Page Down in the composer
	}
	if got, want := b.told(), []string{bob + " u29"}; !slices.Equal(got, want) {
		t.Fatalf("scrolled down: told %q, want %q", got, want)
	}

	a.msgList.ScrollToTop()
	a.OnMessage(Message{ID: 100, Key: "late", Peer: bob, Body: "late", Time: t0.Add(time.Hour), State: Received})
	if !a.newBelow.Visible() {
		t.Fatal("no new-messages button for a message below the view")
	}
	if got := b.told(); len(got) != 1 {
		t.Fatalf("told %q while the user reads further up", got)
	}
	test.Tap(a.newBelow)
	if got, want := b.told(), []string{bob + " u29", bob + " late"}; !slices.Equal(got, want) {
		t.Fatalf("after the new-messages button: told %q, want %q", got, want)
	}
}

// "Send read markers" in the Preferences (on by default) is kept and
// turns every account's markers on or off.
func TestReadMarkersPreference(t *testing.T) {
	b := &markerBackend{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	if !ReadMarkers(a.fa) {
		t.Error("read markers are off by default")
	}
	a.shell.ShowPreferences()
	check := findCheck(t, a.win, "Send read markers")
	if !check.Checked {
		t.Error("the check is not ticked by default")
	}
	check.SetChecked(false)
	if ReadMarkers(a.fa) || len(b.setTo) == 0 || b.setTo[len(b.setTo)-1] {
		t.Errorf("turned off: kept %v, the backend set to %v", ReadMarkers(a.fa), b.setTo)
	}
	check.SetChecked(true)
	if !ReadMarkers(a.fa) || b.setTo[len(b.setTo)-1] != true {
		t.Errorf("turned on: kept %v, the backend set to %v", ReadMarkers(a.fa), b.setTo)
	}
	check.SetChecked(false)
	a.win.Canvas().Overlays().Top().Hide()
	a.shell.ShowPreferences()
	if findCheck(t, a.win, "Send read markers").Checked {
		t.Error("the Preferences opened again show read markers on")
	}
	// Under Messages, right after typing notifications.
	texts := overlayTexts(a)
	typing := slices.Index(texts, "Contacts who share presence with you see that you type.")
	read := slices.Index(texts, "Contacts who share presence with you see which of their messages you have read.")
	if typing < 0 || read < 0 || read < typing || slices.Contains(texts[typing:read], "Chat list") {
		t.Errorf("the read markers' hint is not after the typing one: %q", texts)
	}
}

// A chat read on another device of the account (XEP-0490) stops counting
// unread here: its badge goes, and the window's title counts the others.
func TestReadElsewhereClearsUnread(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	a.OnMessage(Message{Key: "1", Peer: "bob@example.org", Body: "one"})
	a.OnMessage(Message{Key: "2", Peer: "bob@example.org", Body: "two"})
	a.OnMessage(Message{Key: "3", Peer: "carol@example.net", Body: "three"})
	if got := a.win.Title(); got != "(3) Clove — me@example.org" {
		t.Fatalf("title %q, want 3 unread", got)
	}
	a.OnReadElsewhere("bob@example.org")
	if got := a.win.Title(); got != "(1) Clove — me@example.org" {
		t.Errorf("title %q after bob's chat was read elsewhere, want carol's 1", got)
	}
	if it := a.byJID["bob@example.org"]; it.unread != 0 {
		t.Errorf("bob's chat still counts %d unread", it.unread)
	}
	a.OnReadElsewhere("nobody@example.org") // not listed: nothing
}
