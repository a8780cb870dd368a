package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// dragOver drags through the window across body's text from byte from to
// byte to (on the first line), as a press, a move and a release there do.
func dragOver(a *Pane, body *msgText, from, to int) {
	_, _, _, textH := body.metrics()
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(body)
	start := at.Add(body.posOf(from)).Add(fyne.NewPos(1, textH/2))
	end := at.Add(body.posOf(to)).Add(fyne.NewPos(1, textH/2))
	test.Drag(a.win.Canvas(), end, end.X-start.X, end.Y-start.Y)
}

// highlighted reports whether body draws a selection.
func highlighted(body *msgText) bool {
	sel := body.Theme().Color(theme.ColorNameSelection, fyne.CurrentApp().Settings().ThemeVariant())
	for _, o := range test.WidgetRenderer(body).Objects() {
		if r, ok := o.(*canvas.Rectangle); ok && r.Visible() && r.FillColor == sel && r.Size().Height > 2 {
			return true
		}
	}
	return false
}

// copyKeys is Ctrl+C as the window hands it on: to the focused widget
// that takes shortcuts. It returns what the clipboard holds after.
func copyKeys(a *Pane) string {
	clip := fyne.CurrentApp().Clipboard()
	clip.SetContent("before")
	if sc, ok := a.win.Canvas().Focused().(fyne.Shortcutable); ok {
		sc.TypedShortcut(&fyne.ShortcutCopy{Clipboard: clip})
	}
	return clip.Content()
}

// The chat has one selection at a time: a drag in another message moves
// it there, and a click anywhere else (another message, the empty part of
// the chat, the composer, another chat) ends it. Ctrl+C copies only what
// is highlighted: after that, nothing.
func TestTheChatHasOneSelectionAndAClickElsewhereEndsIt(t *testing.T) {
	const peer = "bob@example.org"
	for _, tc := range []struct {
		name  string
		click func(t *testing.T, a *Pane)
	}{
		{"another message", func(t *testing.T, a *Pane) {
			body := shownRow(t, a, "message 3").body
			test.TapCanvas(a.win.Canvas(), fyne.CurrentApp().Driver().AbsolutePositionForObject(body).Add(fyne.NewPos(20, 10)))
		}},
		{"the empty part of the chat", func(t *testing.T, a *Pane) {
			at := fyne.CurrentApp().Driver().AbsolutePositionForObject(a.msgList)
			pos := at.Add(fyne.NewPos(a.msgList.Size().Width/2, a.msgList.Size().Height-5))
			if o := clickTarget(a, pos); o != fyne.CanvasObject(a.msgList) {
				t.Fatalf("a click below the messages reaches %T, not the chat", o)
			}
			test.TapCanvas(a.win.Canvas(), pos)
		}},
		{"the composer", func(t *testing.T, a *Pane) { test.Tap(a.composer) }},
		{"another chat and back", func(t *testing.T, a *Pane) {
			selectContact(t, a, "alice@example.org")
			selectContact(t, a, peer)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newTestApp(t, threeContacts())
			selectContact(t, a, peer)
			one, two := shownRow(t, a, "message 1").body, shownRow(t, a, "message 2").body
			dragOver(a, one, 0, len("message"))
			if got := one.SelectedText(); got != "message" || !highlighted(one) {
				t.Fatalf("after a drag over 'message': selected %q, highlighted %v", got, highlighted(one))
			}
			// A drag in another message moves the selection there.
			dragOver(a, two, len("message "), len("message 2"))
			if one.SelectedText() != "" || highlighted(one) {
				t.Errorf("the first message is still selected (%q) after a drag in the second", one.SelectedText())
			}
			if got := copyKeys(a); got != "2" || !highlighted(two) {
				t.Fatalf("Ctrl+C after a drag over '2' copied %q (highlighted %v)", got, highlighted(two))
			}

			tc.click(t, a)
			for _, body := range []string{"message 1", "message 2", "message 3"} {
				b := shownRow(t, a, body).body
				if b.SelectedText() != "" || highlighted(b) {
					t.Errorf("after a click on %s, %q is still selected (%q)", tc.name, body, b.SelectedText())
				}
			}
			if got := copyKeys(a); got != "before" && got != "" {
				t.Errorf("after a click on %s, Ctrl+C copied %q", tc.name, got)
			}
			rightClick(t, a, "message 2")
			if got := menuItems(a); slices.Contains(got, "Copy selection") {
				t.Errorf("after a click on %s, the menu offers %q", tc.name, got)
			}
		})
	}
}

// A message with a link is selected by a drag as any other, also a drag
// that starts on the link (which then does not open); Ctrl+C copies the
// words; a click on the link still opens it.
func TestALinkMessageIsSelectedByADrag(t *testing.T) {
	const peer = "bob@example.org"
	body := "read https://example.org/news today"
	b := threeContacts()
	b.history[peer] = []Message{{ID: 1, Key: "l", Peer: peer, Body: body, Time: time.Now(), State: Received}}
	a, _ := newTestApp(t, b)
	var opened []string
	a.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	selectContact(t, a, peer)
	text := shownRow(t, a, body).body
	for _, tc := range []struct {
		name     string
		from, to int
		want     string
	}{
		{"words and the link", 0, strings.Index(body, "/news"), "read https://example.org"},
		{"from the link on", strings.Index(body, "example"), len(body), "example.org/news today"},
		{"backwards over the link", strings.Index(body, " today"), strings.Index(body, "https"), "https://example.org/news"},
	} {
		dragOver(a, text, tc.from, tc.to)
		if got := copyKeys(a); got != tc.want {
			t.Errorf("%s: Ctrl+C copied %q, want %q", tc.name, got, tc.want)
		}
		if !highlighted(text) {
			t.Errorf("%s: no selection drawn", tc.name)
		}
	}
	if len(opened) != 0 {
		t.Errorf("a drag opened %q", opened)
	}
	tapLink(t, a, hyperlinkIn(t, a, body, "https://example.org/news"))
	if !slices.Equal(opened, []string{"https://example.org/news"}) {
		t.Errorf("a click on the link opened %q", opened)
	}
	if highlighted(text) {
		t.Error("the click on the link left the selection drawn")
	}
}

// wrapText breaks lines between words, cuts a word wider than the line,
// keeps newlines, and never loses or repeats text.
func TestWrapText(t *testing.T) {
	measure := func(text string) func(a, b int) float32 {
		return func(a, b int) float32 { return float32(len([]rune(text[a:b]))) } // a character a unit
	}
	for _, tc := range []struct {
		text  string
		width float32
		want  []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"two words here", 9, []string{"two words", "here"}},
		{"a\nb c", 10, []string{"a", "b c"}},
		{"abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		{"ab   cd", 3, []string{"ab", "cd"}},
		{"héllo wörld", 5, []string{"héllo", "wörld"}},
		{"x", 0, []string{"x"}},
	} {
		var got []string
		for _, l := range wrapText(tc.text, tc.width, measure(tc.text)) {
			got = append(got, tc.text[l.start:l.end])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("wrapText(%q, %v) = %q, want %q", tc.text, tc.width, got, tc.want)
		}
	}
}
