package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// StatusSetter is what a Backend that can set the account's presence
// offers the window. SetStatus is called off the UI goroutine; it keeps
// the choice for later logins and sends it now when online.
type StatusSetter interface {
	// SetStatus: show is "" (available), "away", "xa" (not available),
	// "dnd" (do not disturb) or, with InvisibleChecker, "invisible"; text
	// is a message shown beside it.
	SetStatus(ctx context.Context, show, text string) error
}

// InvisibleChecker is offered by a StatusSetter that can also make the
// account invisible (show "invisible": contacts see it unavailable while it
// chats). CanBeInvisible says whether the server offers it, as found at
// the last login, and if not why, in a few words; it must not block (the
// menu asks on the UI goroutine).
type InvisibleChecker interface {
	CanBeInvisible() (ok bool, why string)
}

// showInvisible is the show that makes the account invisible.
const showInvisible = "invisible"

func (a *Pane) statusSetter() StatusSetter {
	s, _ := a.backend.(StatusSetter)
	return s
}

// The presences the selector offers, as desktop clients name them.
var statusChoices = []struct{ show, label string }{
	{"", "Available"},
	{"away", "Away"},
	{"xa", "Not available"},
	{"dnd", "Do not disturb"},
}

// statusShown is how much of the status message the selector shows.
const statusShown = 10

func statusLabel(show string) string {
	if show == showInvisible {
		return "Invisible"
	}
	for _, c := range statusChoices {
		if c.show == show {
			return c.label
		}
	}
	return show
}

// buildStatus makes the status bar's presence selector (nil when the
// backend cannot set one) and applies the presence chosen last time.
func (a *Pane) buildStatus() fyne.CanvasObject {
	if a.statusSetter() == nil {
		return nil
	}
	a.statusButton = widget.NewButtonWithIcon("", theme.MenuDropDownIcon(), nil)
	a.statusButton.IconPlacement = widget.ButtonIconTrailingText
	a.statusButton.Importance = widget.LowImportance
	a.statusButton.OnTapped = a.showStatusMenu
	p := a.fa.Preferences()
	a.setStatus(p.String(a.statusKey("show")), p.String(a.statusKey("text")))
	return a.statusButton
}

func (a *Pane) statusKey(what string) string { return "status." + what + "." + a.account }

// showStatusMenu opens the presence choices above the selector.
func (a *Pane) showStatusMenu() {
	var items []*fyne.MenuItem
	for _, c := range statusChoices {
		item := fyne.NewMenuItem(c.label, func() { a.setStatus(c.show, a.statusMessage) })
		item.Checked = c.show == a.statusShow
		items = append(items, item)
	}
	if ic, ok := a.statusSetter().(InvisibleChecker); ok {
		// Offered when the server can do it; otherwise shown disabled,
		// with the reason, so its absence is not a mystery.
		item := fyne.NewMenuItem("Invisible", func() { a.setStatus(showInvisible, a.statusMessage) })
		item.Checked = a.statusShow == showInvisible
		if can, why := ic.CanBeInvisible(); !can {
			item.Label = fmt.Sprintf("Invisible (%s)", why)
			item.Disabled = true
		}
		items = append(items, item)
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Status message…", a.showStatusMessage))
	m := widget.NewPopUpMenu(fyne.NewMenu("", items...), a.win.Canvas())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(a.statusButton)
	m.ShowAtPosition(pos.SubtractXY(0, m.MinSize().Height))
}

// showStatusMessage asks for the message contacts see beside the presence.
func (a *Pane) showStatusMessage() {
	entry := newDialogEntry()
	entry.SetPlaceHolder("e.g. back at 3")
	entry.SetText(a.statusMessage)
	d := dialog.NewForm("Status message", "Set", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Message", entry)},
		func(ok bool) {
			if ok {
				a.setStatus(a.statusShow, entry.Text)
			}
		}, a.win)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	showForm(a.win, d, entry)
}

// setStatus shows and sends the presence, and keeps it for the next start.
func (a *Pane) setStatus(show, text string) {
	text = strings.TrimSpace(text)
	a.statusShow, a.statusMessage = show, text
	label := statusLabel(show)
	if text != "" && show != showInvisible { // nobody sees it while invisible
		// Shortened on the button only: the status bar must fit a 420 px
		// window (contacts get the whole message, and the dialog shows it).
		shown := text
		if r := []rune(shown); len(r) > statusShown {
			shown = string(r[:statusShown-1]) + "…"
		}
		label = fmt.Sprintf("%s: %s", label, shown)
	}
	a.statusButton.SetText(label)
	p := a.fa.Preferences()
	p.SetString(a.statusKey("show"), show)
	p.SetString(a.statusKey("text"), text)
	ss := a.statusSetter()
	if !a.statusSends.put(show, text) {
		return // the sender running takes it next
	}
	a.async(func() {
		for {
			show, text, ok := a.statusSends.next()
			if !ok {
				return
			}
			if err := ss.SetStatus(a.ctx, show, text); err != nil {
				a.do(func() { a.showNotice(err.Error()) })
			}
		}
	})
}

// statusQueue hands the presences chosen to one sender at a time, the
// newest only: each send was a goroutine of its own, so the one made at
// start could reach the server after a choice made just after it (seen
// once in a fresh-machine run of TestStatusSelectorInvisible: Away chosen,
// Available sent last).
type statusQueue struct {
	mu         sync.Mutex
	show, text string
	pending    bool // show and text are still to be sent
	busy       bool // a sender is running
}

// put keeps show and text to be sent; it reports whether a sender must
// be started (none is running).
func (q *statusQueue) put(show, text string) (start bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.show, q.text, q.pending = show, text, true
	start = !q.busy
	q.busy = true
	return start
}

// next gives the sender the newest presence not sent yet, or ends it.
func (q *statusQueue) next() (show, text string, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.pending {
		q.busy = false
		return "", "", false
	}
	q.pending = false
	return q.show, q.text, true
}
