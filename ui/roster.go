package ui

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// rosterRow is one chat: presence dot, avatar, name over the newest
// message (or the draft) and its time, unread badge.
type rosterRow struct {
	widget.BaseWidget
	dot       *canvas.Circle
	avatar    *avatarView
	name      *widget.Label
	preview   *widget.RichText // the newest message, or "Draft: …"
	when      *widget.RichText // the newest message's time
	lines     *fyne.Container  // name over preview and time
	count     *canvas.Text
	badge     *fyne.Container
	content   fyne.CanvasObject
	clickable // a click opens the row's chat; a right click its menu
}

// clickable makes a list row take clicks itself: tap for a click (which
// selects the row), menu for a right click, where it was made. Fyne's
// window gives a click to the deepest object that takes any kind of
// click: once the row takes right clicks, the list item around it no
// longer sees the left ones (fyne's test driver does not show this; the
// real window under Xvfb did), so the row must take both.
type clickable struct {
	menu func(at fyne.Position)
	tap  func()
}

func (r *clickable) TappedSecondary(e *fyne.PointEvent) {
	if r.menu != nil {
		r.menu(e.AbsolutePosition)
	}
}

func (r *clickable) Tapped(*fyne.PointEvent) {
	if r.tap != nil {
		r.tap()
	}
}

func newRosterRow() *rosterRow {
	r := &rosterRow{
		dot:    canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		avatar: newAvatarView(),
		name:   widget.NewLabel(""),
		count:  canvas.NewText("", theme.Color(theme.ColorNameForegroundOnPrimary)),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.count.TextStyle = fyne.TextStyle{Bold: true}
	r.count.TextSize = theme.CaptionTextSize()
	bg := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bg.CornerRadius = 8
	r.badge = container.NewStack(bg, container.NewPadded(container.NewCenter(r.count)))
	r.badge.Hide()
	r.preview, r.when = smallText(), smallText()
	r.preview.Truncation = fyne.TextTruncateEllipsis
	r.lines = container.New(&rowLines{r.name, r.preview, r.when}, r.name, r.preview, r.when)
	r.content = container.NewBorder(nil, nil, container.NewHBox(dotBox(r.dot), container.NewCenter(r.avatar.content)), container.NewCenter(r.badge), r.lines)
	r.ExtendBaseWidget(r)
	return r
}

// smallText is a row's second line: caption-sized, in the hint colour.
func smallText() *widget.RichText {
	return widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText, Inline: true,
	}})
}

// setSmall sets a smallText's text and colour. It reports whether
// anything changed.
func setSmall(t *widget.RichText, text string, color fyne.ThemeColorName) bool {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Text == text && seg.Style.ColorName == color {
		return false
	}
	seg.Text, seg.Style.ColorName = text, color
	t.Refresh()
	return true
}

// setPreview shows the row's second line: text and its time ("": none,
// the name alone, centred), coloured by its kind.
func (r *rosterRow) setPreview(text, when string, kind previewKind) {
	color := theme.ColorNamePlaceHolder
	switch kind {
	case previewDraft:
		color = theme.ColorNameWarning
	case previewTyping:
		color = theme.ColorNamePrimary
	}
	changed := setSmall(r.preview, text, color)
	if setSmall(r.when, when, theme.ColorNamePlaceHolder) || changed {
		r.lines.Refresh() // shown or hidden, the time's width: laid out again
	}
}

// rowLines lays a row's name over its second line (the preview, its time
// at the right), the lines' paddings shared; with no preview the name
// is centred in the row. Every row has the height of two lines, as in
// Dino's and Gajim's chat lists.
type rowLines struct {
	name          *widget.Label
	preview, when *widget.RichText
}

func (l *rowLines) MinSize([]fyne.CanvasObject) fyne.Size {
	n, p := l.name.MinSize(), l.preview.MinSize()
	return fyne.NewSize(n.Width, n.Height+p.Height-2*theme.InnerPadding())
}

func (l *rowLines) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	nh := l.name.MinSize().Height
	if l.preview.String() == "" {
		l.preview.Hide()
		l.when.Hide()
		l.name.Move(fyne.NewPos(0, (size.Height-nh)/2))
		l.name.Resize(fyne.NewSize(size.Width, nh))
		return
	}
	l.preview.Show()
	l.when.Show()
	pad := theme.InnerPadding()
	l.name.Move(fyne.NewPos(0, 0))
	l.name.Resize(fyne.NewSize(size.Width, nh))
	y := nh - 2*pad
	ww := float32(0)
	if l.when.String() != "" {
		ww = l.when.MinSize().Width
	}
	if size.Width < 2*ww { // a narrow list: the words, not the time
		ww = 0
		l.when.Hide()
	}
	ph := size.Height - y
	l.when.Move(fyne.NewPos(size.Width-ww, y))
	l.when.Resize(fyne.NewSize(ww, ph))
	l.preview.Move(fyne.NewPos(0, y))
	l.preview.Resize(fyne.NewSize(max(size.Width-ww+pad, 0), ph))
}

func (r *rosterRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

// set shows contact c with presence p (grey while the account is offline,
// whatever c's last known presence); a blocked contact says so.
func (r *rosterRow) set(c *contactItem, p Presence, blocked bool) {
	switch {
	case c.Room:
		r.name.SetText("# " + c.Label())
	case blocked:
		r.name.SetText(c.Label() + " (blocked)")
		p = Unavailable
	default:
		r.name.SetText(c.Label())
	}
	r.dot.FillColor = presenceColor(p)
	r.dot.Refresh()
	if c.unread == 0 {
		r.badge.Hide()
		return
	}
	r.count.Text = strconv.Itoa(c.unread)
	r.count.Refresh()
	r.badge.Show()
}

func presenceColor(p Presence) color.Color {
	switch p {
	case Available:
		return theme.Color(theme.ColorNameSuccess)
	case Away:
		return theme.Color(theme.ColorNameWarning)
	case Busy:
		return theme.Color(theme.ColorNameError)
	}
	return theme.Color(theme.ColorNameDisabled)
}
