package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Replies (XEP-0461) in the window: a message's menu offers Reply; the
// composer then shows what it answers above it ("Replying to Bob: first
// words…", ✕ or Escape to cancel), and the message sent carries it. A
// reply in the chat shows a small quote of the original above its text;
// a click on the quote goes to the original when it is loaded.

// Reactor is a Backend that can answer messages and react to them.
type Reactor interface {
	// SendReply queues text for peer as a reply to m (durably, as Send).
	SendReply(ctx context.Context, peer, text string, m Message) (Message, error)
	// React sends our whole set of reactions to m (none: we take ours
	// back) and returns everyone's reactions to it now.
	React(ctx context.Context, peer string, m Message, emojis []string) ([]ReactionCount, error)
}

func (a *Pane) reactor() Reactor {
	r, _ := a.backend.(Reactor)
	return r
}

// canAnswer: m can be replied or reacted to.
func (a *Pane) canAnswer(m Message) bool {
	return a.reactor() != nil && m.Ref != "" && !m.Notice && !m.Retracted
}

// replyBar is the composer's "Replying to …" line.
type replyBar struct {
	box   *fyne.Container
	label *widget.Label
	to    *Message // the message answered (nil: none)
	peer  string   // in which chat
}

func (a *Pane) newReplyBar() *replyBar {
	b := &replyBar{label: widget.NewLabel("")}
	b.label.Truncation = fyne.TextTruncateEllipsis
	b.label.SizeName = theme.SizeNameCaptionText
	cancel := widget.NewButtonWithIcon("", theme.CancelIcon(), a.cancelReply)
	cancel.Importance = widget.LowImportance
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(3, 0))
	b.box = container.NewBorder(nil, nil, bar, cancel, b.label)
	b.box.Hide()
	return b
}

// startReply makes the next message sent in the open chat answer m.
func (a *Pane) startReply(m Message) {
	ch := a.chat
	if ch == nil {
		return
	}
	mm := m
	a.reply.to, a.reply.peer = &mm, ch.peer
	a.reply.label.SetText(fmt.Sprintf("Replying to %s: %s", a.authorLabel(ch.peer, m), quoteLine(m)))
	a.reply.box.Show()
	a.bottom.Refresh()
	a.win.Canvas().Focus(a.composer)
}

// cancelReply drops the reply being written (the text stays).
func (a *Pane) cancelReply() {
	if a.reply == nil || a.reply.to == nil {
		return
	}
	a.reply.to = nil
	a.reply.box.Hide()
	a.bottom.Refresh()
}

// replyingTo is the message the open chat's next message answers, or nil.
func (a *Pane) replyingTo(peer string) *Message {
	if a.reply == nil || a.reply.to == nil || a.reply.peer != peer {
		return nil
	}
	return a.reply.to
}

// authorLabel names m's author as the chat shows it.
func (a *Pane) authorLabel(peer string, m Message) string {
	switch {
	case m.Outgoing:
		return "yourself"
	case m.Nick != "":
		return m.Nick
	}
	if it := a.byJID[peer]; it != nil {
		return it.Label()
	}
	return peer
}

// quoteLine is m's first words on one line, as a quote shows them.
func quoteLine(m Message) string {
	text := m.Body
	if m.Retracted {
		return retractedPreview // its words are gone: not quoted from here
	}
	if m.File != nil {
		text = "📎 " + fileName(m.File)
	}
	return oneLine(text, 80)
}

// sendReplyTo queues text as a reply to m off the UI goroutine; as
// sendTo, an error is shown and the text given back.
func (a *Pane) sendReplyTo(peer, text string, m Message) {
	r := a.reactor()
	a.async(func() {
		sent, err := r.SendReply(a.ctx, peer, text, m)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("not sent: %v", err))
				if a.chat != nil && a.chat.peer == peer && a.composer.Text == "" {
					a.composer.SetText(text)
				}
				return
			}
			a.notice.Hide()
			a.addMessage(sent)
		})
	})
}

// refreshRepliesTo redraws the open chat's replies to the message ref
// (their quotes show its words).
func (a *Pane) refreshRepliesTo(ref string) {
	if ref == "" {
		return
	}
	for j, r := range a.chat.msgs {
		if r.Reply != nil && r.Reply.ID == ref {
			a.msgList.RefreshItem(j)
		}
	}
}

// quoteOf is what a reply row's quote says: the original's author and
// first words when it is loaded, else the quote the sender gave.
func (a *Pane) quoteOf(peer string, m Message) string {
	if m.Reply == nil {
		return ""
	}
	if ch := a.chat; ch != nil {
		for _, o := range ch.msgs {
			if o.Ref == m.Reply.ID {
				who := a.authorLabel(peer, o)
				if o.Outgoing {
					who = "You" // as the row's header says
				}
				return who + ": " + quoteLine(o)
			}
		}
	}
	if q := strings.Join(strings.Fields(m.Reply.Quote), " "); q != "" {
		return shorten(q, 80)
	}
	return "a message not in this history"
}

// jumpToOriginal scrolls to the message reply row id answers, and marks
// it, when it is loaded; otherwise says so.
func (a *Pane) jumpToOriginal(id widget.ListItemID) {
	ch := a.chat
	if ch == nil || id < 0 || id >= len(ch.msgs) || ch.msgs[id].Reply == nil {
		return
	}
	ref := ch.msgs[id].Reply.ID
	for i, o := range ch.msgs {
		if o.Ref == ref {
			// The mark shows on a message with a store id (one shown live
			// has none yet: scrolled to, not marked).
			a.markMessage(i)
			return
		}
	}
	a.showNotice("The message this answers is not loaded: scroll up to load older messages, or it is not in this history.")
}

// quoteView is a reply row's quote: a bar and the original's first
// words, small; a click goes to the original.
type quoteView struct {
	widget.BaseWidget
	label *widget.Label
	onTap func()
	box   fyne.CanvasObject
}

func newQuoteView() *quoteView {
	q := &quoteView{label: widget.NewLabel("")}
	q.label.Truncation = fyne.TextTruncateEllipsis
	q.label.SizeName = theme.SizeNameCaptionText
	q.label.Importance = widget.MediumImportance
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(3, 0))
	pad := theme.Padding()
	q.box = container.New(layout.NewCustomPaddedLayout(0, 0, 2*pad, 2*pad),
		container.NewBorder(nil, nil, bar, nil, q.label))
	q.ExtendBaseWidget(q)
	return q
}

func (q *quoteView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(q.box) }

func (q *quoteView) Tapped(*fyne.PointEvent) {
	if q.onTap != nil {
		q.onTap()
	}
}

// Cursor: the quote is a link to the original.
func (q *quoteView) Cursor() desktop.Cursor { return desktop.PointerCursor }
