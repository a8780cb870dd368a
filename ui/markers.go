package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"github.com/clove-xmpp/clove/msgstate"
)

// Chat markers (XEP-0333) in the window, for chats with one contact (not
// rooms), as Dino, Gajim and Conversations use them:
//
//   - a contact's marker says how far they have read our messages: the
//     one it names and every one of ours before it show "read" with two
//     checks in the accent colour (OnRead);
//   - the backend is told which of the contact's messages the user has
//     seen (Marker.Displayed): the open chat's newest one, once it is in
//     view with the window in front. That is when the chat opens at its
//     foot, when a message comes while the chat shows its foot, when the
//     window comes back in front (or the account's tab is picked), and
//     when the user scrolls down to the last message.

// prefReadMarkers: send read markers (Preferences; on unless turned off,
// as typing notifications are).
const prefReadMarkers = "pref.readMarkers"

// Marker is a Backend that tells contacts which of their messages the
// user has seen (XEP-0333 displayed markers).
type Marker interface {
	// Displayed says the user has seen m, the newest message of peer's
	// chat from the contact; the backend decides whether a marker goes
	// (the preference, the contact's client asking for it, presence
	// shared).
	Displayed(ctx context.Context, peer string, m Message)
	// SetReadMarkers turns sending read markers on or off.
	SetReadMarkers(on bool)
}

// readIcon: two checks (Material's "done all"), the mark of a message
// the contact has read.
var readIcon = fyne.NewStaticResource("done-all.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M18 7l-1.41-1.41-6.34 6.34 1.41 1.41L18 7zm4.24-1.41L11.66 16.17 7.48 12l-1.41 1.41L11.66 19l12-12-1.42-1.41zM.41 13.41L6 19l1.41-1.41L1.83 12 .41 13.41z"/></svg>`))

func (a *Pane) marker() Marker {
	m, _ := a.backend.(Marker)
	return m
}

// ReadMarkers reports whether the user wants read markers sent (the
// Preferences' "Send read markers"; on unless turned off).
func ReadMarkers(fa fyne.App) bool {
	return fa.Preferences().BoolWithFallback(prefReadMarkers, true)
}

// OnRead shows that peer has read our message key and so every one of
// ours before it (a displayed marker, XEP-0333): those of the open chat
// become Read as the rule allows (a failed one too: a later message read
// proves it arrived). A chat not open shows it when it opens (its history
// says so). Safe from any goroutine.
func (a *Pane) OnRead(peer, key string) {
	a.do(func() { a.markRead(peer, key) })
}

func (a *Pane) markRead(peer, key string) {
	ch := a.chat
	if ch == nil || ch.peer != peer || key == "" {
		return
	}
	upTo := -1
	for i := len(ch.msgs) - 1; i >= 0; i-- {
		if m := ch.msgs[i]; m.Outgoing && !m.Notice && m.Key == key {
			upTo = i
			break
		}
	}
	if upTo < 0 {
		return // not loaded (older than the page, or not shown yet)
	}
	var changed []int
	taller := -1 // the first row whose height changes (a failed one's reason goes)
	for i := 0; i <= upTo; i++ {
		m := &ch.msgs[i]
		if !m.Outgoing || m.Notice {
			continue
		}
		was := m.State
		if m.State = msgstate.Next(was, Read); m.State == was {
			continue
		}
		changed = append(changed, i)
		if was == Failed && taller < 0 {
			taller = i
		}
	}
	if taller >= 0 {
		a.setHeights(taller)
	}
	for _, i := range changed {
		a.msgList.RefreshItem(i)
	}
}

// tellSeen tells the backend (off the UI goroutine) that the user has
// seen the open chat's newest message from the contact, when they have:
// the chat is with a contact (not a room), its first page is placed, the
// window is in front showing this account, and the chat's foot is in
// view (inView: the caller knows it is; else it is measured). The
// message told is the newest of the contact's that a marker can name (not
// deleted, with a Key); each is told once, and none older than the one
// told before.
func (a *Pane) tellSeen(inView bool) {
	ch := a.chat
	mk := a.marker()
	if mk == nil || ch == nil || !ch.placed || a.isRoom(ch.peer) || !a.inForeground() {
		return
	}
	if !inView && !a.atBottom() {
		return
	}
	told := a.seenTold[ch.peer]
	for i := len(ch.msgs) - 1; i >= 0; i-- {
		m := ch.msgs[i]
		if m.Outgoing || m.Notice {
			continue
		}
		if told != "" && m.Key == told {
			return // told already, and nothing newer can be
		}
		if m.Retracted || m.Key == "" {
			continue // deleted, or without an id a marker can name
		}
		if len(a.seenTold) > 10000 {
			clear(a.seenTold) // bounded: a flood of strangers' chats
		}
		a.seenTold[ch.peer] = m.Key
		peer := ch.peer
		a.async(func() { mk.Displayed(a.ctx, peer, m) })
		return
	}
}

// OnReadElsewhere says that another device of the account has shown the
// chat with peer up to its newest message (XEP-0490): it is no longer
// unread here. Safe from any goroutine.
func (a *Pane) OnReadElsewhere(peer string) {
	a.do(func() {
		if it := a.byJID[peer]; it != nil && it.unread > 0 {
			it.unread = 0
			a.refreshContact(peer)
			a.updateUnread()
		}
	})
}
