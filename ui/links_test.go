package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestFindLinks(t *testing.T) {
	a := &Pane{}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{"no links here", nil},
		{"see https://example.org/a?b=c#d.", []string{"https://example.org/a?b=c#d"}},
		{"(http://x.org/wiki/A_(b)) and more", []string{"http://x.org/wiki/A_(b)"}},
		{"HTTP://Example.org, then", []string{"HTTP://Example.org"}},
		{"talk to xmpp:bob@example.org or xmpp:lounge@muc.example.org?join!", []string{"xmpp:bob@example.org", "xmpp:lounge@muc.example.org?join"}},
		{"the stats: stats.i2p/x and zzz.i2p.", []string{"stats.i2p/x", "zzz.i2p"}},
		{"mine: ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p:80/", []string{"ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p"}},
		{"http://stats.i2p/cgi-bin/x", []string{"http://stats.i2p/cgi-bin/x"}},
		{"mail bob@example.org, file.txt, i2p, ratio 3:2, xmpp:", nil},
		{"a\nhttps://x.org\nb", []string{"https://x.org"}},
	} {
		var got []string
		for _, l := range a.findLinks(tc.body) {
			got = append(got, tc.body[l.start:l.end])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("findLinks(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// linkIn is where the link text is drawn in the row showing body: the
// body and the middle of the link's text in it.
type linkIn struct {
	body *msgText
	text string
	at   fyne.Position // in body
}

func hyperlinkIn(t *testing.T, a *Pane, body, text string) linkIn {
	t.Helper()
	row := shownRow(t, a, body)
	i := strings.Index(body, text)
	if i < 0 {
		t.Fatalf("%q is not in %q", text, body)
	}
	if got, ok := row.body.linkAt(row.body.posOf(i).Add(fyne.NewPos(1, 2))); !ok || got != text {
		t.Fatalf("the row of %q draws no link %q there (%q)", body, text, got)
	}
	start, end := row.body.posOf(i), row.body.posOf(i+len(text))
	_, _, _, textH := row.body.metrics()
	return linkIn{row.body, text, fyne.NewPos((start.X+end.X)/2, start.Y+textH/2)}
}

// Links in a message are drawn as links, and a tap opens them: a web
// link in the browser; an I2P site only after saying what it needs (or
// copied instead); an xmpp: link in Clove, as a chat or a room to join.
func TestLinksInMessagesOpenOnATap(t *testing.T) {
	const peer = "bob@example.org"
	bodies := []string{
		"read https://example.org/news today",
		"my site: stats.i2p/x",
		"ask xmpp:carol@example.net about it",
		"come to xmpp:lounge@muc.example.org?join",
	}
	b := &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: threeContacts()}}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	b.history[peer] = nil
	for i, body := range bodies {
		b.history[peer] = append(b.history[peer], Message{ID: int64(i + 1), Key: body, Peer: peer, Body: body, Time: t0, State: Received})
	}
	a, _ := newTestApp(t, b)
	var opened []string
	a.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	selectContact(t, a, peer)
	for _, body := range bodies {
		mustShow(t, a, body[:4]) // the text around the links
	}

	tapLink(t, a, hyperlinkIn(t, a, bodies[0], "https://example.org/news"))
	if !slices.Equal(opened, []string{"https://example.org/news"}) {
		t.Fatalf("opened %q, want the web link", opened)
	}

	rightClick(t, a, bodies[0])
	tapMenuItem(t, a, "Copy link")
	if got := a.fa.Clipboard().Content(); got != "https://example.org/news" {
		t.Errorf("Copy link put %q on the clipboard", got)
	}

	// An I2P site: asked first; Copy link opens nothing.
	tapLink(t, a, hyperlinkIn(t, a, bodies[1], "stats.i2p/x"))
	if len(opened) != 1 {
		t.Fatalf("the I2P link was opened without asking: %q", opened)
	}
	mustShowOverlay(t, a, "This is an I2P address", "127.0.0.1:4444")
	test.Tap(findButtonIn(t, a.win, "Copy link"))
	if got := a.fa.Clipboard().Content(); got != "http://stats.i2p/x" || len(opened) != 1 {
		t.Errorf("Copy link: clipboard %q, opened %q", got, opened)
	}
	tapLink(t, a, hyperlinkIn(t, a, bodies[1], "stats.i2p/x"))
	test.Tap(findButtonIn(t, a.win, "Open"))
	if !slices.Equal(opened, []string{"https://example.org/news", "http://stats.i2p/x"}) {
		t.Errorf("after Open: opened %q", opened)
	}

	tapLink(t, a, hyperlinkIn(t, a, bodies[3], "xmpp:lounge@muc.example.org?join"))
	if got := findEntryIn(t, a.win, "room@conference.server").Text; got != "lounge@muc.example.org" {
		t.Errorf("the join dialog offers %q", got)
	}
	test.Tap(findButtonIn(t, a.win, "Cancel"))

	tapLink(t, a, hyperlinkIn(t, a, bodies[2], "xmpp:carol@example.net"))
	if a.chat == nil || a.chat.peer != "carol@example.net" {
		t.Fatalf("the xmpp: link opened %v, want Carol's chat", a.chat)
	}
	if len(opened) != 2 {
		t.Errorf("xmpp: links went to the browser: %q", opened)
	}
}

// A body with a link wraps like any other: at half the width its row is
// taller, and the row fits it.
func TestARowWithLinksIsAsTallAsItsText(t *testing.T) {
	const peer = "bob@example.org"
	body := "see https://example.org/a/rather/long/path/to/a/page and then " + "words that go on and on " + "and on and on and on and on and on and on"
	b := threeContacts()
	b.history[peer] = []Message{{ID: 1, Key: "l", Peer: peer, Body: body, Time: time.Now(), State: Received}}
	a, _ := newTestApp(t, b)
	selectContact(t, a, peer)
	wide := a.rowHeightAt(0)
	a.win.Resize(fyne.NewSize(520, 600))
	narrow := a.rowHeightAt(0)
	if narrow <= wide {
		t.Errorf("the row with a link is %.0f high at %.0f px, %.0f when wider", narrow, a.listW, wide)
	}
	row := newMessageRow()
	row.findLinks = a.findLinks
	row.set(b.history[peer][0], "Bob")
	row.Resize(fyne.NewSize(a.listW, narrow))
	if need := row.MinSize().Height; need > narrow+0.5 {
		t.Errorf("the row needs %.0f, it is given %.0f", need, narrow)
	}
}

func mustShowOverlay(t *testing.T, a *Pane, want ...string) {
	t.Helper()
	top := a.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is shown")
	}
	var texts []string
	walkShown(top, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			texts = append(texts, x.Text)
		}
	})
	for _, w := range want {
		if !slices.ContainsFunc(texts, func(s string) bool { return contains(s, w) }) {
			t.Errorf("the dialog does not say %q; it says %q", w, texts)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// findEntryIn is the entry in the window or its dialogs whose place holder
// is ph.
func findEntryIn(t *testing.T, win fyne.Window, ph string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	for _, o := range append([]fyne.CanvasObject{win.Canvas().Content()}, win.Canvas().Overlays().List()...) {
		walkShown(o, func(o fyne.CanvasObject) {
			if d, ok := o.(*dialogEntry); ok {
				o = &d.Entry
			}
			if e, ok := o.(*widget.Entry); ok && found == nil && e.PlaceHolder == ph {
				found = e
			}
		})
	}
	if found == nil {
		t.Fatalf("no entry %q is shown", ph)
	}
	return found
}

// tapLink clicks the middle of link's text through the window, as a
// click there does: what is over it must let it through.
func tapLink(t *testing.T, a *Pane, link linkIn) {
	t.Helper()
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(link.body).Add(link.at)
	if o := clickTarget(a, at); o != link.body {
		t.Fatalf("a click on the link %q reaches %T, not its text", link.text, o)
	}
	test.TapCanvas(a.win.Canvas(), at)
}
