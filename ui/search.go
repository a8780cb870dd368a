package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Searcher is what a Backend that can search the history (full text)
// offers the window. Search is called off the UI goroutine.
type Searcher interface {
	// Search returns up to limit messages with peer whose text contains
	// all words of query (the last as a prefix), newest first.
	Search(ctx context.Context, peer, query string, limit int) ([]Message, error)
}

// searchLimit is how many results a search shows.
const searchLimit = 200

func (a *Pane) searcher() Searcher {
	s, _ := a.backend.(Searcher)
	return s
}

// showSearch opens the search of the open chat: a box, the results
// (newest first) as they are found.
func (a *Pane) showSearch() {
	s := a.searcher()
	if a.chat == nil || s == nil {
		return
	}
	peer := a.chat.peer
	var results []Message
	status := widget.NewLabel("Words to find in this conversation; the last may be the start of a word.")
	status.Wrapping = fyne.TextWrapWord
	list := widget.NewList(
		func() int { return len(results) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(results) {
				o.(*widget.Label).SetText(a.resultLine(peer, results[id]))
			}
		})
	query := newDialogEntry()
	query.SetPlaceHolder("Search")
	seq := 0
	query.OnSubmitted = func(q string) {
		q = strings.TrimSpace(q)
		if q == "" {
			return
		}
		seq++
		mine := seq
		status.SetText("Searching…")
		a.async(func() {
			ms, err := s.Search(a.ctx, peer, q, searchLimit)
			a.do(func() {
				if mine != seq {
					return // a newer search is on its way
				}
				switch {
				case err != nil:
					results = nil
					status.SetText(fmt.Sprintf("could not search: %v", err))
				case len(ms) == 0:
					results = nil
					status.SetText(fmt.Sprintf("Nothing found for %q.", q))
				default:
					results = ms
					more := ""
					if len(ms) == searchLimit {
						more = " (the newest; refine the words for older ones)"
					}
					status.SetText(fmt.Sprintf("%d found for %q%s:", len(ms), q, more))
				}
				list.Refresh()
				list.ScrollToTop()
			})
		})
	}
	find := widget.NewButtonWithIcon("", theme.SearchIcon(), func() { query.OnSubmitted(query.Text) })
	top := container.NewVBox(container.NewBorder(nil, nil, nil, find, query), status)
	d := dialog.NewCustom("Search "+a.chatTitle(peer), "Close", container.NewBorder(top, nil, nil, nil, list), a.win)
	d.Resize(fyne.NewSize(620, 440))
	showDialog(a.win, d, query)
	a.win.Canvas().Focus(query)
}

// resultLine is one search result: when, who, what.
func (a *Pane) resultLine(peer string, m Message) string {
	who := m.Nick
	switch {
	case m.Outgoing:
		who = "You"
	case who == "":
		who = peer
		if it := a.byJID[peer]; it != nil {
			who = it.Label()
		}
	}
	return m.Time.Local().Format("2006-01-02 15:04") + "  " + who + ": " + strings.Join(strings.Fields(m.Body), " ")
}
