package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/clove-xmpp/clove/msgstate"
)

// openChat shows the chat with peer and loads its newest messages.
func (a *Pane) openChat(peer string) {
	if a.chat != nil && a.chat.peer == peer {
		return
	}
	a.leftChat()
	a.keepDraft()
	if a.chat != nil {
		defer a.refreshContact(a.chat.peer) // its row shows the draft kept
	}
	a.cancelReply()    // a reply answers a message of its own chat
	a.clearSelection() // no old highlight in the next chat, nor when coming back
	unread := 0
	if it := a.byJID[peer]; it != nil {
		unread = it.unread
	}
	a.chat = &chatState{peer: peer, more: true}
	a.clearNewBelow()
	a.showDraft()
	a.rememberChat(peer)
	if it := a.byJID[peer]; it != nil && it.unread > 0 {
		it.unread = 0
		a.updateUnread()
	}
	a.refreshContact(peer) // no badge, and its draft is in the composer now
	a.title.SetText(a.chatTitle(peer))
	a.showTheirState()
	a.refreshHeaderAvatar()
	a.showSubject(peer)
	a.showChatBody(a.isRoom(peer))
	a.refreshLock()
	a.showTransfers()
	a.people.Refresh()
	a.notice.Hide()
	a.showRight(a.chatPane)
	a.msgList.Refresh()
	ch := a.chat
	a.loadOlderThen(a.async, pageSize, func() {
		a.markUnread(ch, unread)
		a.showNotes(peer)
		ch.placed = true
		a.tellSeen(false) // the newest message, if the chat shows it
	})
	a.win.Canvas().Focus(a.composer)
}

// loadOlder fetches the page of history before the oldest loaded message.
func (a *Pane) loadOlder(run func(func())) { a.loadOlderThen(run, pageSize, nil) }

// loadOlderThen fetches up to limit messages before the oldest loaded one
// and then runs then (and what waits in afterLoad) on the UI goroutine.
func (a *Pane) loadOlderThen(run func(func()), limit int, then func()) {
	ch := a.chat
	if ch == nil || ch.loading || !ch.more {
		return
	}
	if then != nil {
		ch.afterLoad = append(ch.afterLoad, then)
	}
	ch.loading = true
	first := len(ch.msgs) == 0
	before := ch.oldest
	run(func() {
		ms, err := a.backend.History(a.ctx, ch.peer, before, limit)
		a.do(func() {
			ch.loading = false
			after := ch.afterLoad
			ch.afterLoad = nil
			defer func() {
				for _, f := range after {
					f()
				}
			}()
			if a.chat != ch {
				return // the user moved on
			}
			if err != nil {
				ch.more = false
				a.showNotice(fmt.Sprintf("could not load the history: %v", err))
				return
			}
			ch.more = len(ms) == limit
			a.prepend(ms, first)
		})
	})
}

// prepend puts older messages above the loaded ones (skipping any already
// shown live) and keeps the view where it was.
func (a *Pane) prepend(ms []Message, toBottom bool) {
	ch := a.chat
	have := map[string]bool{}
	for _, m := range ch.msgs {
		if m.Key != "" {
			have[m.Key] = true
		}
	}
	older := make([]Message, 0, len(ms))
	for _, m := range ms {
		if m.Key != "" && have[m.Key] {
			continue
		}
		older = append(older, a.withEarlyState(m))
	}
	older = ch.withDropped(older)
	if len(ms) > 0 {
		ch.oldest = ms[0].ID
	}
	ch.msgs = append(older, ch.msgs...)
	a.setHeights(0)
	a.msgList.Refresh()
	if toBottom {
		a.msgList.ScrollToBottom()
		return
	}
	var y float32
	pad := a.msgList.Theme().Size(theme.SizeNamePadding)
	for i := range older {
		y += a.rowHeightAt(i) + pad
	}
	a.msgList.ScrollToOffset(y)
}

// markUnread puts a "New messages" line above the first of the last
// unread messages received in ch (as Gajim marks where reading stopped)
// and, when they are more than the chat shows, scrolls to that line
// rather than to the foot.
func (a *Pane) markUnread(ch *chatState, unread int) {
	if a.chat != ch || unread <= 0 {
		return
	}
	i := len(ch.msgs)
	for n := 0; i > 0 && n < unread; {
		i--
		if !ch.msgs[i].Outgoing && !ch.msgs[i].Notice {
			n++
		}
	}
	if i >= len(ch.msgs) || ch.msgs[i].ID == 0 {
		return
	}
	ch.unreadAt = ch.msgs[i].ID
	a.setHeights(i + 1) // from i: its row gains the line
	a.msgList.Refresh()
	var below float32
	pad := a.msgList.Theme().Size(theme.SizeNamePadding)
	for j := i; j < len(ch.msgs); j++ {
		below += a.rowHeightAt(j) + pad
	}
	if below > a.msgList.Size().Height {
		a.msgList.ScrollTo(i)
	} else {
		a.msgList.ScrollToBottom() // the line made the chat taller
	}
}

// unreadStarts reports whether row i of the open chat is the first that
// was unread when it opened.
func (a *Pane) unreadStarts(i int) bool {
	return a.chat.unreadAt != 0 && a.chat.msgs[i].ID == a.chat.unreadAt
}

// atBottom reports whether the chat shows its last message: a new one
// scrolls the chat down only then, so someone reading further up keeps
// their place (as in Gajim and Dino) and is told what came (newBelow).
func (a *Pane) atBottom() bool {
	n := min(len(a.chat.msgs), len(a.setH))
	if n == 0 {
		return true
	}
	// The list's height: its rows and the padding between them.
	pad := a.msgList.Theme().Size(theme.SizeNamePadding)
	h := -pad
	for _, rh := range a.setH[:n] {
		h += rh + pad
	}
	return a.msgList.GetScrollOffset()+a.msgList.Size().Height >= h-a.rowH/2
}

// scrollPage scrolls the chat up or down by most of its height (a line
// of the last page stays in view).
func (a *Pane) scrollPage(up bool) {
	step := a.msgList.Size().Height * 0.9
	if up {
		step = -step
	}
	a.msgList.ScrollToOffset(max(0, a.msgList.GetScrollOffset()+step))
	if !up && a.atBottom() {
		a.clearNewBelow()
		a.tellSeen(true)
	}
}

// toBottom scrolls the chat to its last message; nothing is new below.
func (a *Pane) toBottom() {
	a.msgList.ScrollToBottom()
	a.clearNewBelow()
	a.tellSeen(true)
}

// clearNewBelow hides the new-messages button: the user is at the foot,
// or in another chat.
func (a *Pane) clearNewBelow() {
	a.newCount = 0
	a.newBelow.Hide()
}

// showNewBelow shows how many messages came below what the user reads.
func (a *Pane) showNewBelow() {
	text := "1 new message"
	if a.newCount > 1 {
		text = fmt.Sprintf("%d new messages", a.newCount)
	}
	a.newBelow.SetText(text)
	a.newBelow.Show()
	a.newBelowBox.Refresh() // its new width
}

// OnMessage shows a new message (incoming, or ours from another device).
// Safe from any goroutine.
func (a *Pane) OnMessage(m Message) { a.do(func() { a.addMessage(m) }) }

func (a *Pane) addMessage(m Message) {
	m = a.withEarlyState(m)
	a.notePreview(m)
	if !m.Outgoing {
		a.theyStopped(m.Peer) // their message ends their typing
	}
	if ch := a.chat; ch != nil && ch.peer == m.Peer {
		for i := range ch.msgs {
			if m.Key != "" && ch.msgs[i].Key == m.Key {
				// Already shown: a room's copy of ours says it is sent.
				if s := msgstate.Next(ch.msgs[i].State, m.State); s != ch.msgs[i].State {
					ch.msgs[i].State = s
					a.msgList.RefreshItem(i)
				}
				return
			}
		}
		bottom := a.atBottom()
		ch.msgs = append(ch.msgs, m)
		a.setHeights(len(ch.msgs) - 1)
		if bottom {
			if cut := a.trimLoaded(ch); cut > 0 {
				a.shiftHeights(cut)
			}
		}
		a.msgList.Refresh()
		if bottom || m.Outgoing {
			a.toBottom()
		} else {
			a.newCount++
			a.showNewBelow()
		}
		a.notify(m)
		if m.Encrypted && !a.lockState.On {
			a.refreshLock() // their devices are known now
		}
		return
	}
	if m.Outgoing || m.History {
		return
	}
	a.notify(m)
	it := a.byJID[m.Peer]
	if it == nil { // a stranger: list them so the message can be read
		it = a.listStranger(m.Peer)
		it.unread++
		a.refreshContact(m.Peer)
		a.updateUnread()
		a.sayWhatToDo() // no longer "no contacts yet": there is a chat to pick
		return
	}
	it.unread++
	a.refreshContact(m.Peer)
	a.updateUnread()
}

// markMessage marks the open chat's message i (the one a jump showed),
// takes the mark off the one marked before, and scrolls to it.
func (a *Pane) markMessage(i int) {
	ch := a.chat
	old := ch.marked
	ch.marked = ch.msgs[i].ID
	if old != 0 && old != ch.marked {
		for j := range ch.msgs {
			if ch.msgs[j].ID == old {
				a.msgList.RefreshItem(j)
			}
		}
	}
	a.msgList.RefreshItem(i)
	a.msgList.ScrollTo(i)
}

// An open chat read at its foot keeps at most maxLoaded messages: a busy
// room left open all day would otherwise hold every message it got (~0.27
// KB each, BenchmarkBusyChatLeftOpen), and each new one is looked up among
// them. Past that, the oldest go, down to keepLoaded (five pages); they are
// in the store and come back a page at a time when the user scrolls up to
// them, as at the chat's opening. A chat scrolled up is left as it is.
// A drop costs 0.4-2.6 ms (shiftHeights; measured at load 4), once every
// 750 messages.
const (
	maxLoaded  = 1000
	keepLoaded = 5 * pageSize
)

// trimLoaded drops ch's oldest loaded messages when there are more than
// maxLoaded, and says how many (0: none). It cuts only where every message
// dropped is older (by store id) than every one kept, so that the page
// asked for before the oldest kept one brings them all back.
func (a *Pane) trimLoaded(ch *chatState) int {
	n := len(ch.msgs)
	if n <= maxLoaded || ch.loading {
		return 0
	}
	// keptMin[i]: the smallest store id from i on (0s are notices and
	// messages not stored yet: they do not order).
	keptMin := make([]int64, n+1)
	keptMin[n] = math.MaxInt64
	for i := n - 1; i >= 0; i-- {
		keptMin[i] = keptMin[i+1]
		if id := ch.msgs[i].ID; id > 0 && id < keptMin[i] {
			keptMin[i] = id
		}
	}
	var droppedMax int64
	for i := range n - keepLoaded {
		droppedMax = max(droppedMax, ch.msgs[i].ID)
	}
	for cut := n - keepLoaded; cut < n; cut++ {
		if ch.msgs[cut].ID > 0 && droppedMax < keptMin[cut] {
			// Notices are not stored: they are kept aside to come back
			// with the page of the message they were above (ch.msgs[cut]
			// at the latest, which has an id).
			var notices []Message
			for _, m := range ch.msgs[:cut] {
				if m.Notice {
					notices = append(notices, m)
				} else if m.ID > 0 && len(notices) > 0 {
					ch.dropped = append(ch.dropped, asDropped(m.ID, notices)...)
					notices = notices[:0]
				}
			}
			ch.dropped = append(ch.dropped, asDropped(ch.msgs[cut].ID, notices)...)
			ch.msgs = slices.Clone(ch.msgs[cut:]) // the dropped ones' memory goes too
			ch.oldest = keptMin[cut]
			ch.more = true
			return cut
		}
		droppedMax = max(droppedMax, ch.msgs[cut].ID)
	}
	return 0
}

// asDropped is notices, dropped from above the stored message with id above.
func asDropped(above int64, notices []Message) []droppedNotice {
	out := make([]droppedNotice, len(notices))
	for i, m := range notices {
		out[i] = droppedNotice{above, m}
	}
	return out
}

// withDropped puts back, into a page of older messages about to go above
// the loaded ones, the notices dropped from above its messages; those
// dropped from above a message still loaded go at the page's foot, and at
// the history's top (last) what is left.
func (ch *chatState) withDropped(older []Message) []Message {
	if len(ch.dropped) == 0 {
		return older
	}
	in := func(ms []Message, id int64) bool {
		return slices.ContainsFunc(ms, func(m Message) bool { return m.ID == id })
	}
	above := map[int64][]Message{}
	var foot, top, timed []Message
	kept := ch.dropped[:0]
	for _, d := range ch.dropped {
		switch {
		case d.above == 0:
			if !ch.more || len(older) > 0 && !d.m.Time.Before(older[0].Time) {
				timed = append(timed, d.m)
			} else {
				kept = append(kept, d)
			}
		case in(older, d.above):
			above[d.above] = append(above[d.above], d.m)
		case in(ch.msgs, d.above):
			foot = append(foot, d.m)
		case !ch.more:
			top = append(top, d.m)
		default:
			kept = append(kept, d)
		}
	}
	restored := len(ch.dropped) - len(kept)
	ch.dropped = kept
	if restored == 0 {
		return older
	}
	out := make([]Message, 0, len(older)+restored)
	out = append(out, top...)
	for _, m := range older {
		if m.ID > 0 {
			out = append(out, above[m.ID]...)
			delete(above, m.ID)
		}
		out = append(out, m)
	}
	out = append(out, foot...)
	for _, m := range timed {
		out = insertByTime(out, m)
	}
	return out
}

// insertByTime puts notice n into ms after the messages not later than it.
func insertByTime(ms []Message, n Message) []Message {
	i := len(ms)
	for i > 0 && ms[i-1].Time.After(n.Time) {
		i--
	}
	return slices.Insert(ms, i, n)
}

// shiftHeights tells the list its rows' heights after the first cut rows
// went: each kept row is as tall as it was cut rows further down (setH
// holds the heights by the old places), so only the new first row, whose
// row before is gone (its header, its day), is measured again. Measuring
// all of them again took ~0.2 ms a row.
func (a *Pane) shiftHeights(cut int) {
	changed := map[widget.ListItemID]float32{}
	for i := range a.chat.msgs {
		if i > 0 && i+cut < len(a.setH) {
			a.noteHeight(changed, i, a.setH[i+cut])
		} else {
			a.noteHeight(changed, i, a.rowHeightAt(i))
		}
	}
	a.msgList.setItemHeights(changed)
}

// listStranger lists someone not in the roster (who wrote, or whose
// xmpp: link was opened), with "Add to contacts" in their chat.
func (a *Pane) listStranger(jid string) *contactItem {
	it := &contactItem{Contact: Contact{JID: jid, Stranger: true}}
	a.byJID[jid] = it
	a.contacts = append(a.contacts, it)
	a.sortContacts()
	a.applyFilter()
	return it
}

// OnMessageState moves one of our messages (named by its Key) on to s:
// Sent when the server acked it, Delivered on a receipt, Failed on an
// error. Safe from any goroutine.
func (a *Pane) OnMessageState(key string, s MsgState) {
	a.do(func() { a.setState(key, s, "") })
}

// OnMessageFailed marks one of our messages (named by its Key) Failed,
// with the reason shown under it. Safe from any goroutine.
func (a *Pane) OnMessageFailed(key, reason string) {
	a.do(func() { a.setState(key, Failed, reason) })
}

func (a *Pane) setState(key string, s MsgState, reason string) {
	if ch := a.chat; ch != nil {
		for i := range ch.msgs {
			if ch.msgs[i].Key == key {
				m := &ch.msgs[i]
				was := m.State
				m.State = msgstate.Next(m.State, s)
				if m.State == Failed && reason != "" {
					m.Reason = reason
				}
				if (was == Failed) != (m.State == Failed) || reason != "" {
					a.tellHeight(i, a.rowHeightAt(i)) // the reason's line
				}
				a.msgList.RefreshItem(i)
				return
			}
		}
	}
	// Not shown (yet): the ack may beat Send's return to the window.
	if len(a.early) > 1000 {
		clear(a.early)
		clear(a.earlyWhy)
	}
	a.early[key] = msgstate.Next(a.early[key], s)
	if reason != "" {
		a.earlyWhy[key] = reason
	}
}

func (a *Pane) withEarlyState(m Message) Message {
	if s, ok := a.early[m.Key]; ok && m.Key != "" {
		m.State = msgstate.Next(m.State, s)
		if why := a.earlyWhy[m.Key]; why != "" && m.State == Failed {
			m.Reason = why
		}
		delete(a.early, m.Key)
		delete(a.earlyWhy, m.Key)
	}
	if a.earlyEnc[m.Key] && m.Key != "" {
		m.Encrypted = true
		delete(a.earlyEnc, m.Key)
	}
	return m
}

// send is the composer's action: the message is queued by the backend (off
// the UI goroutine) and shown as soon as it is durable.
func (a *Pane) send(text string) {
	ch := a.chat
	if ch == nil || strings.TrimSpace(text) == "" {
		return
	}
	a.typingIn = "" // the message carries <active/>
	if ed := a.editing; ed != nil && ed.peer == ch.peer {
		a.endEdit()
		a.composer.SetText("")
		a.setDraft(ch.peer, "")
		a.correct(ed, text)
		return
	}
	a.composer.SetText("")
	a.setDraft(ch.peer, "")
	if to := a.replyingTo(ch.peer); to != nil {
		m := *to
		a.cancelReply()
		a.sendReplyTo(ch.peer, text, m)
		return
	}
	a.sendTo(ch.peer, text)
}

// sendTo queues text for peer (a contact or a room) off the UI goroutine;
// on an error it is shown and the text given back to the composer.
func (a *Pane) sendTo(peer, text string) {
	send := a.backend.Send
	if a.isRoom(peer) {
		send = a.roomBackend().SendGroup
		if r := a.room(peer); r.removed && !r.joined {
			// Kept in the composer: the backend's "not in the room
			// yet" would promise a join that will not come.
			a.showNotice("not sent: you are no longer in this room; join it again first")
			a.composer.SetText(text)
			return
		}
	}
	a.async(func() {
		m, err := send(a.ctx, peer, text)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("not sent: %v", err))
				// Given back to edit or retry, in its own chat.
				if a.chat != nil && a.chat.peer == peer {
					if a.composer.Text == "" {
						a.composer.SetText(text)
					}
				} else if a.drafts[peer] == "" {
					a.setDraft(peer, text)
				}
				return
			}
			a.notice.Hide()
			a.addMessage(m)
			if a.byJID[peer] == nil && !a.isRoom(peer) {
				// The first message to someone not listed (Message
				// someone…): the chat is listed now, as a stranger's.
				a.reloadContacts()
			}
		})
	})
}

// messageTapped offers to send a failed message again (as a new message;
// the failed one stays in the history, marked failed).
func (a *Pane) messageTapped(id widget.ListItemID) {
	a.msgList.UnselectAll()
	a.clearSelection() // a click anywhere else in the chat ends a selection
	ch := a.chat
	if ch == nil || id >= len(ch.msgs) || !ch.msgs[id].Outgoing || ch.msgs[id].State != Failed || ch.msgs[id].File != nil {
		// A file is not sent again from its message: its URL may hold
		// the key of an encrypted upload (the menu's Save… keeps it).
		return
	}
	peer, m := ch.peer, ch.msgs[id]
	text := "This message could not be delivered."
	if m.Reason != "" {
		text = "This message could not be delivered: " + m.Reason + "."
	}
	showConfirm(a.win, "Not delivered", text+"\n\nSend it again?", "Send again", func(ok bool) {
		if ok {
			a.sendTo(peer, m.Body)
		}
	})
}

// Message rows. A body wraps to the list's width; Fyne lists take each
// row's height from the app (SetItemHeight), so a row's height is that of
// its body laid out at the list's width, plus the one-line row's header.

func (a *Pane) rowHeight(m Message) float32 {
	m = asShown(m)
	var h float32
	if m.File != nil {
		h = a.fileRowHeight(m)
	} else {
		h = a.bodyRowHeight(m)
	}
	if m.Outgoing && m.State == Failed {
		h += a.whyHeight(m) // "Not delivered: …" under the body
	}
	if m.Reply != nil {
		h += a.quoteH
	}
	if len(m.Reactions) > 0 {
		h += a.reactH
	}
	return h
}

// whyHeight is the height of the reason under failed message m, wrapped
// to the list's width (a server's reason can be a long sentence).
func (a *Pane) whyHeight(m Message) float32 {
	if a.listW <= 0 {
		return a.whyH
	}
	if a.measureWhy == nil {
		a.measureWhy = newWhyLabel()
	}
	if a.measureWhy.Size().Width != a.listW {
		a.measureWhy.Resize(fyne.NewSize(a.listW, a.whyH))
	}
	a.measureWhy.SetText(whyText(m))
	return a.measureWhy.MinSize().Height
}

// whyText is what a failed message of ours says under it.
func whyText(m Message) string {
	text := "Not delivered"
	if m.Reason != "" {
		text += ": " + m.Reason
	}
	if m.File != nil {
		return text + " — send the file again"
	}
	return text + " — click to retry"
}

// newWhyLabel is the label of a failed message's reason: small, in the
// error colour, wrapped.
func newWhyLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.SizeName = theme.SizeNameCaptionText
	return l
}

func (a *Pane) bodyRowHeight(m Message) float32 {
	a.rowMetrics()
	if a.listW <= 0 {
		// Not laid out yet: sized again once it is (onListWidth).
		return a.rowH + float32(strings.Count(m.Body, "\n"))*a.lineH
	}
	body, action := m.Body, false
	if m.File == nil {
		body, action = shownBody(m, a.senderName(m))
	}
	style := fyne.TextStyle{Italic: action}
	var styles []styleBits // as the row's body styles it (msgText.set)
	if !m.Retracted {
		styles = parseStyling(body)
	}
	th := a.msgList.Theme()
	size, pad := th.Size(theme.SizeNameText), th.Size(theme.SizeNameInnerPadding)
	measure := func(i, j int) float32 { return styledWidth(body, styles, i, j, size, style) }
	if !strings.Contains(body, "\n") && measure(0, len(body))+2*pad <= a.listW {
		return a.rowH // the common case: measuring the text is cheaper than wrapping it
	}
	// Wrapped as the row's body draws it (msgText), at the list's width.
	lines := wrapText(body, a.listW-2*pad, measure)
	return a.rowH + float32(max(len(lines), 1)-1)*a.lineH
}

// rowMetrics measures, once, a plain row, the day separator, the reason
// under a failed message and a line of text.
func (a *Pane) rowMetrics() {
	if a.rowH != 0 {
		return
	}
	r := newMessageRow()
	a.rowH = r.MinSize().Height
	r.showHead(false)
	a.headH = a.rowH - r.MinSize().Height
	r.showHead(true)
	r.showDay("x", false)
	a.dayH = r.MinSize().Height - a.rowH
	r.showDay("", false)
	r.set(Message{Outgoing: true, State: Failed, Reason: "x"}, "")
	a.whyH = r.MinSize().Height - a.rowH
	_, _, a.lineH, _ = r.body.metrics()
	a.bodyH = r.body.MinSize().Height
	r.set(Message{Reply: &ReplyInfo{ID: "x"}}, "")
	r.setQuote("x")
	a.quoteH = r.MinSize().Height - a.rowH
	r.setQuote("")
	r.set(Message{Reactions: []ReactionCount{{Emoji: "👍", Who: []string{"x"}}}}, "")
	a.reactH = r.MinSize().Height - a.rowH
}

// onListWidth sizes the rows again when the message list's width changed
// (a window resize, the people list of a room shown or moved).
func (a *Pane) onListWidth(w float32) {
	if w == a.listW {
		return
	}
	a.listW = w
	if a.chat != nil && len(a.chat.msgs) > 0 {
		a.setHeights(0)
	}
}

// compactBelow is the chat header's width under which its buttons show
// their icons only, so the name keeps room (a small window).
const compactBelow = 520

// labelled records header buttons whose labels go in a narrow chat.
func (a *Pane) labelled(bs ...*widget.Button) {
	for _, b := range bs {
		a.toolLabels[b] = b.Text
	}
}

// compactTools shows the header buttons with their icons only and the
// contact's name without the address, or both in full again.
func (a *Pane) compactTools(compact bool) {
	if a.compact == compact {
		return
	}
	a.compact = compact
	// A narrow chat gives the messages the width: the people list is one
	// click away (the header's people button), as Dino keeps it.
	a.showPeople(!compact && !a.peopleHidden)
	if a.chat != nil {
		a.title.SetText(a.chatTitle(a.chat.peer))
	}
	for b, label := range a.toolLabels {
		text := label
		if compact {
			text = ""
		}
		if b.Text != text {
			b.SetText(text)
		}
	}
	a.tools.Refresh()
	a.header.Refresh() // the buttons' new widths
}

// widthWatch lays out its one object over all of its space and says when
// the width changed.
type widthWatch struct {
	onWidth func(float32)
	last    float32
}

func (l *widthWatch) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if size.Width != l.last {
		l.last = size.Width
		l.onWidth(size.Width)
	}
}

func (l *widthWatch) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) == 0 {
		return fyne.Size{}
	}
	return objs[0].MinSize()
}

// rowHeightAt is the height of row i of the open chat: its message, and
// the day above it when a new day starts there.
func (a *Pane) rowHeightAt(i int) float32 {
	a.rowMetrics() // dayH: a chat of file rows only never measured a body
	h := a.rowHeight(a.chat.msgs[i])
	if a.dayStarts(i) || a.unreadStarts(i) {
		h += a.dayH
	}
	if a.continues(i) {
		h -= a.headH
	}
	return h
}

// dayStarts reports whether message i of the open chat is the first of its
// day (among the loaded ones): a day separator goes above it.
func (a *Pane) dayStarts(i int) bool {
	ms := a.chat.msgs
	if ms[i].Time.IsZero() {
		return false
	}
	if i == 0 {
		return true
	}
	y1, m1, d1 := ms[i-1].Time.Local().Date()
	y2, m2, d2 := ms[i].Time.Local().Date()
	return y1 != y2 || m1 != m2 || d1 != d2
}

// burstGap is how long after a contact's message their next one still
// continues it (shown without its own header), as Dino groups messages.
const burstGap = 5 * time.Minute

// continues reports whether message i of the open chat goes on from the
// one before it, so its row leaves out who and when (as Gajim and Dino
// show a burst): received from the same sender within burstGap on the
// same day. Ours keep their header (it carries the message's state), and
// so do notices, /me actions, replies (the quote sits under the header),
// corrections ("edited"), files, and a message whose encryption differs
// from the one before (the lock is in the header). A deleted message
// stands alone, and so does the message after it: "This message was
// deleted" with no header would read as the sender's words, and a
// message under it without one as part of what was deleted.
func (a *Pane) continues(i int) bool {
	if i == 0 || a.dayStarts(i) || a.unreadStarts(i) {
		return false
	}
	m, p := a.chat.msgs[i], a.chat.msgs[i-1]
	switch {
	case m.Outgoing, p.Outgoing, m.Notice, p.Notice, m.Retracted, p.Retracted, m.Reply != nil, m.Edited, m.File != nil,
		m.Nick != p.Nick, m.Encrypted != p.Encrypted,
		m.Time.Before(p.Time), m.Time.Sub(p.Time) > burstGap:
		return false
	}
	_, action := shownBody(m, a.senderName(m))
	return !action
}

// dayLabel names t's day the way a chat shows it.
func dayLabel(t, now time.Time) string {
	t = t.Local()
	switch daysBefore(t, now) {
	case 0:
		return "Today"
	case 1:
		return "Yesterday"
	}
	if t.Year() == now.Year() {
		return t.Format("Monday, 2 January")
	}
	return t.Format("Monday, 2 January 2006")
}

// daysBefore counts the calendar days (local time) from t's to now's.
func daysBefore(t, now time.Time) int {
	t, now = t.Local(), now.Local()
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.Local) }
	return int(day(now).Sub(day(t)).Round(time.Hour) / (24 * time.Hour))
}

// setHeights sets the heights of the rows from index from on.
//
// Fyne's List.SetItemHeight refreshes the whole list whenever a row's
// height changes, and a row never set counts as a change; so a page put
// above 5,000 loaded rows cost 5,000 list refreshes (2.5 s for a jump to
// a search result 5,000 messages back, measured on the test driver). The
// heights told to the list are kept in setH, and only the rows whose
// height differs from it (a row never set has the template's, rowH) are
// told: in a chat of one-line messages that is the few rows with a day
// separator or a long body. Those are told at once, with one redraw
// (SetItemHeights, Clove's Fyne patch), where each SetItemHeight redrew
// the list.
func (a *Pane) setHeights(from int) {
	if from > 0 {
		from-- // a new row can change whether the one before starts a day
	}
	changed := map[widget.ListItemID]float32{}
	for i := from; i < len(a.chat.msgs); i++ {
		a.noteHeight(changed, i, a.rowHeightAt(i))
	}
	a.msgList.setItemHeights(changed)
}

// tellHeight tells the list that row i is h tall, unless setH says it
// knows.
func (a *Pane) tellHeight(i int, h float32) {
	changed := map[widget.ListItemID]float32{}
	a.noteHeight(changed, i, h)
	a.msgList.setItemHeights(changed)
}

// noteHeight puts row i's height h in changed when the list does not know
// it yet (setH), and notes it there.
func (a *Pane) noteHeight(changed map[widget.ListItemID]float32, i int, h float32) {
	for len(a.setH) <= i {
		a.setH = append(a.setH, a.rowH)
	}
	if a.setH[i] != h {
		a.setH[i] = h
		changed[i] = h
	}
}

func (a *Pane) updateMessageRow(id widget.ListItemID, o fyne.CanvasObject) {
	ch := a.chat
	if ch == nil || id >= len(ch.msgs) {
		return
	}
	if id == len(ch.msgs)-1 {
		// The list binds the rows in view: the user scrolled down to the
		// last message (a scroll binds only the rows it brings in).
		if a.newCount > 0 {
			a.clearNewBelow()
		}
		a.tellSeen(true)
	}
	m := asShown(ch.msgs[id])
	who := m.Nick
	if who == "" {
		who = ch.peer
		if it := a.byJID[ch.peer]; it != nil {
			who = it.Label()
		}
	}
	row := o.(*messageRow)
	if row.id != id && row.body == a.selected {
		a.clearSelection() // the row is reused for another message
	}
	row.id = id
	row.set(m, who)
	if text, action := shownBody(m, a.senderName(m)); m.Retracted {
		row.body.setDim(text)
	} else if action && m.File == nil {
		row.setAction(text)
	}
	row.setQuote(a.quoteOf(ch.peer, m))
	if m.File != nil {
		row.fileView().set(m.File, a.pictureFor(m), a.saved[m.File.URL])
		row.relayout() // a reused row: the picture or the note came or went
	}
	if marked := m.ID != 0 && m.ID == ch.marked; marked != row.mark.Visible() {
		row.mark.Hidden = !marked
		row.mark.Refresh()
	}
	// A room message that names us has a bar beside it, as Gajim and
	// Dino mark one.
	if named := a.namesUs(m); named != row.named {
		row.named = named
		row.mention.FillColor = color.Transparent
		if named {
			row.mention.FillColor = theme.Color(theme.ColorNamePrimary)
		}
		row.mention.Refresh()
	}
	switch day, unread := a.dayStarts(id), a.unreadStarts(id); {
	case day && unread:
		row.showDay(dayLabel(m.Time, time.Now())+" · new messages", true)
	case unread:
		row.showDay("New messages", true)
	case day:
		row.showDay(dayLabel(m.Time, time.Now()), false)
	default:
		row.showDay("", false)
	}
	row.showHead(!a.continues(id))
	if id == 0 && ch.more && !ch.loading {
		// The top is in view: fetch the page before it.
		a.loadOlder(a.later)
	}
}

type messageRow struct {
	widget.BaseWidget
	id widget.ListItemID // the message the row shows now (rows are reused)
	// onMenu: a right-click on the row, at pos on the window, with the
	// text selected in its body.
	onMenu func(id widget.ListItemID, pos fyne.Position, selected string)
	// findLinks finds the links in a body; onLink is a click on one.
	findLinks func(string) []linkSpan
	onLink    func(text string)
	onTap     func(id widget.ListItemID) // a click on the row (not on a link)
	// A file message's buttons: Load picture, Save…, a click on the picture.
	onLoadPicture, onSave, onOpenPicture func(id widget.ListItemID)

	day       *canvas.Text // the day separator, shown on a day's first message
	dayBox    fyne.CanvasObject
	head      *fyne.Container // who, when, the lock and the state; hidden on a message that continues a burst (continues)
	headLine  *fyne.Container // head's row: laid out again when who or when changes width
	who, when *canvas.Text
	lock      *widget.Icon // on an encrypted message
	state     *canvas.Text
	why       *widget.Label // under a failed message: "Not delivered: <the server's reason>"
	icon      *widget.Icon
	body      *msgText  // the body, its links drawn as links; a drag selects words
	file      *fileView // a file message's name, size, buttons and picture, in place of the body; nil until the row shows a file (fileView)
	fileSlot  *fyne.Container
	newFile   func() *fileView
	quote     *quoteView     // above a reply's body: what it answers
	reacts    *reactionsView // under the body: the reactions to it
	// onQuote: a click on the quote; onReact: a click on a reaction
	// (the emoji); onWho: a right-click on one.
	onQuote  func(id widget.ListItemID)
	onReact  func(id widget.ListItemID, emoji string)
	onWho    func(r ReactionCount, ev *fyne.PointEvent)
	whyBox   *fyne.Container
	reactBox *fyne.Container
	column   *fyne.Container   // the day, the header and the body, top to bottom
	mark     *canvas.Rectangle // behind the message a search result opened
	mention  *canvas.Rectangle // beside a room message that names us (coloured then: named)
	named    bool
	content  fyne.CanvasObject
}

func newMessageRow() *messageRow {
	small := theme.CaptionTextSize()
	r := &messageRow{
		who:   canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		when:  canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		state: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		why:   newWhyLabel(),
		icon:  widget.NewIcon(nil),
		lock:  widget.NewIcon(theme.NewThemedResource(lockIcon)),
		body:  newMsgText(),
	}
	r.lock.Hide()
	r.who.TextStyle = fyne.TextStyle{Bold: true}
	r.who.TextSize, r.when.TextSize, r.state.TextSize = small, small, small
	menu := func(ev *fyne.PointEvent) {
		if r.onMenu != nil {
			r.onMenu(r.id, ev.AbsolutePosition, r.body.SelectedText())
		}
	}
	tap := func() {
		if r.onTap != nil {
			r.onTap(r.id)
		}
	}
	r.body.onMenu, r.body.onTap = menu, tap
	r.body.onLink = func(text string) {
		if r.onLink != nil {
			r.onLink(text)
		}
	}
	icon := container.NewGridWrap(fyne.NewSquareSize(small+2), r.icon)
	lock := container.NewGridWrap(fyne.NewSquareSize(small), r.lock)
	pad := theme.Padding()
	r.headLine = container.NewHBox(r.who, r.when, lock, layout.NewSpacer(), icon, r.state)
	head := container.New(layout.NewCustomPaddedLayout(pad, 0, 2*pad, 2*pad), r.headLine)
	r.head = head
	r.day = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	r.day.TextStyle = fyne.TextStyle{Bold: true}
	r.day.TextSize = small
	r.day.Alignment = fyne.TextAlignCenter
	r.dayBox = container.New(layout.NewCustomPaddedLayout(2*pad, 0, 0, 0),
		container.NewVBox(widget.NewSeparator(), r.day))
	r.dayBox.Hide()
	r.mark = canvas.NewRectangle(theme.Color(theme.ColorNameSelection))
	r.mark.CornerRadius = theme.InputRadiusSize()
	r.mark.Hide()
	// Always laid out, coloured when it marks: a bar shown only then
	// needed the row laid out again.
	r.mention = canvas.NewRectangle(color.Transparent)
	r.mention.SetMinSize(fyne.NewSize(3, 0))
	r.whyBox = container.New(layout.NewCustomPaddedLayout(-pad, 0, 0, 0), r.why)
	r.whyBox.Hide()
	act := func(f *func(widget.ListItemID)) func() {
		return func() {
			if *f != nil {
				(*f)(r.id)
			}
		}
	}
	r.fileSlot = container.NewStack()
	r.newFile = func() *fileView {
		v := newFileView(act(&r.onLoadPicture), act(&r.onSave), act(&r.onOpenPicture))
		v.thumb.onMenu = menu
		r.fileSlot.Add(container.New(layout.NewCustomPaddedLayout(0, 0, pad, pad), v.box))
		return v
	}
	r.quote = newQuoteView()
	r.quote.onTap = func() {
		if r.onQuote != nil {
			r.onQuote(r.id)
		}
	}
	r.quote.Hide()
	r.reacts = newReactionsView()
	r.reacts.onTap = func(e string) {
		if r.onReact != nil {
			r.onReact(r.id, e)
		}
	}
	r.reacts.onMenu = func(rc ReactionCount, ev *fyne.PointEvent) {
		if r.onWho != nil {
			r.onWho(rc, ev)
		}
	}
	reactBox := container.New(layout.NewCustomPaddedLayout(0, pad, 2*pad, 2*pad), r.reacts.box)
	r.reactBox = reactBox
	reactBox.Hide()
	r.column = container.NewBorder(container.NewVBox(r.dayBox, head, r.quote), container.NewVBox(reactBox, r.whyBox), nil, nil, container.NewStack(r.body, r.fileSlot))
	// The clicks layer lies under the column: it takes the clicks on the
	// header and the reason; the body, above it, takes its own (links,
	// drags, its menu).
	r.content = container.NewStack(r.mark, container.NewBorder(nil, nil, r.mention, nil), newRowClicks(menu, tap), r.column)
	r.ExtendBaseWidget(r)
	return r
}

// rowClicks lies under a message row's column and takes the clicks that
// land outside the body: a right-click opens the message's menu, a click
// is the row's tap. Fyne's window gives a click to the topmost object that
// takes any kind of click, so this layer takes the tap too (the list row
// below never sees it).
type rowClicks struct {
	widget.BaseWidget
	secondary func(*fyne.PointEvent)
	tap       func()
}

func newRowClicks(secondary func(*fyne.PointEvent), tap func()) *rowClicks {
	s := &rowClicks{secondary: secondary, tap: tap}
	s.ExtendBaseWidget(s)
	return s
}

func (s *rowClicks) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(layout.NewSpacer())
}

func (s *rowClicks) TappedSecondary(ev *fyne.PointEvent) { s.secondary(ev) }
func (s *rowClicks) Tapped(*fyne.PointEvent)             { s.tap() }

// fileView is the row's file view, made the first time the row shows a
// file: most rows never do, and a hidden view's two buttons were still laid
// out and refreshed with the row, each time decoding their icons' SVG again
// (a third of the open of a chat, BenchmarkOpen100kChat's profile).
func (r *messageRow) fileView() *fileView {
	if r.file == nil {
		r.file = r.newFile()
	}
	return r.file
}

// showHead shows or hides the row's header (who and when).
func (r *messageRow) showHead(show bool) {
	if r.head.Visible() == show {
		return
	}
	r.head.Hidden = !show
	r.relayout()
}

// relayout lays the row out again at its size: a row reused at the same
// height keeps its layout otherwise (a day or a reason shown or hidden).
func (r *messageRow) relayout() {
	r.column.Refresh()
}

// showDay shows the day separator with text ("" hides it); new: it also
// marks where the unread messages begin (in the accent colour).
func (r *messageRow) showDay(text string, new bool) {
	if text == "" {
		if r.dayBox.Visible() {
			r.dayBox.Hide()
			r.relayout()
		}
		return
	}
	r.day.Text = text
	r.day.Color = theme.Color(theme.ColorNamePlaceHolder)
	if new {
		r.day.Color = theme.Color(theme.ColorNamePrimary)
	}
	r.day.Refresh()
	if !r.dayBox.Visible() {
		r.dayBox.Show()
		// Laid out again: a row reused at the same height keeps its layout,
		// and the day would be squeezed to nothing above a body grown into
		// its room.
		r.relayout()
	}
}

// showWhy shows, under a failed message of ours, that it was not
// delivered and why (the server's words), and how to send it again.
func (r *messageRow) showWhy(m Message) {
	if !m.Outgoing || m.State != Failed {
		if r.whyBox.Visible() {
			r.whyBox.Hide()
			r.relayout()
		}
		return
	}
	r.why.SetText(whyText(m))
	if !r.whyBox.Visible() {
		r.whyBox.Show()
		r.relayout()
	}
}

// setQuote shows a reply's quote ("": none).
func (r *messageRow) setQuote(text string) {
	if text == "" {
		if r.quote.Visible() {
			r.quote.Hide()
			r.relayout()
		}
		return
	}
	r.quote.label.SetText(text)
	if !r.quote.Visible() {
		r.quote.Show()
		r.relayout()
	}
}

// showReactions shows the reactions under the body (none: hidden).
func (r *messageRow) showReactions(rs []ReactionCount) {
	if len(rs) == 0 {
		if r.reactBox.Visible() {
			r.reactBox.Hide()
			r.relayout()
		}
		return
	}
	r.reacts.set(rs)
	if !r.reactBox.Visible() {
		r.reactBox.Show()
	}
	r.relayout()
}

// setBody shows body with its links.
func (r *messageRow) setBody(body string) {
	var links []linkSpan
	if r.findLinks != nil {
		links = r.findLinks(body)
	}
	r.body.setStyled(body, links, false)
}

// setAction shows an action ("* Bob waves", XEP-0245) in italics, with
// its links.
func (r *messageRow) setAction(text string) {
	var links []linkSpan
	if r.findLinks != nil {
		links = r.findLinks(text)
	}
	r.body.setStyled(text, links, true)
}

func (r *messageRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

func (r *messageRow) set(m Message, peerLabel string) {
	who, when := r.who.Text, r.when.Text
	defer func() {
		// A reused row keeps its header's layout: "You" drawn where
		// "Bob" was, its time over it (seen on Fyne's test driver).
		if r.who.Text != who || r.when.Text != when {
			r.headLine.Refresh()
		}
	}()
	if m.Notice {
		r.who.Text = "Clove"
		r.who.Color = theme.Color(theme.ColorNamePlaceHolder)
	} else if m.Outgoing {
		r.who.Text = "You"
		r.who.Color = theme.Color(theme.ColorNamePrimary)
	} else {
		r.who.Text = peerLabel
		r.who.Color = theme.Color(theme.ColorNameForeground)
	}
	r.who.Refresh()
	r.when.Text = ""
	if !m.Time.IsZero() {
		// The time alone, as Gajim and Dino show it: the day is the
		// separator's above the day's first message.
		r.when.Text = m.Time.Local().Format("15:04")
	}
	if m.Edited {
		r.when.Text += "  (edited)"
	}
	r.when.Refresh()
	if enc := m.Encrypted || m.File != nil && m.File.Encrypted; enc != r.lock.Visible() {
		r.lock.Hidden = !enc
		r.lock.Refresh()
	}
	if m.File != nil {
		// Never the body: a file message's is its URL, and an encrypted
		// file's URL holds its key.
		r.setBody("")
		r.body.Hide()
		r.fileView().box.Show()
	} else {
		if r.file != nil {
			r.file.box.Hide()
		}
		r.body.Show()
		r.setBody(m.Body)
	}
	r.showWhy(m)
	r.showReactions(m.Reactions)
	if !m.Outgoing || m.Notice {
		r.icon.Hide()
		r.state.Hide()
		return
	}
	r.state.Text = stateText(m.State)
	r.state.Color = theme.Color(theme.ColorNamePlaceHolder)
	var res fyne.Resource
	switch m.State {
	case Queued:
		res = theme.HistoryIcon()
	case Sent:
		res = theme.ConfirmIcon()
	case Delivered:
		res = theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case Read:
		// Two checks in the accent colour, as Dino, Gajim and
		// Conversations mark a message the contact has read.
		res = theme.NewPrimaryThemedResource(readIcon)
	case Failed:
		res = theme.NewErrorThemedResource(theme.ErrorIcon())
		r.state.Text = "failed"
		r.state.Color = theme.Color(theme.ColorNameError)
	}
	r.icon.SetResource(res)
	r.icon.Show()
	r.state.Show()
	r.state.Refresh()
}

// selectionIn is a drag beginning a selection in body: the chat has one
// selection at a time, so any other goes.
func (a *Pane) selectionIn(body *msgText) {
	if a.selected != nil && a.selected != body {
		a.selected.clearSelection()
	}
	a.selected = body
}

// clearSelection ends the chat's selection: a click elsewhere in the chat,
// another chat opened. The body gives the focus up, so that Ctrl+C finds
// nothing stale.
func (a *Pane) clearSelection() {
	t := a.selected
	if t == nil {
		return
	}
	a.selected = nil
	t.clearSelection()
	if c := a.win.Canvas(); c.Focused() == fyne.Focusable(t) {
		c.Unfocus()
	}
}

// chatList is the list of a chat's messages; a click on its empty part
// (below the last message) is onTap. Fyne's List takes the focus but not
// clicks, and a click on it reached nothing.
type chatList struct {
	widget.List
	onTap func()
}

func newChatList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *chatList {
	l := &chatList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	// No line between messages, as in Gajim and Dino: each header starts
	// a message or a burst (continues), and days have their separators.
	l.HideSeparators = true
	l.ExtendBaseWidget(l)
	return l
}

// setItemHeights tells the list many rows' heights with one redraw where
// Fyne has List.SetItemHeights (Clove's patch, third_party/fyne-idle);
// with stock Fyne (a plain go build, FYNE_IDLE=0) one SetItemHeight each,
// a redraw for each.
func (l *chatList) setItemHeights(heights map[widget.ListItemID]float32) {
	if len(heights) == 0 {
		return
	}
	if b, ok := any(&l.List).(interface {
		SetItemHeights(map[widget.ListItemID]float32)
	}); ok {
		b.SetItemHeights(heights)
		return
	}
	for id, h := range heights {
		l.SetItemHeight(id, h)
	}
}

func (l *chatList) Tapped(*fyne.PointEvent) {
	if l.onTap != nil {
		l.onTap()
	}
}
