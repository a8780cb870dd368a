package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fakeSearcher searches the fake history by substring.
type fakeSearcher struct {
	*fakeBackend
	err     error
	queries []string
}

func (s *fakeSearcher) Search(_ context.Context, peer, query string, limit int) ([]Message, error) {
	s.queries = append(s.queries, peer+": "+query)
	if s.err != nil {
		return nil, s.err
	}
	var ms []Message
	if peer != "" {
		ms = s.history[peer]
	} else { // every chat's, oldest first
		for _, h := range s.history {
			ms = append(ms, h...)
		}
		slices.SortStableFunc(ms, func(a, b Message) int { return a.Time.Compare(b.Time) })
	}
	var out []Message
	for i := len(ms) - 1; i >= 0 && len(out) < limit; i-- {
		if strings.Contains(ms[i].Body, query) {
			out = append(out, ms[i])
		}
	}
	return out, nil
}

// overlayTexts lists the texts drawn in the window's dialogs (a rich
// text, such as a search result, as one).
func overlayTexts(a *Pane) []string {
	var out []string
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *canvas.Text:
				if x.Text != "" {
					out = append(out, x.Text)
				}
			case *widget.RichText:
				out = append(out, x.String())
			}
		})
	}
	return out
}

func searchEntry(t *testing.T, a *Pane) *widget.Entry {
	t.Helper()
	var e *widget.Entry
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*dialogEntry); ok && e == nil {
				e = &x.Entry
			}
		})
	}
	if e == nil {
		t.Fatal("no search box")
	}
	return e
}

func TestSearchInTheConversation(t *testing.T) {
	s := &fakeSearcher{fakeBackend: threeContacts()}
	s.history["bob@example.org"] = conversation("bob@example.org", 12)
	a, _ := newTestApp(t, s)
	selectContact(t, a, "bob@example.org")
	a.showSearch()
	q := searchEntry(t, a)
	q.SetText("message 1")
	q.OnSubmitted(q.Text)
	got := strings.Join(overlayTexts(a), "\n")
	// message 12, 11, 10 and 1 match; newest first; ours are "You".
	for _, want := range []string{`4 found for "message 1"`, "You: message 12", "Bob: message 11", "You: message 10", "Bob: message 1 "} {
		if !strings.Contains(got, want) {
			t.Errorf("the search shows no %q; it shows %q", want, got)
		}
	}
	if strings.Index(got, "message 12") > strings.Index(got, "message 11") {
		t.Error("results are not newest first")
	}
	if len(s.queries) != 1 || s.queries[0] != "bob@example.org: message 1" {
		t.Errorf("searched %q", s.queries)
	}

	q.SetText("nothing like this")
	q.OnSubmitted(q.Text)
	if got := strings.Join(overlayTexts(a), "\n"); !strings.Contains(got, `Nothing found for "nothing like this".`) || strings.Contains(got, "message 12") {
		t.Errorf("after a search without results the dialog shows %q", got)
	}
	s.err = errors.New("store: search: database is locked")
	q.OnSubmitted("message")
	if got := strings.Join(overlayTexts(a), "\n"); !strings.Contains(got, "could not search: store: search: database is locked") {
		t.Errorf("a failed search shows %q", got)
	}
}

func TestNoSearchWithoutASearcher(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	a.showSearch()
	if a.win.Canvas().Overlays().Top() != nil {
		t.Error("a search dialog without a searcher")
	}
}

// A result shows the words around the match, the matching ones in bold,
// and picking it opens the chat at that message, however far back.
func TestSearchResultShowsTheMatchAndJumpsToIt(t *testing.T) {
	s := &fakeSearcher{fakeBackend: threeContacts()}
	ms := conversation("bob@example.org", 5000)
	ms[10].Body = strings.Repeat("filler words that say nothing ", 20) + "the needle is here" + strings.Repeat(" and more words follow", 20)
	s.history["bob@example.org"] = ms
	a, pending := newTestApp(t, s)
	selectContact(t, a, "bob@example.org")
	if n := len(a.chat.msgs); n != pageSize {
		t.Fatalf("%d messages loaded at first; want one page (%d)", n, pageSize)
	}
	a.showSearch()
	q := searchEntry(t, a)
	q.SetText("needle")
	q.OnSubmitted(q.Text)
	var result *widget.RichText
	var list *widget.List
	var listObj fyne.CanvasObject // as laid out in the dialog
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.RichText:
				if strings.Contains(x.String(), "needle is here") {
					result = x
				}
			case *dialogList:
				list, listObj = &x.List, x
			}
		})
	}
	if result == nil || list == nil {
		t.Fatalf("no result shows the needle: %q", overlayTexts(a))
	}
	// The one-line status sits right above the results (the hint's two
	// lines left a gap there).
	var status *widget.Label
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "1 found") {
				status = l
			}
		})
	}
	drv := fyne.CurrentApp().Driver()
	if status == nil {
		t.Fatal("no status above the results")
	}
	if gap := drv.AbsolutePositionForObject(listObj).Y - drv.AbsolutePositionForObject(status).Y - status.MinSize().Height; gap > 2*theme.Padding() {
		t.Errorf("a gap of %.0f px between the status and the results", gap)
	}
	text := result.String()
	if !strings.Contains(text, "…that say nothing the needle is here") || strings.HasPrefix(strings.SplitN(text, ": ", 2)[1], "filler") {
		t.Errorf("the result does not show the words around the match: %q", text)
	}
	// Too long for the dialog, it ends in "…" at a word, within the row.
	drawn := float32(0)
	for _, seg := range result.Segments {
		ts := seg.(*widget.TextSegment)
		drawn += fyne.MeasureText(ts.Text, theme.TextSize(), ts.Style.TextStyle).Width
	}
	words := strings.Fields(strings.TrimSuffix(text, "…"))
	last := words[len(words)-1]
	if room := result.Size().Width - 2*theme.InnerPadding(); !strings.HasSuffix(text, "…") || !strings.Contains(" and more words follow ", " "+last+" ") || drawn > room {
		t.Errorf("the long result is %.0f px in a row of %.0f: %q; want it cut at a word, ending in …", drawn, room, text)
	}
	bold := ""
	for _, seg := range result.Segments {
		if ts, ok := seg.(*widget.TextSegment); ok && ts.Style.TextStyle.Bold {
			bold += ts.Text
		}
	}
	if strings.TrimSpace(bold) != "needle" {
		t.Errorf("bold in the result: %q; want the matching word", bold)
	}

	list.Select(0)
	// The list's own fetch of the page above the top (when the top row
	// was drawn) is on its way: the jump waits for it.
	for len(*pending) > 0 {
		f := (*pending)[0]
		*pending = (*pending)[1:]
		f()
	}
	if a.win.Canvas().Overlays().Top() != nil {
		t.Error("the search stays open after a result was picked")
	}
	i := -1
	for j, m := range a.chat.msgs {
		if m.ID == ms[10].ID {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("the chat did not load back to the result (%d messages loaded)", len(a.chat.msgs))
	}
	if a.chat.marked != ms[10].ID {
		t.Errorf("marked message %d; want %d", a.chat.marked, ms[10].ID)
	}
	if n := len(a.chat.msgs); n > 5000 {
		t.Errorf("%d messages loaded", n)
	}
	if off := a.msgList.GetScrollOffset(); off > a.rowHeightAt(0)*float32(i+1)*2 {
		t.Errorf("the chat is scrolled to %v, far below the result (row %d)", off, i)
	}
}

// The search covers every chat with "All chats" ticked, or when opened
// with Ctrl+Shift+F (or with no chat open): each result names its chat,
// and picking one opens that chat at it.
func TestSearchingAllChats(t *testing.T) {
	const bob, carol = "bob@example.org", "carol@example.net"
	s := &fakeSearcher{fakeBackend: threeContacts()}
	s.history[bob] = conversation(bob, 6)
	cs := conversation(carol, 6)
	for i := range cs {
		cs[i].ID += 100
		cs[i].Time = cs[i].Time.Add(time.Hour)
	}
	cs[2].Body = "the needle in carol's chat"
	s.history[carol] = cs
	s.history[bob][3].Body = "a needle of bob's" // ours
	a, _ := newTestApp(t, s)
	selectContact(t, a, bob)
	a.showSearch()
	q := searchEntry(t, a)
	q.SetText("needle")
	q.OnSubmitted(q.Text)
	if got := strings.Join(overlayTexts(a), "\n"); !strings.Contains(got, "1 found") || strings.Contains(got, "carol's chat") {
		t.Fatalf("the chat's search shows %q", got)
	}
	test.Tap(findCheck(t, a.win, "All chats"))
	got := strings.Join(overlayTexts(a), "\n")
	for _, want := range []string{`2 found for "needle"`, "carol@example.net: the needle in carol's chat", "Bob · You: a needle of bob's"} {
		if !strings.Contains(got, want) {
			t.Errorf("all chats' search shows no %q: %q", want, got)
		}
	}
	if s.queries[len(s.queries)-1] != ": needle" {
		t.Errorf("searched %q; want every chat", s.queries)
	}
	var list *dialogList
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if l, ok := o.(*dialogList); ok {
				list = l
			}
		})
	}
	list.Select(0) // carol's, the newest
	if a.chat == nil || a.chat.peer != carol || a.chat.marked != cs[2].ID {
		t.Fatalf("picking carol's result opened %+v", a.chat)
	}

	a.shortcut(keyFindAll) // the dialog closed with the pick
	if got := strings.Join(overlayTexts(a), "\n"); !strings.Contains(got, "Search all chats") || !strings.Contains(got, "all your chats") {
		t.Errorf("Ctrl+Shift+F opens %q", got)
	}
}
