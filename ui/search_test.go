package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
	var out []Message
	ms := s.history[peer]
	for i := len(ms) - 1; i >= 0 && len(out) < limit; i-- {
		if strings.Contains(ms[i].Body, query) {
			out = append(out, ms[i])
		}
	}
	return out, nil
}

// overlayTexts lists the texts drawn in the window's dialogs.
func overlayTexts(a *Pane) []string {
	var out []string
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*canvas.Text); ok && x.Text != "" {
				out = append(out, x.Text)
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
	for _, want := range []string{`4 found for "message 1"`, "You: message 12", "Bob: message 11", "You: message 10", "Bob: message 1"} {
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
