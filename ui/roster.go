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

// rosterRow is one contact: presence dot, name, unread badge.
type rosterRow struct {
	widget.BaseWidget
	dot     *canvas.Circle
	avatar  *avatarView
	name    *widget.Label
	count   *canvas.Text
	badge   *fyne.Container
	content fyne.CanvasObject
	menu    func(at fyne.Position) // the row's right-click menu
	tap     func()                 // a click: the row's chat opens
}

// TappedSecondary opens the row's menu (a right click) where it was
// clicked.
func (r *rosterRow) TappedSecondary(e *fyne.PointEvent) {
	if r.menu != nil {
		r.menu(e.AbsolutePosition)
	}
}

// Tapped selects the row. Fyne's window gives a click to the deepest
// object that takes any kind of click: once the row takes right clicks,
// the list item around it no longer sees the left ones (fyne's test
// driver does not show this; the real window under Xvfb did).
func (r *rosterRow) Tapped(*fyne.PointEvent) {
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
	r.content = container.NewBorder(nil, nil, container.NewHBox(dotBox(r.dot), container.NewCenter(r.avatar.content)), container.NewCenter(r.badge), r.name)
	r.ExtendBaseWidget(r)
	return r
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
