package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// shownRow is the row of the open chat that shows body (it must be in
// view).
func shownRow(t *testing.T, a *Pane, body string) *messageRow {
	t.Helper()
	var row *messageRow
	walkShown(a.msgList, func(o fyne.CanvasObject) {
		if r, ok := o.(*messageRow); ok && r.body.Text == body {
			row = r
		}
	})
	if row == nil {
		t.Fatalf("no row shows %q", body)
	}
	return row
}

// A message's text is selected by dragging over it, and Ctrl+C copies what
// is selected (words of the body, not the whole row).
func TestDraggingOverABodySelectsItAndCtrlCCopies(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	row := shownRow(t, a, "message 2")
	c := a.win.Canvas()
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(row.body)
	mid := row.body.Size().Height / 2
	word := fyne.MeasureText("message", a.msgList.Theme().Size("text"), fyne.TextStyle{}).Width
	pad := a.msgList.Theme().Size("innerPadding")
	// From before the first letter to just past "message" (test.Drag
	// takes where the drag ends and how far it went).
	end := at.Add(fyne.NewPos(pad+word+1, mid))
	test.Drag(c, end, word+2, 0)
	if got := row.body.SelectedText(); got != "message" {
		t.Fatalf("selected %q, want %q", got, "message")
	}
	sc, ok := c.Focused().(fyne.Shortcutable)
	if !ok {
		t.Fatalf("the focused object after the drag is %T, not one that takes Ctrl+C", c.Focused())
	}
	sc.TypedShortcut(&fyne.ShortcutCopy{Clipboard: fyne.CurrentApp().Clipboard()})
	if got := fyne.CurrentApp().Clipboard().Content(); got != "message" {
		t.Errorf("the clipboard holds %q after Ctrl+C, want %q", got, "message")
	}
}

// rightClick opens the context menu of the row showing body, as a
// right-click on its middle does.
func rightClick(t *testing.T, a *Pane, body string) {
	t.Helper()
	row := shownRow(t, a, body)
	d := fyne.CurrentApp().Driver()
	bodyY := d.AbsolutePositionForObject(row.body).Y - d.AbsolutePositionForObject(row).Y
	mid := fyne.NewPos(row.Size().Width/2, bodyY+row.body.Size().Height/2)
	// What a real right-click there reaches: the row's clicks layer, not
	// the selectable body under it (whose own menu has Copy alone).
	at := d.AbsolutePositionForObject(row).Add(mid)
	// (its body, or the clicks layer around it), not a widget of Fyne's
	// with a menu of its own.
	o := clickTarget(a, at)
	_, clicks := o.(*rowClicks)
	st, ok := o.(fyne.SecondaryTappable)
	if !ok || o != fyne.CanvasObject(row.body) && !clicks {
		t.Fatalf("a right-click on the message's text reaches %T, not the message's menu", o)
	}
	test.TapSecondaryAt(st, at.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(o)))
}

// menuItems are the labels of the open pop-up menu, top to bottom.
func menuItems(a *Pane) []string {
	var out []string
	top := a.win.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	walkShown(top, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			out = append(out, x.Text)
		}
	})
	return out
}

// tapMenuItem taps the open pop-up menu's entry labelled label.
func tapMenuItem(t *testing.T, a *Pane, label string) {
	t.Helper()
	top := a.win.Canvas().Overlays().Top()
	var at *fyne.Position
	walkShown(top, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text == label && at == nil {
			p := fyne.CurrentApp().Driver().AbsolutePositionForObject(x).Add(fyne.NewPos(1, 1))
			at = &p
		}
	})
	if at == nil {
		t.Fatalf("the menu has no %q; it has %q", label, menuItems(a))
	}
	test.TapCanvas(a.win.Canvas(), *at)
}

// A right-click on a message offers Copy (its text) and Copy address (who
// sent it); a failed message of ours also Retry, which sends it again as a
// new message; with words selected, Copy selection comes first.
func TestAMessagesContextMenu(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	clip := fyne.CurrentApp().Clipboard()

	for _, tc := range []struct {
		body, item, want string
	}{
		{"message 3", "Copy", "message 3"},
		{"message 3", "Copy address", "bob@example.org"},
		{"message 2", "Copy address", "me@example.org"}, // ours
	} {
		rightClick(t, a, tc.body)
		if got := menuItems(a); slices.Contains(got, "Retry") {
			t.Errorf("%q's menu offers Retry: %q", tc.body, got)
		}
		tapMenuItem(t, a, tc.item)
		if got := clip.Content(); got != tc.want {
			t.Errorf("%s on %q: clipboard %q, want %q", tc.item, tc.body, got, tc.want)
		}
		if a.win.Canvas().Overlays().Top() != nil {
			t.Errorf("the menu is still open after %s", tc.item)
		}
	}

	test.Type(a.composer, "to nowhere")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.OnMessageState("key1", Failed)
	rightClick(t, a, "to nowhere")
	if got, want := menuItems(a), []string{"Copy", "Retry", "Copy address"}; !slices.Equal(got, want) {
		t.Errorf("the failed message's menu is %q, want %q", got, want)
	}
	tapMenuItem(t, a, "Retry")
	if !slices.Equal(b.sent, []string{"to nowhere", "to nowhere"}) {
		t.Fatalf("sent %q; want the failed text sent again", b.sent)
	}

	row := shownRow(t, a, "message 1")
	word := fyne.MeasureText("message", a.msgList.Theme().Size("text"), fyne.TextStyle{}).Width
	pad := a.msgList.Theme().Size("innerPadding")
	end := fyne.CurrentApp().Driver().AbsolutePositionForObject(row.body).Add(fyne.NewPos(pad+word+1, row.body.Size().Height/2))
	test.Drag(a.win.Canvas(), end, word+2, 0)
	rightClick(t, a, "message 1")
	if got := menuItems(a); len(got) == 0 || got[0] != "Copy selection" {
		t.Fatalf("with a word selected the menu is %q, want Copy selection first", got)
	}
	tapMenuItem(t, a, "Copy selection")
	if got := clip.Content(); got != "message" {
		t.Errorf("Copy selection put %q on the clipboard, want %q", got, "message")
	}
}

// clickTarget is what a click at pos reaches in the real window: Fyne's
// GLFW driver takes the last object in tree order under pos that takes any
// kind of click (a tap, a right-click, a double tap, focus or mouse
// buttons), and gives it the click or nothing. (The test driver looks for
// each kind alone, which hides an object that takes right-clicks only but
// lies over a link.)
func clickTarget(a *Pane, pos fyne.Position) fyne.CanvasObject {
	var found fyne.CanvasObject
	d := fyne.CurrentApp().Driver()
	walkShown(a.win.Canvas().Content(), func(o fyne.CanvasObject) {
		switch o.(type) {
		case fyne.Tappable, fyne.SecondaryTappable, fyne.DoubleTappable, fyne.Focusable, desktop.Mouseable:
		default:
			return
		}
		p, sz := d.AbsolutePositionForObject(o), o.Size()
		if pos.X >= p.X && pos.Y >= p.Y && pos.X < p.X+sz.Width && pos.Y < p.Y+sz.Height {
			found = o
		}
	})
	return found
}

// A day's first row shows the day above its header, laid out with its
// height: it was squeezed to nothing when the row was reused at the same
// height, and the body took its room (a drag there selected nothing).
func TestTheDaySeparatorGetsItsHeight(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	row := shownRow(t, a, "message 1")
	if want := row.dayBox.MinSize().Height; !row.dayBox.Visible() || row.dayBox.Size().Height < want {
		t.Errorf("the day separator is %.0f high (shown %v), want %.0f", row.dayBox.Size().Height, row.dayBox.Visible(), want)
	}
	if got, want := row.body.Size().Height, a.bodyH; got > want+1 {
		t.Errorf("the one-line body is %.0f high, want %.0f", got, want)
	}
}

// A failed message says why under it, in the server's words: when the
// error comes while it is shown, when it came before the window showed
// it, and from the history; its row grows by that line, and its menu
// copies the reason.
func TestAFailedMessageShowsTheServersReason(t *testing.T) {
	const peer, why = "bob@example.org", "Server-to-server connection failed: NXDomain"
	b := threeContacts()
	b.history[peer] = append(b.history[peer], Message{ID: 50, Key: "old", Peer: peer, Outgoing: true, Body: "failed yesterday", Time: time.Now(), State: Failed, Reason: "Remote server timeout"})
	a, _ := newTestApp(t, b)
	selectContact(t, a, peer)
	mustShow(t, a, "Not delivered: Remote server timeout — click to retry")

	test.Type(a.composer, "to nowhere")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	last := len(a.chat.msgs) - 1
	before := a.rowHeightAt(last)
	a.OnMessageFailed("key1", why)
	mustShow(t, a, "Not delivered: "+why)
	if after := a.rowHeightAt(last); after < before+a.whyH-0.5 || a.whyH <= 0 {
		t.Errorf("the failed row is %.0f high, was %.0f; the reason's line is %.0f", after, before, a.whyH)
	}
	row := shownRow(t, a, "to nowhere")
	if need := row.MinSize().Height; need > a.rowHeightAt(last)+0.5 {
		t.Errorf("the failed row needs %.0f, it is given %.0f", need, a.rowHeightAt(last))
	}
	// A long reason wraps: the row grows by its lines, and fits them.
	long := strings.Repeat("the server explains at length ", 12)
	a.OnMessageFailed("key1", long)
	if h := a.rowHeightAt(last); h < before+2*a.whyH {
		t.Errorf("with a %d-character reason the row is %.0f high, %.0f with none", len(long), h, before)
	}
	row = shownRow(t, a, "to nowhere")
	if need := row.MinSize().Height; need > a.rowHeightAt(last)+0.5 {
		t.Errorf("the row with a long reason needs %.0f, it is given %.0f", need, a.rowHeightAt(last))
	}
	a.OnMessageFailed("key1", why)
	rightClick(t, a, "to nowhere")
	tapMenuItem(t, a, "Copy the reason")
	if got := fyne.CurrentApp().Clipboard().Content(); got != why {
		t.Errorf("Copy the reason: %q", got)
	}

	// The error before the message reached the window (Send's return).
	b.onSend = func(m Message) { a.OnMessageFailed(m.Key, "their server could not be found") }
	test.Type(a.composer, "fast failure")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShow(t, a, "Not delivered: their server could not be found")
	// Sent and delivered messages say nothing of the kind.
	if n := strings.Count(strings.Join(rendered(a), "\n"), "Not delivered"); n != 3 {
		t.Errorf("%d rows say Not delivered, want 3: %q", n, rendered(a))
	}
}

// Someone reading further up keeps their place when a message comes: the
// chat is not pulled down, a button says how many came and takes them
// there; at the foot a new message scrolls into view, as does one of
// ours.
func TestANewMessageKeepsTheReadersPlace(t *testing.T) {
	const bob = "bob@example.org"
	b := threeContacts()
	b.history[bob] = conversation(bob, 60)
	a, _ := newTestApp(t, b)
	selectContact(t, a, bob)
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	a.OnMessage(Message{Key: "n1", Peer: bob, Body: "at the foot", Time: at, State: Received})
	if !a.atBottom() || a.newBelow.Visible() {
		t.Fatalf("a message at the foot left the chat at %.0f (button shown %v)", a.msgList.GetScrollOffset(), a.newBelow.Visible())
	}

	a.msgList.ScrollToTop()
	a.OnMessage(Message{Key: "n2", Peer: bob, Body: "while you read", Time: at, State: Received})
	a.OnMessage(Message{Key: "n3", Peer: bob, Body: "and another", Time: at, State: Received})
	if off := a.msgList.GetScrollOffset(); off != 0 {
		t.Errorf("the chat moved to %.0f while its top was read", off)
	}
	if !a.newBelow.Visible() || a.newBelow.Text != "2 new messages" {
		t.Fatalf("the button: shown %v, %q; want \"2 new messages\"", a.newBelow.Visible(), a.newBelow.Text)
	}
	if sz := a.newBelow.Size(); sz.Height < a.newBelow.MinSize().Height || sz.Width < a.newBelow.MinSize().Width {
		t.Errorf("the button is laid out %v, smaller than it needs (%v)", sz, a.newBelow.MinSize())
	}
	test.Tap(a.newBelow)
	if !a.atBottom() || a.newBelow.Visible() {
		t.Errorf("the button left the chat at %.0f (still shown %v)", a.msgList.GetScrollOffset(), a.newBelow.Visible())
	}

	// Scrolled down by hand to the last message: the button goes.
	a.msgList.ScrollToTop()
	a.OnMessage(Message{Key: "n4", Peer: bob, Body: "one more", Time: at, State: Received})
	if !a.newBelow.Visible() {
		t.Fatal("no button for a message that came below")
	}
	a.msgList.ScrollToBottom()
	if a.newBelow.Visible() {
		t.Error("the button stays after the user scrolled down to the message")
	}

	// Ours always scrolls into view.
	a.msgList.ScrollToTop()
	test.Type(a.composer, "mine")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !a.atBottom() {
		t.Errorf("our message left the chat at %.0f", a.msgList.GetScrollOffset())
	}
}

// The composer grows with its text, as Gajim's and Dino's do: two lines
// empty, up to six (a longer text scrolls within it), back to two once
// the message is sent; the chat above gives it the room.
func TestTheComposerGrowsWithItsText(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	empty, list := a.composer.Size().Height, a.msgList.Size().Height
	a.composer.SetText("one\nmore\nmore")
	three := a.composer.Size().Height
	if a.composer.rows != 3 || three <= empty || a.msgList.Size().Height >= list {
		t.Errorf("three lines: %d rows, %.0f px high (empty %.0f), the chat %.0f (was %.0f)", a.composer.rows, three, empty, a.msgList.Size().Height, list)
	}
	a.composer.SetText(strings.Repeat("a long line that wraps in the composer ", 40))
	if a.composer.rows != composerMaxRows {
		t.Errorf("a long text: %d rows, want %d", a.composer.rows, composerMaxRows)
	}
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // sent
	if a.composer.rows != composerMinRows || a.composer.Size().Height != empty {
		t.Errorf("after sending: %d rows, %.0f px high; want %d, %.0f", a.composer.rows, a.composer.Size().Height, composerMinRows, empty)
	}
}

// Page Up and Page Down in the composer scroll the chat a page, the text
// typed staying as it is.
func TestPageKeysInTheComposerScrollTheChat(t *testing.T) {
	const bob = "bob@example.org"
	b := threeContacts()
	b.history[bob] = conversation(bob, 60)
	a, _ := newTestApp(t, b)
	selectContact(t, a, bob)
	test.Type(a.composer, "half a thought")
	bottom := a.msgList.GetScrollOffset()
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageUp})
	up := a.msgList.GetScrollOffset()
	if page := a.msgList.Size().Height; up >= bottom || bottom-up < page/2 || bottom-up > page {
		t.Errorf("Page Up scrolled from %.0f to %.0f in a chat %.0f high", bottom, up, page)
	}
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	if got := a.msgList.GetScrollOffset(); got != bottom {
		t.Errorf("Page Down after Page Up is at %.0f, want %.0f", got, bottom)
	}
	if a.composer.Text != "half a thought" || a.win.Canvas().Focused() != fyne.Focusable(a.composer) {
		t.Errorf("the composer holds %q, focused %v", a.composer.Text, a.win.Canvas().Focused() == fyne.Focusable(a.composer))
	}
}

// A chat opened with unread messages has a "New messages" line above the
// first of them (its header shown, not part of a burst); when they are
// more than the chat shows, it opens at that line, not at the foot. The
// line stays while the chat is open and is gone when it opens again.
func TestAChatOpensAtItsUnreadMessages(t *testing.T) {
	const bob = "bob@example.org"
	b := threeContacts()
	ms := conversation(bob, 40)
	for i := range ms {
		ms[i].Outgoing, ms[i].State = false, Received // one long burst of Bob's
	}
	b.history[bob] = ms
	a, _ := newTestApp(t, b)
	a.byJID[bob].unread = 30
	selectContact(t, a, bob)
	first := shownRow(t, a, "message 11") // 40 - 30 + 1
	if !first.dayBox.Visible() || first.day.Text != "New messages" || !first.head.Visible() {
		t.Fatalf("the first unread row: line %v %q, header %v", first.dayBox.Visible(), first.day.Text, first.head.Visible())
	}
	if a.atBottom() {
		t.Error("30 unread messages: the chat opened at its foot, not at the first of them")
	}
	if a.rowHeightAt(10) <= a.rowHeightAt(11) {
		t.Errorf("the marked row is %.0f high, the next %.0f: the line takes no room", a.rowHeightAt(10), a.rowHeightAt(11))
	}
	// Two unread: the line above them, the chat at its foot.
	a.byJID[bob].unread = 2
	selectContact(t, a, "alice@example.org")
	selectContact(t, a, bob)
	if !a.atBottom() || shownRow(t, a, "message 39").day.Text != "New messages" {
		t.Errorf("two unread: at the foot %v, the line %q", a.atBottom(), shownRow(t, a, "message 39").day.Text)
	}
	selectContact(t, a, "alice@example.org")
	selectContact(t, a, bob)
	if a.chat.unreadAt != 0 {
		t.Error("the line came back when the chat opened again")
	}
}
