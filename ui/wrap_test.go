package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A long message wraps to the pane's width and its row is as tall as its
// lines: every word of a 300-character sentence is drawn (no "…"), a
// pasted 5,000-character text gets a row taller than the window (read by
// scrolling), and narrowing the window makes the rows taller.
func TestLongMessagesWrap(t *testing.T) {
	const peer = "bob@example.org"
	sentence := strings.Repeat("a sentence that goes on and on ", 9) + "until its very LASTWORD"
	pasted := strings.Repeat("pasted text, ", 385)
	b := threeContacts()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	b.history[peer] = []Message{
		{ID: 1, Key: "short", Peer: peer, Body: "short one", Time: t0, State: Received},
		// Apart by more than a burst: each row has its header.
		{ID: 2, Key: "long", Peer: peer, Body: sentence, Time: t0.Add(10 * time.Minute), State: Received},
		{ID: 3, Key: "pasted", Peer: peer, Body: pasted, Time: t0.Add(20 * time.Minute), State: Received},
	}
	a, _ := newTestApp(t, b)
	selectContact(t, a, peer)
	if len(sentence) < 300 || len(pasted) < 5000 {
		t.Fatalf("test texts too short: %d, %d", len(sentence), len(pasted))
	}

	one, long, huge := a.rowHeightAt(0)-a.dayH, a.rowHeightAt(1), a.rowHeightAt(2)
	if long < one+2*a.lineH {
		t.Errorf("the 300-character row is %.0f high, a one-line row %.0f: want at least 3 lines", long, one)
	}
	if huge <= a.win.Canvas().Size().Height {
		t.Errorf("the 5,000-character row is %.0f high in a %.0f window: want it taller (read by scrolling)", huge, a.win.Canvas().Size().Height)
	}
	a.msgList.ScrollTo(1)
	mustShow(t, a, "LASTWORD")
	mustNotShow(t, a, "…")

	// The row fits its body: the body label laid out at the row's width
	// needs no more height than the row gives it.
	row := newMessageRow()
	row.set(b.history[peer][1], "Bob")
	row.Resize(fyne.NewSize(a.listW, long))
	if need := row.MinSize().Height; need > long+0.5 {
		t.Errorf("the row needs %.0f, it is given %.0f", need, long)
	}

	wide := a.listW
	a.win.Resize(fyne.NewSize(520, 600))
	if a.listW >= wide {
		t.Fatalf("the list is %.0f wide after narrowing the window, was %.0f", a.listW, wide)
	}
	if narrow := a.rowHeightAt(1); narrow <= long {
		t.Errorf("narrowing the window from %.0f to %.0f left the long row %.0f high (was %.0f)", wide, a.listW, narrow, long)
	}
	if got := a.rowHeightAt(0) - a.dayH; got != one {
		t.Errorf("a one-line row is %.0f high after narrowing, was %.0f", got, one)
	}
}

// At 420×320 the window stays usable: the header's buttons show their
// icons alone, so the name keeps room; widened, the labels are back.
func TestASmallWindowKeepsTheHeaderUsable(t *testing.T) {
	a, _ := newTestApp(t, &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: threeContacts()}})
	const dave = "dave@elsewhere.example" // a stranger: the header has labelled buttons
	a.OnMessage(Message{ID: 9, Key: "s1", Peer: dave, Body: "hi", State: Received})
	selectContact(t, a, dave)
	mustShow(t, a, "Add to contacts")
	a.win.Resize(fyne.NewSize(420, 320))
	mustNotShow(t, a, "Add to contacts")
	a.win.Resize(fyne.NewSize(900, 600))
	mustShow(t, a, "Add to contacts")

	selectContact(t, a, "bob@example.org")
	a.win.Resize(fyne.NewSize(420, 320))
	mustShow(t, a, "message 3")
	more := fyne.CurrentApp().Driver().AbsolutePositionForObject(a.moreButton)
	if !a.moreButton.Visible() || more.X+a.moreButton.Size().Width > 420 {
		t.Errorf("the ⋮ menu is at x %.0f in a 420 px window (shown %v)", more.X, a.moreButton.Visible())
	}
	if a.title.Text != "Bob" {
		t.Errorf("the narrow chat's title is %q, want the name alone", a.title.Text)
	}
	if a.title.Size().Width < a.title.MinSize().Width {
		t.Errorf("the title gets %.0f of the %.0f it needs", a.title.Size().Width, a.title.MinSize().Width)
	}
	// The filter's and the composer's hints fit on one line ("Filter c"
	// and a hint wrapped over three lines before).
	hintFits := func(e *widget.Entry, want string) {
		t.Helper()
		room := entryTextWidth(e.Size().Width)
		if w := fyne.MeasureText(e.PlaceHolder, theme.TextSize(), fyne.TextStyle{}).Width; e.PlaceHolder != want || w > room {
			t.Errorf("the entry %.0f px wide shows the hint %q (%.0f px); want %q on one line", e.Size().Width, e.PlaceHolder, w, want)
		}
	}
	hintFits(&a.filter.Entry, "Filter")
	hintFits(&a.composer.Entry, "Message (Enter sends)")
	a.win.Resize(fyne.NewSize(900, 600))
	mustShow(t, a, "Bob <bob@example.org>")
	hintFits(&a.filter.Entry, "Filter contacts")
	hintFits(&a.composer.Entry, "Message (Enter sends, Shift+Enter new line)")
}

// The status bar fits a 420 px window with everything it may show at
// once: the state, "Reconnect now" and the presence selector with a
// message.
func TestTheStatusBarFitsASmallWindow(t *testing.T) {
	fs := &fakeStatus{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, fs)
	a.OnStateSync(Offline, "connection refused")
	a.OfferAction("Reconnect now", func() {})
	a.setStatus("dnd", "in a meeting until three")
	if w := a.content.MinSize().Width; w > 420 {
		t.Errorf("the pane needs %.0f px; want ≤ 420", w)
	}
	// Shortened on the button only: contacts get the whole message.
	for deadline := time.Now().Add(5 * time.Second); fs.last() != "dnd|in a meeting until three" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := fs.last(); got != "dnd|in a meeting until three" {
		t.Errorf("sent %q; want the whole message", got)
	}
	if got := a.fa.Preferences().String(a.statusKey("text")); got != "in a meeting until three" {
		t.Errorf("kept %q; want the whole message", got)
	}
}

// A contact's messages sent within a few minutes of each other are one
// burst: the later ones leave out who and when (as Gajim and Dino show
// them), their rows are shorter by the header and still fit their
// bodies; ours, a gap of more than five minutes, a new day, a /me and a
// correction each start over with a header.
func TestABurstShowsOneHeader(t *testing.T) {
	const peer = "bob@example.org"
	b := threeContacts()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("a sentence that goes on and on ", 9)
	msg := func(id int, at time.Duration, body string) Message {
		return Message{ID: int64(id), Key: fmt.Sprint("b", id), Peer: peer, Body: body, Time: t0.Add(at), State: Received}
	}
	ms := []Message{
		msg(1, 0, "first"),
		msg(2, time.Minute, "second, a minute later"), // continues
		msg(3, 2*time.Minute, long),                   // continues, wrapped
		msg(4, 10*time.Minute, "after a pause"),       // new header
		msg(5, 11*time.Minute, "/me waves"),           // an action: new header
		msg(6, 12*time.Minute, "fixed"),               // continues the action
		msg(7, 13*time.Minute, "ours"),                // ours: header
		msg(8, 14*time.Minute, "theirs again"),        // after ours: header
		msg(9, 24*time.Hour, "next day"),              // a new day: header
	}
	ms[5].Edited = true // a correction: header ("edited")
	ms[6].Outgoing, ms[6].State = true, Delivered
	b.history[peer] = ms
	a, _ := newTestApp(t, b)
	selectContact(t, a, peer)
	want := []bool{false, true, true, false, false, false, false, false, false}
	for i, w := range want {
		if got := a.continues(i); got != w {
			t.Errorf("message %d (%q) continues the one before: %v, want %v", i+1, ms[i].Body, got, w)
		}
	}
	if h0, h1 := a.rowHeightAt(0)-a.dayH, a.rowHeightAt(1); h1 != h0-a.headH || a.headH <= 0 {
		t.Errorf("a continuing row is %.0f high, a first one %.0f (header %.0f)", h1, h0, a.headH)
	}
	// The wrapped continuing row fits its body without the header.
	row := newMessageRow()
	row.set(ms[2], "Bob")
	row.showHead(false)
	h := a.rowHeightAt(2)
	row.Resize(fyne.NewSize(a.listW, h))
	if need := row.MinSize().Height; need > h+0.5 {
		t.Errorf("the continuing wrapped row needs %.0f, it is given %.0f", need, h)
	}
	// Drawn: the burst's first time, not the two after it.
	a.msgList.ScrollToTop()
	mustShow(t, a, "09:00", "second, a minute later")
	mustNotShow(t, a, "09:01", "09:02")
}

// A row's header is laid out for its own name and time: a reused row
// that showed another sender's drew "You" under the time ("Y09:01").
func TestARowsHeaderFitsItsSender(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	a.win.Resize(fyne.NewSize(640, 480))
	selectContact(t, a, "carol@example.net")
	selectContact(t, a, "bob@example.org")
	rows := 0
	walkShown(a.msgList, func(o fyne.CanvasObject) {
		r, ok := o.(*messageRow)
		if !ok || !r.head.Visible() {
			return
		}
		rows++
		if end := r.who.Position().X + r.who.MinSize().Width; r.when.Position().X < end {
			t.Errorf("%q: its time %q starts at x %.0f, inside the name %q (ends at %.0f)", r.body.Text, r.when.Text, r.when.Position().X, r.who.Text, end)
		}
	})
	if rows < 3 {
		t.Fatalf("%d rows with a header shown", rows)
	}
}

// A room in a narrow window gives its messages the width: the people
// list hides, the header's people button shows it (wider than in a wide
// window); widened, the list is back, unless the user hid it there.
func TestANarrowRoomHidesItsPeople(t *testing.T) {
	a, _ := newTestApp(t, newRooms())
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "me")
	a.OnOccupant(lounge, "ann", false)
	var people *widget.Button
	for _, o := range a.tools.Objects {
		if b, ok := o.(*widget.Button); ok && b.Icon == theme.AccountIcon() {
			people = b
		}
	}
	if people == nil {
		t.Fatal("no people button in the room's header")
	}
	if !a.peoplePane.Visible() {
		t.Fatal("a wide room hides its people")
	}
	a.win.Resize(fyne.NewSize(420, 320))
	if a.peoplePane.Visible() {
		t.Error("a narrow room shows its people beside the messages")
	}
	test.Tap(people)
	if !a.peoplePane.Visible() || a.peoplePane.Size().Width < 100 {
		t.Errorf("the people button in a narrow room shows the list %v, %.0f px wide", a.peoplePane.Visible(), a.peoplePane.Size().Width)
	}
	a.win.Resize(fyne.NewSize(900, 600))
	if !a.peoplePane.Visible() {
		t.Error("widened, the room does not show its people again")
	}
	test.Tap(people) // hidden on purpose in the wide window
	a.win.Resize(fyne.NewSize(420, 320))
	a.win.Resize(fyne.NewSize(900, 600))
	if a.peoplePane.Visible() {
		t.Error("the people list hidden by the user came back")
	}
}
