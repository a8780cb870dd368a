package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// The keyboard shortcuts desktop messengers share (Gajim, Dino): Ctrl+F
// searches the open chat, Ctrl+K goes to the contact filter (type, then
// Enter opens the first match), Ctrl+W closes the chat, Ctrl+Tab and
// Alt+Down open the next chat in the list, Ctrl+Shift+Tab and Alt+Up the
// one before, Ctrl+Q quits.
//
// Fyne hands a shortcut to the focused widget when it takes shortcuts
// (every entry does) and to the window only otherwise, so the window, the
// composer and the filter all pass these to the pane in view.

var (
	keySearch  = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	keyNewChat = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	keyFindAll = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	keyFilter  = &desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault}
	keyClose   = &desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault}
	keyQuit    = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
	keyNext    = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl}
	keyPrev    = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift}
	keyDown    = &desktop.CustomShortcut{KeyName: fyne.KeyDown, Modifier: fyne.KeyModifierAlt}
	keyUp      = &desktop.CustomShortcut{KeyName: fyne.KeyUp, Modifier: fyne.KeyModifierAlt}
)

// addShortcuts registers the shortcuts on the window, for the pane in view.
func (s *Shell) addShortcuts() {
	for _, sc := range []*desktop.CustomShortcut{keySearch, keyFindAll, keyNewChat, keyFilter, keyClose, keyQuit, keyNext, keyPrev, keyDown, keyUp} {
		s.win.Canvas().AddShortcut(sc, func(sc fyne.Shortcut) {
			if a := s.Current(); a != nil {
				a.shortcut(sc)
			}
		})
	}
}

// shortcut does what sc stands for; it reports whether sc is one of
// Clove's.
func (a *Pane) shortcut(sc fyne.Shortcut) bool {
	cs, ok := sc.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	is := func(k *desktop.CustomShortcut) bool { return cs.KeyName == k.KeyName && cs.Modifier == k.Modifier }
	switch {
	case is(keySearch):
		a.showSearch()
	case is(keyFindAll):
		a.showSearchIn("")
	case is(keyNewChat):
		a.showStartChat("")
	case is(keyFilter):
		a.win.Canvas().Focus(a.filter)
	case is(keyClose):
		if a.chat != nil {
			a.closeChat(a.chat.peer)
		}
	case is(keyQuit):
		a.fa.Quit()
	case is(keyNext), is(keyDown):
		a.stepChat(1)
	case is(keyPrev), is(keyUp):
		a.stepChat(-1)
	default:
		return false
	}
	return true
}

// stepChat opens the chat by (1: next, -1: previous) in the list as shown,
// wrapping around; with none open, the first or the last.
func (a *Pane) stepChat(by int) {
	n := len(a.shown)
	if n == 0 {
		return
	}
	i := -1
	if a.chat != nil {
		for j, it := range a.shown {
			if it.JID == a.chat.peer {
				i = j
			}
		}
	}
	switch {
	case i < 0 && by > 0:
		i = 0
	case i < 0:
		i = n - 1
	default:
		i = (i + by + n) % n
	}
	a.roster.Select(i)
	a.roster.ScrollTo(i)
}

// keyEntry is an entry that passes Clove's shortcuts to its pane before
// taking them itself (copy, paste, select all).
type keyEntry struct {
	widget.Entry
	pane  *Pane
	hints placeHolders // if set, the placeholder that fits is shown
}

// Resize shows the placeholder that fits the new width.
func (e *keyEntry) Resize(s fyne.Size) {
	e.hints.fit(&e.Entry, s.Width)
	e.Entry.Resize(s)
}

func newKeyEntry(a *Pane) *keyEntry {
	e := &keyEntry{pane: a}
	e.ExtendBaseWidget(e)
	return e
}

func (e *keyEntry) TypedShortcut(sc fyne.Shortcut) {
	if !e.pane.shortcut(sc) {
		e.Entry.TypedShortcut(sc)
	}
}

// filterSubmitted opens the first contact the filter shows (Enter in the
// filter: Ctrl+K, a few letters, Enter), then empties the filter so the
// whole list is back, and puts the cursor in the composer.
func (a *Pane) filterSubmitted(string) {
	if len(a.shown) == 0 {
		return
	}
	a.openChat(a.shown[0].JID)
	a.filter.SetText("") // OnChanged: the whole list, the chat selected in it
	a.win.Canvas().Focus(a.composer)
}
