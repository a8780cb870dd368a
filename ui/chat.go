package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// openChat shows the chat with peer and loads its newest messages.
func (a *App) openChat(peer string) {
	if a.chat != nil && a.chat.peer == peer {
		return
	}
	a.chat = &chatState{peer: peer, more: true}
	a.rememberChat(peer)
	if it := a.byJID[peer]; it != nil && it.unread > 0 {
		it.unread = 0
		a.refreshContact(peer)
		a.updateUnread()
	}
	a.title.SetText(a.chatTitle(peer))
	a.showSubject(peer)
	a.showChatBody(a.isRoom(peer))
	a.people.Refresh()
	a.notice.Hide()
	a.emptyPane.Hide()
	a.chatPane.Show()
	a.msgList.Refresh()
	a.loadOlder(a.async)
	a.win.Canvas().Focus(a.composer)
}

// loadOlder fetches the page of history before the oldest loaded message.
func (a *App) loadOlder(run func(func())) {
	ch := a.chat
	if ch == nil || ch.loading || !ch.more {
		return
	}
	ch.loading = true
	first := len(ch.msgs) == 0
	before := ch.oldest
	run(func() {
		ms, err := a.backend.History(a.ctx, ch.peer, before, pageSize)
		a.do(func() {
			ch.loading = false
			if a.chat != ch {
				return // the user moved on
			}
			if err != nil {
				ch.more = false
				a.showNotice(fmt.Sprintf("could not load the history: %v", err))
				return
			}
			ch.more = len(ms) == pageSize
			a.prepend(ms, first)
		})
	})
}

// prepend puts older messages above the loaded ones (skipping any already
// shown live) and keeps the view where it was.
func (a *App) prepend(ms []Message, toBottom bool) {
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
		y += a.rowHeight(ch.msgs[i]) + pad
	}
	a.msgList.ScrollToOffset(y)
}

// OnMessage shows a new message (incoming, or ours from another device).
// Safe from any goroutine.
func (a *App) OnMessage(m Message) { a.do(func() { a.addMessage(m) }) }

func (a *App) addMessage(m Message) {
	m = a.withEarlyState(m)
	if ch := a.chat; ch != nil && ch.peer == m.Peer {
		for i := range ch.msgs {
			if m.Key != "" && ch.msgs[i].Key == m.Key {
				// Already shown: a room's copy of ours says it is sent.
				if s := advance(ch.msgs[i].State, m.State); s != ch.msgs[i].State {
					ch.msgs[i].State = s
					a.msgList.RefreshItem(i)
				}
				return
			}
		}
		ch.msgs = append(ch.msgs, m)
		a.setHeights(len(ch.msgs) - 1)
		a.msgList.Refresh()
		a.msgList.ScrollToBottom()
		a.notify(m)
		return
	}
	if m.Outgoing || m.History {
		return
	}
	a.notify(m)
	it := a.byJID[m.Peer]
	if it == nil { // a stranger: list them so the message can be read
		it = &contactItem{Contact: Contact{JID: m.Peer}}
		a.byJID[m.Peer] = it
		a.contacts = append(a.contacts, it)
		a.sortContacts()
		it.unread++
		a.applyFilter()
		a.updateUnread()
		return
	}
	it.unread++
	a.refreshContact(m.Peer)
	a.updateUnread()
}

// OnMessageState moves one of our messages (named by its Key) on to s:
// Sent when the server acked it, Delivered on a receipt, Failed on an
// error. Safe from any goroutine.
func (a *App) OnMessageState(key string, s MsgState) {
	a.do(func() {
		if ch := a.chat; ch != nil {
			for i := range ch.msgs {
				if ch.msgs[i].Key == key {
					ch.msgs[i].State = advance(ch.msgs[i].State, s)
					a.msgList.RefreshItem(i)
					return
				}
			}
		}
		// Not shown (yet): the ack may beat Send's return to the window.
		if len(a.early) > 1000 {
			clear(a.early)
		}
		a.early[key] = advance(a.early[key], s)
	})
}

func (a *App) withEarlyState(m Message) Message {
	if s, ok := a.early[m.Key]; ok && m.Key != "" {
		m.State = advance(m.State, s)
		delete(a.early, m.Key)
	}
	return m
}

// advance applies the store's rules: Sent only after Queued, Delivered
// after anything outgoing, Failed unless Delivered.
func advance(cur, next MsgState) MsgState {
	switch next {
	case Sent:
		if cur == Queued || cur == Received {
			return Sent
		}
	case Delivered:
		return Delivered
	case Failed:
		if cur != Delivered {
			return Failed
		}
	case Queued:
		if cur == Received {
			return Queued
		}
	}
	return cur
}

// send is the composer's action: the message is queued by the backend (off
// the UI goroutine) and shown as soon as it is durable.
func (a *App) send(text string) {
	ch := a.chat
	if ch == nil || strings.TrimSpace(text) == "" {
		return
	}
	a.composer.SetText("")
	send := a.backend.Send
	if a.isRoom(ch.peer) {
		send = a.roomBackend().SendGroup
	}
	a.async(func() {
		m, err := send(a.ctx, ch.peer, text)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("not sent: %v", err))
				if a.composer.Text == "" {
					a.composer.SetText(text) // give it back to edit or retry
				}
				return
			}
			a.notice.Hide()
			a.addMessage(m)
		})
	})
}

// Message rows. Fyne lists have one row height; a row gets a taller height
// for each extra line of its body.

func (a *App) rowHeight(m Message) float32 {
	if a.rowH == 0 {
		a.rowH = newMessageRow().MinSize().Height
		a.lineH = widget.NewLabel("x\nx").MinSize().Height - widget.NewLabel("x").MinSize().Height
	}
	return a.rowH + float32(strings.Count(m.Body, "\n"))*a.lineH
}

// setHeights sets the heights of the rows from index from on.
func (a *App) setHeights(from int) {
	for i := from; i < len(a.chat.msgs); i++ {
		a.msgList.SetItemHeight(i, a.rowHeight(a.chat.msgs[i]))
	}
}

func (a *App) updateMessageRow(id widget.ListItemID, o fyne.CanvasObject) {
	ch := a.chat
	if ch == nil || id >= len(ch.msgs) {
		return
	}
	m := ch.msgs[id]
	who := m.Nick
	if who == "" {
		who = ch.peer
		if it := a.byJID[ch.peer]; it != nil {
			who = it.Label()
		}
	}
	o.(*messageRow).set(m, who)
	if id == 0 && ch.more && !ch.loading {
		// The top is in view: fetch the page before it.
		a.loadOlder(a.later)
	}
}

type messageRow struct {
	widget.BaseWidget
	who, when *canvas.Text
	state     *canvas.Text
	icon      *widget.Icon
	body      *widget.Label
	content   fyne.CanvasObject
}

func newMessageRow() *messageRow {
	small := theme.CaptionTextSize()
	r := &messageRow{
		who:   canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		when:  canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		state: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		icon:  widget.NewIcon(nil),
		body:  widget.NewLabel(""),
	}
	r.who.TextStyle = fyne.TextStyle{Bold: true}
	r.who.TextSize, r.when.TextSize, r.state.TextSize = small, small, small
	r.body.Truncation = fyne.TextTruncateEllipsis
	icon := container.NewGridWrap(fyne.NewSquareSize(small+2), r.icon)
	pad := theme.Padding()
	head := container.New(layout.NewCustomPaddedLayout(pad, 0, 2*pad, 2*pad),
		container.NewHBox(r.who, r.when, layout.NewSpacer(), icon, r.state))
	r.content = container.NewBorder(head, nil, nil, nil, r.body)
	r.ExtendBaseWidget(r)
	return r
}

func (r *messageRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

func (r *messageRow) set(m Message, peerLabel string) {
	if m.Outgoing {
		r.who.Text = "You"
		r.who.Color = theme.Color(theme.ColorNamePrimary)
	} else {
		r.who.Text = peerLabel
		r.who.Color = theme.Color(theme.ColorNameForeground)
	}
	r.who.Refresh()
	r.when.Text = ""
	if !m.Time.IsZero() {
		r.when.Text = m.Time.Local().Format("2006-01-02 15:04")
	}
	r.when.Refresh()
	r.body.SetText(m.Body)
	if !m.Outgoing {
		r.icon.Hide()
		r.state.Hide()
		return
	}
	r.state.Text = m.State.String()
	r.state.Color = theme.Color(theme.ColorNamePlaceHolder)
	var res fyne.Resource
	switch m.State {
	case Queued:
		res = theme.HistoryIcon()
	case Sent:
		res = theme.ConfirmIcon()
	case Delivered:
		res = theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case Failed:
		res = theme.NewErrorThemedResource(theme.ErrorIcon())
		r.state.Color = theme.Color(theme.ColorNameError)
	}
	r.icon.SetResource(res)
	r.icon.Show()
	r.state.Show()
	r.state.Refresh()
}
