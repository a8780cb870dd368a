package ui

import (
	"fmt"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Reactions (XEP-0444) in the window, as Dino shows them: under a
// message, each emoji with its count, ours highlighted; a click on one
// adds ours or takes it back, a right-click tells who (Fyne 2.7 has no
// tooltips).

// OnReactions shows a message's reactions now (peer's chat; the message
// named by its store id, or by ref). Safe from any goroutine.
func (a *Pane) OnReactions(peer string, id int64, ref string, rs []ReactionCount) {
	a.do(func() { a.setReactions(peer, id, ref, rs) })
}

func (a *Pane) setReactions(peer string, id int64, ref string, rs []ReactionCount) {
	ch := a.chat
	if ch == nil || ch.peer != peer {
		return // read from the history when that chat opens
	}
	for i := range ch.msgs {
		m := &ch.msgs[i]
		if (id != 0 && m.ID == id) || (ref != "" && m.Ref == ref) {
			m.Reactions = rs
			a.setHeights(i)
			a.msgList.RefreshItem(i)
			return
		}
	}
}

// OnMessageRef gives one of our messages (named by its Key) the id
// replies and reactions name it by from now on: a room's message is
// named by the stanza-id its copy from the room brought. Safe from any
// goroutine.
func (a *Pane) OnMessageRef(key, ref string) {
	a.do(func() {
		if ch := a.chat; ch != nil {
			for i := range ch.msgs {
				if ch.msgs[i].Key == key && key != "" {
					ch.msgs[i].Ref = ref
				}
			}
		}
	})
}

// myReactions are the emoji we reacted to m with.
func myReactions(m Message) []string {
	var out []string
	for _, r := range m.Reactions {
		if r.Mine {
			out = append(out, r.Emoji)
		}
	}
	return out
}

// toggleReaction adds our reaction e to message row id, or takes it back.
func (a *Pane) toggleReaction(id widget.ListItemID, e string) {
	ch := a.chat
	if ch == nil || id < 0 || id >= len(ch.msgs) || !a.canAnswer(ch.msgs[id]) {
		return
	}
	m := ch.msgs[id]
	mine := myReactions(m)
	if i := slices.Index(mine, e); i >= 0 {
		mine = slices.Delete(mine, i, i+1)
	} else {
		mine = append(mine, e)
	}
	a.react(ch.peer, m, mine)
}

// react sends our new set for m off the UI goroutine and shows the result.
func (a *Pane) react(peer string, m Message, emojis []string) {
	r := a.reactor()
	a.async(func() {
		rs, err := r.React(a.ctx, peer, m, emojis)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("reaction not sent: %v", err))
				return
			}
			a.notice.Hide()
			a.setReactions(peer, m.ID, m.Ref, rs)
		})
	})
}

// showReactMenu offers the quick reactions and the picker for row id,
// at pos on the window.
func (a *Pane) showReactMenu(id widget.ListItemID, pos fyne.Position) {
	ch := a.chat
	if ch == nil || id < 0 || id >= len(ch.msgs) {
		return
	}
	var pop *widget.PopUp
	// A row: each emoji in a cell of its own (a grid in a pop-up, given
	// its minimum width, would be one column).
	row := container.NewHBox()
	for _, e := range quickReactions {
		row.Add(container.NewGridWrap(emojiCell, newEmojiButton(e, func() {
			pop.Hide()
			a.toggleReaction(id, e)
		})))
	}
	more := widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), func() {
		pop.Hide()
		a.showEmojiPicker("React with", func(e string) { a.toggleReaction(id, e) })
	})
	more.Importance = widget.LowImportance
	row.Add(more)
	pop = widget.NewPopUp(row, a.win.Canvas())
	pop.ShowAtPosition(pos)
}

// reactionsView is the row of reactions under a message.
type reactionsView struct {
	box    *fyne.Container
	chips  []*reactionChip
	onTap  func(emoji string)
	onMenu func(r ReactionCount, ev *fyne.PointEvent)
}

func newReactionsView() *reactionsView {
	v := &reactionsView{box: container.NewHBox()}
	return v
}

// set shows rs (none: hidden).
func (v *reactionsView) set(rs []ReactionCount) {
	for len(v.chips) < len(rs) {
		c := newReactionChip()
		v.chips = append(v.chips, c)
		v.box.Add(c)
	}
	for i, c := range v.chips {
		if i >= len(rs) {
			c.Hide()
			continue
		}
		r := rs[i]
		c.show(r)
		c.onTap = func() {
			if v.onTap != nil {
				v.onTap(r.Emoji)
			}
		}
		c.onMenu = func(ev *fyne.PointEvent) {
			if v.onMenu != nil {
				v.onMenu(r, ev)
			}
		}
		c.Show()
	}
	v.box.Refresh()
}

// reactionChip is one emoji and its count, in a rounded box: ours in
// the selection colour with a primary border.
type reactionChip struct {
	widget.BaseWidget
	emoji  *canvas.Text // a little larger than text, as Dino draws it
	text   *canvas.Text // the count
	bg     *canvas.Rectangle
	onTap  func()
	onMenu func(*fyne.PointEvent)
}

func newReactionChip() *reactionChip {
	c := &reactionChip{
		emoji: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		text:  canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		bg:    canvas.NewRectangle(theme.Color(theme.ColorNameButton)),
	}
	c.bg.CornerRadius = 10
	c.emoji.TextSize = theme.TextSize() * 1.4
	c.ExtendBaseWidget(c)
	return c
}

func (c *reactionChip) show(r ReactionCount) {
	c.emoji.Text = r.Emoji
	c.text.Text = strconv.Itoa(max(len(r.Who), 1))
	if r.Mine {
		c.bg.FillColor = theme.Color(theme.ColorNameSelection)
		c.bg.StrokeColor = theme.Color(theme.ColorNamePrimary)
		c.bg.StrokeWidth = 1.5
	} else {
		c.bg.FillColor = theme.Color(theme.ColorNameButton)
		c.bg.StrokeWidth = 0
	}
	c.emoji.Refresh()
	c.text.Refresh()
	c.bg.Refresh()
}

func (c *reactionChip) CreateRenderer() fyne.WidgetRenderer {
	pad := theme.Padding()
	return widget.NewSimpleRenderer(container.NewStack(c.bg,
		container.New(layout.NewCustomPaddedLayout(0, 0, 2*pad, 2*pad),
			container.NewHBox(container.NewCenter(c.emoji), container.NewCenter(c.text)))))
}

func (c *reactionChip) Tapped(*fyne.PointEvent) {
	if c.onTap != nil {
		c.onTap()
	}
}

func (c *reactionChip) TappedSecondary(ev *fyne.PointEvent) {
	if c.onMenu != nil {
		c.onMenu(ev)
	}
}

// Cursor: a chip is a button.
func (c *reactionChip) Cursor() desktop.Cursor { return desktop.PointerCursor }

// showWho lists who reacted with r, at ev.
func (a *Pane) showWho(r ReactionCount, ev *fyne.PointEvent) {
	items := make([]*fyne.MenuItem, 0, len(r.Who)+1)
	for _, w := range r.Who {
		it := fyne.NewMenuItem(r.Emoji+"  "+w, nil)
		it.Disabled = true
		items = append(items, it)
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), a.win.Canvas(), ev.AbsolutePosition)
}
