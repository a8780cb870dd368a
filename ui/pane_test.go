package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fakeBackend is an in-memory Backend.
type fakeBackend struct {
	mu       sync.Mutex
	contacts []Contact
	history  map[string][]Message // oldest first; IDs ascending
	sent     []string
	sendErr  error
	onSend   func(Message) // called before Send returns
	nextID   int64
}

func (b *fakeBackend) Contacts(context.Context) ([]Contact, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.contacts), nil
}

func (b *fakeBackend) History(_ context.Context, peer string, beforeID int64, limit int) ([]Message, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var older []Message
	for _, m := range b.history[peer] {
		if beforeID == 0 || m.ID < beforeID {
			older = append(older, m)
		}
	}
	if len(older) > limit {
		older = older[len(older)-limit:]
	}
	return older, nil
}

func (b *fakeBackend) Send(_ context.Context, peer, text string) (Message, error) {
	b.mu.Lock()
	if b.sendErr != nil {
		b.mu.Unlock()
		return Message{}, b.sendErr
	}
	b.sent = append(b.sent, text)
	b.nextID++
	m := Message{ID: 1000 + b.nextID, Key: fmt.Sprintf("key%d", b.nextID), Peer: peer, Outgoing: true, Body: text, Time: time.Now(), State: Queued}
	on := b.onSend
	b.mu.Unlock()
	if on != nil {
		on(m)
	}
	return m, nil
}

func conversation(peer string, n int) []Message {
	ms := make([]Message, n)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range ms {
		ms[i] = Message{ID: int64(i + 1), Key: fmt.Sprintf("h%d", i+1), Peer: peer, Outgoing: i%2 == 1, Body: fmt.Sprintf("message %d", i+1), Time: t0.Add(time.Duration(i) * time.Minute), State: Received}
		if ms[i].Outgoing {
			ms[i].State = Delivered
		}
	}
	return ms
}

// newTestApp builds the window on the test driver with backend work run
// inline, so every step below is synchronous.
func newTestApp(t *testing.T, b Backend) (*Pane, *[]func()) {
	t.Helper()
	fa := test.NewTempApp(t)
	a := newApp(fa, "me@example.org", b)
	a.async = func(f func()) { f() }
	var pending []func()
	a.later = func(f func()) { pending = append(pending, f) }
	a.reloadContacts()
	a.win.Resize(fyne.NewSize(900, 600))
	t.Cleanup(a.win.Close)
	return a, &pending
}

// walkShown calls visit for o and everything shown inside it, in tree
// order (hidden objects and list rows out of view are skipped).
func walkShown(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkShown(c, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkShown(c, visit)
		}
	}
}

// rendered lists the texts drawn in the window, in tree order: what the
// user sees.
func rendered(a *Pane) []string { return renderedIn(a.win.Canvas().Content()) }

// renderedIn lists the texts drawn in root, in tree order.
func renderedIn(root fyne.CanvasObject) []string {
	var out []string
	walkShown(root, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			out = append(out, x.Text)
		}
	})
	return out
}

func shows(a *Pane, s string) bool {
	for _, t := range rendered(a) {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

func mustShow(t *testing.T, a *Pane, want ...string) {
	t.Helper()
	for _, w := range want {
		if !shows(a, w) {
			t.Errorf("window does not show %q; it shows %q", w, rendered(a))
		}
	}
}

// mustNotShowInChat is mustNotShow for the chat side of the window (the
// chat list shows each chat's newest message).
func mustNotShowInChat(t *testing.T, a *Pane, nope ...string) {
	t.Helper()
	for _, n := range nope {
		for _, s := range renderedIn(a.chatPane) {
			if strings.Contains(s, n) {
				t.Errorf("the chat shows %q; it should not (it shows %q)", n, renderedIn(a.chatPane))
				break
			}
		}
	}
}

func mustNotShow(t *testing.T, a *Pane, nope ...string) {
	t.Helper()
	for _, n := range nope {
		if shows(a, n) {
			t.Errorf("window shows %q; it should not (it shows %q)", n, rendered(a))
		}
	}
}

func threeContacts() *fakeBackend {
	return &fakeBackend{
		contacts: []Contact{{JID: "alice@example.org"}, {JID: "bob@example.org", Name: "Bob"}, {JID: "carol@example.net"}},
		history:  map[string][]Message{"bob@example.org": conversation("bob@example.org", 3)},
	}
}

func selectContact(t *testing.T, a *Pane, jid string) {
	t.Helper()
	for i, c := range a.shown {
		if c.JID == jid {
			a.roster.Select(i)
			return
		}
	}
	t.Fatalf("%s is not in the roster", jid)
}

func TestRosterRendersContactsAndFilters(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	mustShow(t, a, "alice@example.org", "Bob", "carol@example.net", "Pick a contact")

	test.Type(a.filter, "CAR")
	mustShow(t, a, "carol@example.net")
	mustNotShow(t, a, "alice@example.org", "Bob")

	a.filter.SetText("example.org") // matches the address, not only the name
	mustShow(t, a, "alice@example.org", "Bob")
	mustNotShow(t, a, "carol@example.net")

	a.filter.SetText("")
	mustShow(t, a, "alice@example.org", "Bob", "carol@example.net")
}

// The roster sorts and filters names as a reader expects: without case
// or accents (Émilie among the E's, "emilie" finds her), other scripts
// after the Latin ones.
func TestRosterSortsAndFindsNamesWithAccents(t *testing.T) {
	b := threeContacts()
	b.contacts = []Contact{
		{JID: "z@example.org", Name: "zoe"}, {JID: "e@example.org", Name: "Émilie"}, {JID: "c@example.org", Name: "陈伟"},
		{JID: "d@example.org", Name: "Dmitri"}, {JID: "f@example.org", Name: "fatima"}, {JID: "o@example.org", Name: "Øystein"},
	}
	a, _ := newTestApp(t, b)
	var got []string
	for _, c := range a.shown {
		got = append(got, c.Label())
	}
	// Ø is a letter of its own (no decomposition): it sorts after z.
	if want := []string{"Dmitri", "Émilie", "fatima", "zoe", "Øystein", "陈伟"}; !slices.Equal(got, want) {
		t.Errorf("the roster reads %q; want %q", got, want)
	}
	a.filter.SetText("emil")
	if len(a.shown) != 1 || a.shown[0].Name != "Émilie" {
		t.Errorf("the filter \"emil\" shows %d contacts", len(a.shown))
	}
	a.filter.SetText("ÉMI")
	if len(a.shown) != 1 {
		t.Errorf("the filter \"ÉMI\" shows %d contacts", len(a.shown))
	}
}

func TestSelectingAContactShowsItsHistory(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	mustShow(t, a, "Bob <bob@example.org>", "message 1", "message 2", "message 3", "delivered", "You")
	mustNotShow(t, a, "Pick a contact")

	selectContact(t, a, "alice@example.org")
	mustNotShow(t, a, "message 1")
}

func TestEnterSendsQueuedThenSentOnAck(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")

	test.Type(a.composer, "hello there")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(b.sent, []string{"hello there"}) {
		t.Fatalf("Send got %q; want [hello there]", b.sent)
	}
	if a.composer.Text != "" {
		t.Errorf("composer still holds %q after sending", a.composer.Text)
	}
	mustShow(t, a, "hello there", "queued")

	// The ack comes from the client's goroutine.
	done := make(chan struct{})
	go func() { a.OnMessageState("key1", Sent); close(done) }()
	<-done
	mustShow(t, a, "hello there", "sent")
	mustNotShow(t, a, "queued")

	// A receipt; a repeated ack never moves it back.
	a.OnMessageState("key1", Delivered)
	a.OnMessageState("key1", Sent)
	mustShow(t, a, "hello there", "delivered")
}

func TestShiftEnterIsANewLine(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "one")
	a.composer.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.composer.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	test.Type(a.composer, "two")
	if len(b.sent) != 0 || a.composer.Text != "one\ntwo" {
		t.Fatalf("after Shift+Enter: sent %q, composer %q; want nothing sent and \"one\\ntwo\"", b.sent, a.composer.Text)
	}
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if !slices.Equal(b.sent, []string{"one\ntwo"}) {
		t.Fatalf("sent %q", b.sent)
	}
	mustShow(t, a, "one", "two")
}

func TestAckBeforeSendReturns(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	b.onSend = func(m Message) { a.OnMessageState(m.Key, Sent) } // the server was fast
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "quick")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShow(t, a, "quick", "sent")
	mustNotShow(t, a, "queued")
}

func TestSendErrorIsShownAndTextKept(t *testing.T) {
	b := threeContacts()
	b.sendErr = errors.New("disk full")
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "important")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShow(t, a, "not sent: disk full")
	if a.composer.Text != "important" {
		t.Errorf("composer %q; the unsent text should be given back", a.composer.Text)
	}
}

func TestStatusBarShowsStateAndError(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	mustShow(t, a, "me@example.org — offline")
	a.OnState(Connecting, "")
	mustShow(t, a, "me@example.org — connecting…")
	a.OnState(Online, "")
	mustShow(t, a, "me@example.org — online")
	a.OnState(Error, "the server refused the password")
	mustShow(t, a, "me@example.org — error: the server refused the password")
}

func TestStatusBarShowsTheI2PRouter(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	mustNotShow(t, a, "I2P router")
	a.OnRouter("I2P router not found at 127.0.0.1:4447: start i2pd, or let Clove run its own node")
	mustShow(t, a, "I2P router not found at 127.0.0.1:4447: start i2pd, or let Clove run its own node")
	a.OnRouter("I2P router: ready")
	mustShow(t, a, "I2P router: ready")
	a.OnRouter("")
	mustNotShow(t, a, "I2P router: ready")
}

func TestIncomingMessageCountsUnreadUntilOpened(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "alice@example.org")
	a.OnPresence("bob@example.org", Available)
	a.OnMessage(Message{Key: "x1", Peer: "bob@example.org", Body: "ping 1", State: Received})
	a.OnMessage(Message{Key: "x2", Peer: "bob@example.org", Body: "ping 2", State: Received})
	mustShow(t, a, "2") // the badge
	mustNotShow(t, a, "ping 1")
	if a.byJID["bob@example.org"].presence != Available {
		t.Error("presence not recorded")
	}

	// A stranger's message lists them.
	a.OnMessage(Message{Key: "s1", Peer: "dave@elsewhere.example", Body: "hi", State: Received})
	mustShow(t, a, "dave@elsewhere.example")

	selectContact(t, a, "bob@example.org")
	if got := a.byJID["bob@example.org"].unread; got != 0 {
		t.Errorf("unread %d after opening the chat", got)
	}
	// Live messages into the open chat, deduplicated by key.
	a.OnMessage(Message{Key: "x3", Peer: "bob@example.org", Body: "live one", State: Received})
	a.OnMessage(Message{Key: "x3", Peer: "bob@example.org", Body: "live one", State: Received})
	mustShow(t, a, "live one")
	if n := len(a.chat.msgs); n != 4 {
		t.Errorf("%d messages in the chat; want 3 from history + 1 live", n)
	}
}

// scrollToTheTop scrolls the open chat to its top, again after each page
// of history the top asked for (pending: the work the window ran later),
// until no more is asked.
func scrollToTheTop(a *Pane, pending *[]func()) {
	a.msgList.ScrollToTop()
	for len(*pending) > 0 {
		f := (*pending)[0]
		*pending = (*pending)[1:]
		f()
		a.msgList.ScrollToTop()
	}
}

func TestOlderHistoryLoadsWhenTheTopIsReached(t *testing.T) {
	b := threeContacts()
	b.history["bob@example.org"] = conversation("bob@example.org", 120)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	if n := len(a.chat.msgs); n != pageSize {
		t.Fatalf("%d messages loaded; want the newest %d", n, pageSize)
	}
	mustShow(t, a, "message 120")
	mustNotShow(t, a, "message 70")

	scrollToTheTop(a, pending)
	if n := len(a.chat.msgs); n != 120 {
		t.Fatalf("%d messages after scrolling to the top; want all 120", n)
	}
	if a.chat.more {
		t.Error("more is still set after the first message")
	}
	if a.chat.msgs[0].Body != "message 1" || a.chat.msgs[119].Body != "message 120" {
		t.Errorf("order: %q … %q", a.chat.msgs[0].Body, a.chat.msgs[119].Body)
	}
}

// Clove's notices (not stored) come back in their place by time when a
// chat is opened again: one among the first page's messages, one older
// than the first page once its page is in, not all at the foot.
func TestNoticesTakeTheirPlaceWhenAChatIsOpenedAgain(t *testing.T) {
	const bob = "bob@example.org"
	b := threeContacts()
	b.history[bob] = conversation(bob, 120)
	a, pending := newTestApp(t, b)
	at := func(i int) time.Time { // just after message i
		return b.history[bob][i-1].Time.Add(30 * time.Second)
	}
	a.notes[bob] = []Message{
		{Peer: bob, Notice: true, Time: at(20), Body: "an old notice"},
		{Peer: bob, Notice: true, Time: at(100), Body: "a recent notice"},
	}
	selectContact(t, a, bob)
	if n := len(a.chat.msgs); n != pageSize+1 {
		t.Fatalf("%d rows after the opening; want the newest %d messages and the recent notice", n, pageSize)
	}
	scrollToTheTop(a, pending)
	var got []string
	for _, m := range a.chat.msgs {
		got = append(got, m.Body)
	}
	if len(got) != 122 {
		t.Fatalf("%d rows at the top; want 120 messages and 2 notices", len(got))
	}
	for i, want := range map[int]string{19: "message 20", 20: "an old notice", 21: "message 21", 100: "message 100", 101: "a recent notice", 102: "message 101", 121: "message 120"} {
		if got[i] != want {
			t.Errorf("row %d is %q; want %q", i, got[i], want)
		}
	}
	if len(a.chat.dropped) != 0 {
		t.Errorf("%d notices still waiting", len(a.chat.dropped))
	}
}

func TestMultiLineMessageGetsATallerRow(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	one := a.rowHeight(Message{Body: "x"})
	three := a.rowHeight(Message{Body: "x\ny\nz"})
	if three <= one {
		t.Errorf("3-line row %v not taller than 1-line row %v", three, one)
	}
}

func TestBouncedMessageShowsFailed(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "to nowhere")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.OnMessageState("key1", Failed)
	mustShow(t, a, "to nowhere", "failed", "Not delivered — click to retry")
	mustNotShow(t, a, "queued")

	// Clicking it offers to send it again, as a new message.
	b := a.backend.(*fakeBackend)
	row := shownRow(t, a, "to nowhere")
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(row.body).Add(fyne.NewPos(5, 5))
	if o := clickTarget(a, at); o != fyne.CanvasObject(row.body) {
		t.Fatalf("a click on the failed message reaches %T", o)
	}
	test.TapCanvas(a.win.Canvas(), at)
	test.Tap(overlayButton(t, a, "Send again"))
	if !slices.Equal(b.sent, []string{"to nowhere", "to nowhere"}) {
		t.Fatalf("sent %q; want the failed text sent again", b.sent)
	}
	mustShow(t, a, "queued", "failed")
	// Tapping a message that did not fail does nothing.
	a.msgList.Select(0)
	if a.win.Canvas().Overlays().Top() != nil {
		t.Error("tapping a delivered message opened a dialog")
	}
}

func TestDayLabel(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 30, 0, 0, time.Local)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-20 * time.Minute), "Today"},
		{time.Date(2026, 12, 1, 23, 59, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local), "Monday, 30 November"},
		{time.Date(2025, 12, 31, 12, 0, 0, 0, time.Local), "Wednesday, 31 December 2025"},
	} {
		if got := dayLabel(tc.t, now); got != tc.want {
			t.Errorf("dayLabel(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestDaySeparatorsAboveEachDaysFirstMessage(t *testing.T) {
	b := threeContacts()
	ms := conversation("bob@example.org", 4)
	ms[2].Time = ms[2].Time.Add(24 * time.Hour) // 3 and 4 a day later
	ms[3].Time = ms[3].Time.Add(24 * time.Hour)
	b.history["bob@example.org"] = ms
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	d1, d2 := dayLabel(ms[0].Time, time.Now()), dayLabel(ms[2].Time, time.Now())
	count := func(s string) int {
		n := 0
		for _, x := range rendered(a) {
			if x == s {
				n++
			}
		}
		return n
	}
	if count(d1) != 1 || count(d2) != 1 {
		t.Fatalf("day separators: %q ×%d, %q ×%d; want one each (window shows %q)", d1, count(d1), d2, count(d2), rendered(a))
	}
	if h0, h1, h2 := a.rowHeightAt(0), a.rowHeightAt(1), a.rowHeightAt(2); h0 <= h1 || h2 != h0 {
		t.Errorf("row heights %v %v %v: a day's first row should be taller", h0, h1, h2)
	}
	// Under the separators a message gives its time alone.
	at := ms[0].Time.Local()
	mustShow(t, a, at.Format("15:04"))
	mustNotShow(t, a, at.Format("2006-01-02 15:04"))
}

// An account on the profile's own node is online as soon as the node's
// prosody answers on loopback: until the node is reachable over I2P the
// status bar says how far it is, in the warning colour, not a green
// online.
func TestStatusBarShowsTheNodesI2PState(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	a.OnState(Online, "")
	for _, tc := range []struct {
		node NodeState
		want string
		dot  fyne.ThemeColorName
	}{
		{NodeState{}, "me on your node — online; checking whether other servers can reach it over I2P", theme.ColorNameWarning},
		{NodeState{Running: true, Stage: "no peers yet"}, "me on your node — online; not reachable over I2P yet: no peers yet", theme.ColorNameWarning},
		{NodeState{Running: true, Stage: "tunnels building"}, "me on your node — online; not reachable over I2P yet: tunnels building", theme.ColorNameWarning},
		{NodeState{Running: false, Stage: "unknown"}, "me on your node — offline: your node is stopped", theme.ColorNameDisabled},
		{NodeState{Running: true, Stage: "reachable", Reachable: true}, "me on your node — online, reachable over I2P", theme.ColorNameSuccess},
	} {
		a.OnNode(tc.node)
		mustShow(t, a, tc.want)
		if a.statusDot.FillColor != theme.Color(tc.dot) {
			t.Errorf("%+v: the dot is %v, want %s", tc.node, a.statusDot.FillColor, tc.dot)
		}
	}
	// Offline says offline, whatever the node.
	a.OnNode(NodeState{Running: true, Stage: "tunnels building"})
	a.OnState(Offline, "connection lost")
	mustShow(t, a, "me on your node — offline: connection lost")
}

// A chat left open at its foot keeps at most maxLoaded messages as new
// ones arrive (a busy room all day); those it dropped come back, in order
// and none twice, when the user scrolls up to them. Scrolled up, the
// user's place is left alone: nothing is dropped.
func TestBusyChatKeepsItsNewestLoaded(t *testing.T) {
	const bob = "bob@example.org"
	b := threeContacts()
	b.history[bob] = conversation(bob, 10)
	a, pending := newTestApp(t, b)
	selectContact(t, a, bob)
	// Built as the Makefile builds (the patched Fyne), the heights go in
	// one redraw, not a fallback of one redraw per row.
	if strings.Contains(os.Getenv("GOFLAGS"), "build/fyne-idle/go.mod") {
		if _, ok := any(&a.msgList.List).(interface {
			SetItemHeights(map[widget.ListItemID]float32)
		}); !ok {
			t.Error("the patched Fyne's List has no SetItemHeights")
		}
	}
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	deliver := func(from, to int, atFoot bool) {
		for i := from; i <= to; i++ {
			body := fmt.Sprintf("message %d", i)
			if i%7 == 0 {
				body += "\nand a second line" // rows of two heights
			}
			m := Message{ID: int64(i), Key: fmt.Sprintf("h%d", i), Peer: bob, Body: body, Time: t0.Add(time.Duration(i) * time.Second), State: Received}
			b.mu.Lock()
			b.history[bob] = append(b.history[bob], m) // stored first, as the app does
			b.mu.Unlock()
			a.addMessage(m)
			if n := len(a.chat.msgs); atFoot && n > maxLoaded {
				t.Fatalf("%d messages loaded after message %d; want at most %d", n, i, maxLoaded)
			}
		}
	}
	// A notice of Clove's (not stored) among them, dropped with them:
	// it comes back in its place.
	deliver(11, 100, true)
	a.addNote(bob, "Clove's notice")
	deliver(101, 1300, true)
	if len(a.chat.dropped) != 1 {
		t.Errorf("%d notices kept aside; want the one dropped", len(a.chat.dropped))
	}
	if n := len(a.chat.msgs); n < keepLoaded {
		t.Fatalf("%d messages loaded; want at least %d", n, keepLoaded)
	}
	if last := a.chat.msgs[len(a.chat.msgs)-1].Body; last != "message 1300" {
		t.Fatalf("the newest loaded is %q", last)
	}
	mustShow(t, a, "message 1300")
	// The rows kept after each drop have their own heights (moved with
	// them, not measured again).
	for i := range a.chat.msgs {
		if h := a.rowHeightAt(i); a.setH[i] != h {
			t.Fatalf("row %d (%q) is told %v tall, is %v", i, a.chat.msgs[i].Body, a.setH[i], h)
		}
	}

	// Up to the top: all 1,300 and the notice, in order, none twice.
	scrollToTheTop(a, pending)
	if n := len(a.chat.msgs); n != 1301 {
		t.Fatalf("%d messages after scrolling to the top; want all 1300 and the notice", n)
	}
	for i, m := range a.chat.msgs {
		want := fmt.Sprintf("message %d", i+1)
		switch {
		case i == 100:
			want = "Clove's notice"
		case i > 100:
			want = fmt.Sprintf("message %d", i)
		}
		if m.Body != want && !strings.HasPrefix(m.Body, want+"\n") {
			t.Fatalf("row %d is %q; want %q", i, m.Body, want)
		}
	}
	if len(a.chat.dropped) != 0 {
		t.Errorf("%d notices still aside at the top", len(a.chat.dropped))
	}
	mustShow(t, a, "message 1")

	// Scrolled up, reading: nothing is dropped however many come.
	deliver(1301, 1310, false)
	if n := len(a.chat.msgs); n != 1311 {
		t.Errorf("%d messages loaded while scrolled up; want all 1310 and the notice", n)
	}
}
