package ui

import (
	"context"
	"strings"
	"time"
)

// Previewer gives each chat's newest message, for the line under each
// name in the chat list (as Dino's and Gajim's chat lists show it).
type Previewer interface {
	// LastMessages returns the newest message of each chat.
	LastMessages(ctx context.Context) ([]Message, error)
}

// lastLine is what a chat's row says of its newest message.
type lastLine struct {
	text string    // one line: "You: see you", "bob: hi", "File: a.png"
	at   time.Time // the message's time
	// What words a correction of it (key) or names it deleted (key, ref,
	// id): not the whole Message, as 1,000 chats keep one each.
	key, ref, nick string
	id             int64
	out            bool
}

// previewRunes bounds the kept text: the row cuts it to its width anyway,
// and a pasted 5,000-character message need not be kept twice.
const previewRunes = 120

// lastLineOf words m for its chat's row.
func (a *Pane) lastLineOf(m Message) lastLine {
	// A file by its name (its body is the URL, key and all).
	text, action := shownBody(Message{Body: displayText(m)}, a.senderName(m))
	switch {
	case m.Retracted:
		text = retractedPreview
	case action:
	case m.Outgoing:
		text = "You: " + text
	case m.Nick != "":
		text = m.Nick + ": " + text
	}
	return lastLine{text: oneLine(text, previewRunes), at: m.Time, key: m.Key, ref: m.Ref, id: m.ID, nick: m.Nick, out: m.Outgoing}
}

// correctPreview rewords peer's row when the message corrected (key) is
// the one it shows.
func (a *Pane) correctPreview(peer, key, body string) {
	l, ok := a.lasts[peer]
	if !ok || key == "" || l.key != key {
		return
	}
	// A file's message is not corrected (its body is the URL).
	a.lasts[peer] = a.lastLineOf(Message{Key: key, ID: l.id, Peer: peer, Nick: l.nick, Outgoing: l.out, Body: body, Time: l.at})
	a.refreshContact(peer)
}

// retractPreview rewords peer's row when the message deleted (its Key
// key or its store id) is the one it shows.
func (a *Pane) retractPreview(peer, key string, id int64) {
	l, ok := a.lasts[peer]
	if !ok || !(key != "" && (l.key == key || l.ref == key) || id != 0 && l.id == id) {
		return
	}
	a.lasts[peer] = a.lastLineOf(Message{Key: l.key, Ref: l.ref, ID: l.id, Peer: peer, Nick: l.nick, Outgoing: l.out, Time: l.at, Retracted: true})
	a.refreshContact(peer)
}

// oneLine joins text's lines and cuts it to at most n runes, "…" last.
func oneLine(text string, n int) string {
	return shorten(strings.Join(strings.Fields(text), " "), n)
}

// notePreview makes m its chat's newest message, and redraws the chat's
// row. A room's history replayed on joining counts only where it is newer
// than the message shown: give or take a second, as a delay stamp
// (XEP-0203) has whole seconds where our own copy has nanoseconds (an
// offline message stamped 14:04:05 came after ours of 14:04:05.4, and a
// plain time comparison kept ours).
func (a *Pane) notePreview(m Message) {
	if m.Notice || m.Peer == "" {
		return
	}
	if l, ok := a.lasts[m.Peer]; ok && m.History && m.Time.Add(time.Second).Before(l.at) {
		return
	}
	a.lasts[m.Peer] = a.lastLineOf(m)
	if a.recentFirst() && len(a.shown) > 0 && a.shown[0].JID != m.Peer {
		a.sortContacts() // the chat moves to the top
		a.applyFilter()
		return
	}
	a.refreshContact(m.Peer)
}

// loadPreviews reads every chat's newest message once, after the first
// roster: the rows show them as they come.
func (a *Pane) loadPreviews() {
	pv, ok := a.backend.(Previewer)
	if !ok || a.previewsLoaded {
		return
	}
	a.previewsLoaded = true
	a.redrawAtMidnight()
	a.async(func() {
		ms, err := pv.LastMessages(a.ctx)
		a.do(func() {
			if err != nil {
				a.showNotice("could not read the chats' last messages: " + err.Error())
				return
			}
			for _, m := range ms {
				if _, ok := a.lasts[m.Peer]; !ok { // one that came meanwhile is newer
					a.lasts[m.Peer] = a.lastLineOf(m)
				}
			}
			if a.recentFirst() {
				a.sortContacts()
				a.applyFilter()
				return
			}
			a.roster.Refresh()
		})
	})
}

// redrawAtMidnight redraws the chat list when the day changes: "14:04"
// becomes "Yesterday". One timer a day, stopped with the pane.
func (a *Pane) redrawAtMidnight() {
	now := time.Now()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, time.Local)
	var unhook func() bool
	t := time.AfterFunc(next.Sub(now), func() {
		unhook() // each day's timer its own hook, not one more a day
		if a.ctx.Err() == nil {
			a.do(func() {
				a.roster.Refresh()
				a.redrawAtMidnight()
			})
		}
	})
	unhook = context.AfterFunc(a.ctx, func() { t.Stop() })
}

// previewKind says how a row's second line is drawn.
type previewKind int

const (
	previewMessage previewKind = iota // the newest message, in the hint colour
	previewDraft                      // "Draft: …", in the warning colour
	previewTyping                     // "typing…", in the accent colour
)

// rowPreview is the second line of peer's row: "typing…" or the draft
// (when its chat is not the open one: there the header and the composer
// say it), else its newest message; and that message's time.
func (a *Pane) rowPreview(peer string, now time.Time) (text, when string, kind previewKind) {
	open := a.chat != nil && a.chat.peer == peer
	if a.theirStates[peer] == "composing" && !open {
		return "typing…", "", previewTyping
	}
	if d := a.drafts[peer]; d != "" && !open {
		return "Draft: " + oneLine(d, previewRunes), "", previewDraft
	}
	l, ok := a.lasts[peer]
	if !ok {
		return "", "", previewMessage
	}
	return l.text, shortTime(l.at, now), previewMessage
}

// shortTime is a chat list's time: the hour today, "Yesterday", the
// weekday within the week, the date before.
func shortTime(t, now time.Time) string {
	if t.IsZero() {
		return "" // not known
	}
	t = t.Local()
	switch days := daysBefore(t, now); {
	case days <= 0:
		return t.Format("15:04")
	case days == 1:
		return "Yesterday"
	case days < 7:
		return t.Format("Mon")
	case t.Year() == now.Year():
		return t.Format("2 Jan")
	default:
		return t.Format("2 Jan 2006")
	}
}
