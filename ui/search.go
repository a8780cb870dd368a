package ui

import (
	"context"
	"fmt"
	"strings"
	"unicode"

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
	status := widget.NewLabel("Words to find in this conversation; the last may be the start of a word. Pick a result to see it in the chat.")
	status.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	var words []string // the query's words, for marking them in the results
	list := newDialogList(
		func() int { return len(results) },
		func() fyne.CanvasObject {
			r := widget.NewRichText()
			r.Truncation = fyne.TextTruncateEllipsis
			return r
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(results) {
				r := o.(*widget.RichText)
				r.Segments = a.resultSegments(peer, results[id], words)
				r.Refresh()
			}
		})
	// A result opens where it was said: the chat scrolls to it.
	list.OnSelected = func(id widget.ListItemID) {
		list.UnselectAll()
		if id < len(results) {
			d.Hide()
			a.jumpTo(peer, results[id].ID)
		}
	}
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
		words = strings.Fields(strings.ToLower(q))
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
	find := newDialogButton("", func() { query.OnSubmitted(query.Text) })
	find.SetIcon(theme.SearchIcon())
	top := container.NewVBox(container.NewBorder(nil, nil, nil, find, query), status)
	d = dialog.NewCustom("Search "+a.chatTitle(peer), "Close", container.NewBorder(top, nil, nil, nil, list), a.win)
	d.Resize(fyne.NewSize(620, 440))
	showDialog(a.win, d, query)
	a.win.Canvas().Focus(query)
}

// resultSegments is one search result: when, who, and the words around
// the first match, the matching words in bold (a long message shows the
// part that matched, not its first line).
func (a *Pane) resultSegments(peer string, m Message, words []string) []widget.RichTextSegment {
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
	segs := []widget.RichTextSegment{&widget.TextSegment{
		Text:  m.Time.Local().Format("2006-01-02 15:04") + "  " + who + ": ",
		Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePlaceHolder},
	}}
	body := strings.Fields(displayText(m))
	first := -1
	for i, w := range body {
		if matchesWord(w, words) {
			first = i
			break
		}
	}
	// Up to four words of context before the first match.
	if from := first - 4; from > 0 {
		body = body[from:]
		segs = append(segs, &widget.TextSegment{Text: "…", Style: widget.RichTextStyleInline})
	}
	var plain []string
	flush := func() {
		if len(plain) > 0 {
			segs = append(segs, &widget.TextSegment{Text: strings.Join(plain, " ") + " ", Style: widget.RichTextStyleInline})
			plain = nil
		}
	}
	for _, w := range body {
		if matchesWord(w, words) {
			flush()
			segs = append(segs, &widget.TextSegment{Text: w + " ", Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}}})
			continue
		}
		plain = append(plain, w)
	}
	flush()
	return segs
}

// matchesWord reports whether a word of a message is one the search
// asked for: it starts with one of words (the search's last word is a
// prefix; marking the others by prefix too shows "messages" for
// "message", as the full-text index's stemming-free match does not,
// which errs on the side of showing).
func matchesWord(w string, words []string) bool {
	w = strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	if w == "" {
		return false
	}
	for _, q := range words {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// jumpTo shows the message with store id in peer's chat: it opens the
// chat, loads older pages until the message is there (bounded by what the
// history holds), scrolls to it and marks it.
func (a *Pane) jumpTo(peer string, id int64) {
	a.openChat(peer)
	ch := a.chat
	var seek func()
	seek = func() {
		if a.chat != ch {
			return // the user moved on
		}
		for i, m := range ch.msgs {
			if m.ID == id {
				ch.marked = id
				a.msgList.RefreshItem(i)
				a.msgList.ScrollTo(i)
				return
			}
		}
		if !ch.more {
			a.showNotice("That message is no longer in the history.")
			return
		}
		a.loadOlderThen(a.async, jumpPage, seek)
	}
	if ch.loading {
		ch.afterLoad = append(ch.afterLoad, seek)
		return
	}
	seek()
}

// jumpPage is how many older messages a jump to a search result loads at
// a time: a result 10,000 messages back is five fetches.
const jumpPage = 2000
