package ui

import (
	"context"
	"fmt"
	"sort"
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
	// Search returns up to limit messages with peer (every chat's when
	// peer is "") whose text contains all words of query (the last as a
	// prefix), newest first.
	Search(ctx context.Context, peer, query string, limit int) ([]Message, error)
}

// searchLimit is how many results a search shows.
const searchLimit = 200

func (a *Pane) searcher() Searcher {
	s, _ := a.backend.(Searcher)
	return s
}

// showSearch opens the search of the open chat (of all chats when none
// is open): a box, the results (newest first) as they are found.
func (a *Pane) showSearch() {
	peer := ""
	if a.chat != nil {
		peer = a.chat.peer
	}
	a.showSearchIn(peer)
}

// showSearchIn opens the search of peer's chat, or of every chat ("", as
// Dino's search and Gajim's history search do); a check box in the
// dialog widens a chat's search to all.
func (a *Pane) showSearchIn(peer string) {
	s := a.searcher()
	if s == nil {
		return
	}
	chat := peer // the chat it was opened from ("": none)
	var results []Message
	hint := func() string {
		where := "this conversation"
		if peer == "" {
			where = "all your chats"
		}
		return "Words to find in " + where + "; the last may be the start of a word. Pick a result to see it in its chat."
	}
	status := widget.NewLabel(hint())
	status.Wrapping = fyne.TextWrapWord
	var body *fyne.Container
	// say shows a line above the results; the dialog lays itself out
	// again, as the hint's two lines left a gap under a one-line status.
	say := func(s string) {
		status.SetText(s)
		if body != nil {
			body.Refresh()
		}
	}
	var d dialog.Dialog
	var words []string // the query's words, for marking them in the results
	var list *dialogList
	list = newDialogList(
		func() int { return len(results) },
		func() fyne.CanvasObject {
			r := widget.NewRichText()
			r.Truncation = fyne.TextTruncateEllipsis
			return r
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(results) {
				r := o.(*widget.RichText)
				// The row's text within the list item's and its own
				// padding.
				room := list.Size().Width - 4*theme.InnerPadding()
				r.Segments = fitLine(a.resultSegments(peer == "", results[id], words), room)
				r.Refresh()
			}
		})
	// A result opens where it was said: the chat scrolls to it.
	list.OnSelected = func(id widget.ListItemID) {
		list.UnselectAll()
		if id < len(results) {
			d.Hide()
			a.jumpTo(results[id].Peer, results[id].ID)
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
		say("Searching…")
		a.async(func() {
			ms, err := s.Search(a.ctx, peer, q, searchLimit)
			a.do(func() {
				if mine != seq {
					return // a newer search is on its way
				}
				switch {
				case err != nil:
					results = nil
					say(fmt.Sprintf("could not search: %v", err))
				case len(ms) == 0:
					results = nil
					say(fmt.Sprintf("Nothing found for %q.", q))
				default:
					results = ms
					more := ""
					if len(ms) == searchLimit {
						more = " (the newest; refine the words for older ones)"
					}
					say(fmt.Sprintf("%d found for %q%s:", len(ms), q, more))
				}
				list.Refresh()
				list.ScrollToTop()
			})
		})
	}
	find := newDialogButton("", func() { query.OnSubmitted(query.Text) })
	find.SetIcon(theme.SearchIcon())
	// The title names the chat searched first; the check box (and the
	// line under it) says when the search covers every chat.
	title := "Search all chats"
	if chat != "" {
		title = "Search " + a.chatTitle(chat)
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, find, query))
	if chat != "" {
		all := newDialogCheck("All chats", func(on bool) {
			peer = chat
			if on {
				peer = ""
			}
			if strings.TrimSpace(query.Text) != "" {
				query.OnSubmitted(query.Text)
			} else {
				say(hint())
			}
		})
		top.Add(all)
	}
	top.Add(status)
	body = container.NewBorder(top, nil, nil, nil, list)
	d = dialog.NewCustom(title, "Close", body, a.win)
	d.Resize(fyne.NewSize(620, 440))
	showDialog(a.win, d, query)
	a.win.Canvas().Focus(query)
}

// resultSegments is one search result: when, who, and the words around
// the first match, the matching words in bold (a long message shows the
// part that matched, not its first line).
func (a *Pane) resultSegments(inAll bool, m Message, words []string) []widget.RichTextSegment {
	chat := m.Peer
	if it := a.byJID[m.Peer]; it != nil {
		chat = it.Label()
	}
	who := m.Nick
	switch {
	case m.Outgoing:
		who = "You"
	case who == "":
		who = chat
	}
	where := ""
	if inAll && (m.Nick != "" || m.Outgoing) {
		where = chat + " · " // whose chat; a contact's own message names it already
	}
	segs := []widget.RichTextSegment{&widget.TextSegment{
		Text:  m.Time.Local().Format("2006-01-02 15:04") + "  " + where + who + ": ",
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

// fitLine cuts a line of inline text segments to width, at a word where
// it can, and ends it with "…" when it cut (Fyne's rich text truncates
// such a line without the ellipsis: it sets the flag on a segment but
// loses it when the segment joins the row, fyne 2.6). At width 0 (not
// laid out yet) it cuts nothing.
func fitLine(segs []widget.RichTextSegment, width float32) []widget.RichTextSegment {
	if width <= 0 {
		return segs
	}
	size := theme.TextSize()
	room := width - fyne.MeasureText("…", size, fyne.TextStyle{}).Width
	used := float32(0)
	for i, seg := range segs {
		ts, ok := seg.(*widget.TextSegment)
		if !ok {
			continue
		}
		w := fyne.MeasureText(ts.Text, size, ts.Style.TextStyle).Width
		if used+w <= width && (i == len(segs)-1 || used+w <= room) {
			used += w
			continue
		}
		// Cut this segment: the longest run of its words that fits (a
		// binary search: a pasted text's result is thousands of runes).
		runes := []rune(ts.Text)
		fits := func(n int) bool {
			return used+fyne.MeasureText(string(runes[:n]), size, ts.Style.TextStyle).Width <= room
		}
		var spaces []int
		for j, r := range runes {
			if r == ' ' && j > 0 {
				spaces = append(spaces, j)
			}
		}
		keep := 0
		if k := sort.Search(len(spaces), func(k int) bool { return !fits(spaces[k]) }); k > 0 {
			keep = spaces[k-1]
		} else { // not even the first word: cut within it
			keep = sort.Search(len(runes), func(n int) bool { return !fits(n + 1) })
		}
		out := append([]widget.RichTextSegment{}, segs[:i]...)
		if keep > 0 {
			cut := *ts
			cut.Text = string(runes[:keep])
			out = append(out, &cut)
		}
		return append(out, &widget.TextSegment{Text: "…", Style: widget.RichTextStyleInline})
	}
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
				a.markMessage(i)
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
