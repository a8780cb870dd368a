package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Shell is Clove's main window: every account of the profile in it, each
// account a pane (a Pane) with its roster, chats and status bar. With one
// account the pane fills the window; with several, each has a tab (its
// unread count in the tab's title), as Pidgin, Gajim and Dino keep all
// accounts in one window.
//
// The window-wide things live here, once: the title and tray with the
// unread count of all accounts, the menu, whether the window has the
// focus (for notifications), and the remembered size.
type Shell struct {
	fa   fyne.App
	win  fyne.Window
	apps []*Pane
	tabs *container.AppTabs // nil while there is one account
	// Everything below is touched on the UI goroutine only.
	foreground bool // the window has the focus
	// Client State Indication (activity.go): the timer running while the
	// window is in the background, whether the servers were told nobody
	// looks, and after how long they are.
	awayTimer     *time.Timer
	toldInactive  bool
	inactiveAfter time.Duration
	trayMenu      *fyne.Menu
	trayUnread    *fyne.MenuItem
	addAccount    func() // the menu's "Add an account…", if any
	// removeAccount, if set, removes an account from the profile (the
	// menu's "Remove account…").
	removeAccount func(account string) error
	// The Preferences' passwords: where they are kept, and forgetting them.
	passwordsWhere  func() string
	forgetPasswords func()
	prefKey         string // where the window's size is kept ("": nowhere)
	// clipboardImage reads a picture from the clipboard (nil: Ctrl+V
	// pastes text only); SetClipboardImage.
	clipboardImage ClipboardImageReader
	// do runs a function on the UI goroutine for the panes added later
	// (fyne.Do unless SetDo).
	do func(func())
}

// SetDo has the panes added from now on run their UI work through do
// instead of fyne.Do. Fyne's test driver runs fyne.Do at once on the
// calling goroutine, so a test that looks at the window while a session
// updates it gives a do that runs everything on one goroutine, as the
// real driver does.
func (s *Shell) SetDo(do func(func())) { s.do = do }

// NewShell makes the (empty) main window; Add puts accounts in it.
func NewShell(fa fyne.App) *Shell {
	s := &Shell{fa: fa, foreground: true, inactiveAfter: inactiveAfter, do: fyne.Do}
	s.win = fa.NewWindow("Clove")
	setWindowIcon(fa, s.win)
	s.win.SetContent(widget.NewLabel(""))
	s.win.Resize(fyne.NewSize(900, 600))
	s.watchActivity(fa.Lifecycle())
	s.applyTheme()
	s.addShortcuts()
	s.win.SetOnDropped(s.dropped)
	return s
}

// dropped sends files dropped anywhere on the window to the chat open in
// the pane in view, as Gajim and Dino take a file dropped on a chat.
func (s *Shell) dropped(_ fyne.Position, uris []fyne.URI) {
	if a := s.Current(); a != nil && a.sharer() != nil {
		a.dropped(uris)
	}
}

// Window is the main window.
func (s *Shell) Window() fyne.Window { return s.win }

// Add puts account's pane in the window (a tab, once there are several)
// and loads its roster in the background. On the UI goroutine.
func (s *Shell) Add(account string, b Backend) *Pane {
	a := s.add(account, b)
	a.reloadContacts()
	return a
}

func (s *Shell) add(account string, b Backend) *Pane {
	a := newPane(s, account, b)
	s.apps = append(s.apps, a)
	switch len(s.apps) {
	case 1:
		s.win.SetContent(a.content)
	case 2:
		s.tabs = container.NewAppTabs(s.apps[0].tab, a.tab)
		s.tabs.OnSelected = func(*container.TabItem) {
			s.updateUnread()
			s.setMenu()
			if a := s.Current(); a != nil {
				a.tellSeen(false) // its open chat is in view now (markers.go)
			}
		}
		s.win.SetContent(s.tabs)
	default:
		s.tabs.Append(a.tab)
	}
	s.updateUnread()
	s.setMenu()
	return a
}

// Current is the account pane in view.
func (s *Shell) Current() *Pane {
	if s.tabs != nil {
		if sel := s.tabs.Selected(); sel != nil {
			for _, a := range s.apps {
				if a.tab == sel {
					return a
				}
			}
		}
	}
	if len(s.apps) > 0 {
		return s.apps[0]
	}
	return nil
}

// Show brings account's pane into view.
func (s *Shell) Show(a *Pane) {
	if s.tabs != nil {
		s.tabs.Select(a.tab)
	}
}

// SetupTray puts Clove in the system tray: show the window, the unread
// count, quit (added by Fyne); once, and only with a D-Bus session. Call it
// after the window is shown, before the app runs (Fyne starts the tray as
// it starts running): stock Fyne creates a second, hidden GL window for the
// tray at once, which took a third of the start when done before the main
// window was shown (BenchmarkGUISideBySide, docs/benchmarks.md); the
// patched Fyne Clove builds with creates none (third_party/fyne-idle).
func (s *Shell) SetupTray() {
	desk, ok := s.fa.(desktop.App)
	if !ok || !hasDBus() || s.trayMenu != nil {
		return
	}
	s.trayUnread = fyne.NewMenuItem("No unread messages", nil)
	s.trayUnread.Disabled = true
	show := fyne.NewMenuItem("Show Clove", func() {
		s.win.Show()
		s.win.RequestFocus()
	})
	s.trayMenu = fyne.NewMenu("Clove", show, s.trayUnread)
	desk.SetSystemTrayMenu(s.trayMenu)
	desk.SetSystemTrayIcon(TrayIcon())
}

// updateUnread shows the unread messages: all accounts' in the window's
// title and the tray menu, each account's in its tab.
func (s *Shell) updateUnread() {
	total, retitled := 0, false
	for _, a := range s.apps {
		n := a.unreadCount()
		total += n
		text := a.account
		if n > 0 {
			text = fmt.Sprintf("(%d) %s", n, text)
		}
		if a.tab.Text != text {
			a.tab.Text = text
			retitled = true
		}
	}
	if retitled && s.tabs != nil {
		s.tabs.Refresh()
	}
	title := "Clove"
	if len(s.apps) == 1 {
		title += " — " + s.apps[0].account
	}
	label := "No unread messages"
	if total > 0 {
		title = fmt.Sprintf("(%d) %s", total, title)
		label = fmt.Sprintf("%d unread message%s", total, map[bool]string{true: "", false: "s"}[total == 1])
	}
	if s.win.Title() != title {
		s.win.SetTitle(title)
	}
	if s.trayMenu != nil && s.trayUnread.Label != label {
		s.trayUnread.Label = label
		s.trayMenu.Refresh()
	}
}

// Remember keeps the window's size in the app's preferences under key
// (one per profile) and restores it now.
func (s *Shell) Remember(key string) {
	s.prefKey = key
	p := s.fa.Preferences()
	w, h := p.FloatWithFallback(key+".width", 0), p.FloatWithFallback(key+".height", 0)
	if w >= 400 && h >= 300 {
		s.win.Resize(fyne.NewSize(float32(w), float32(h)))
	}
	s.win.SetOnClosed(s.saveWindow)
}

// saveWindow records the window's size.
func (s *Shell) saveWindow() {
	if s.prefKey == "" {
		return
	}
	size := s.win.Canvas().Size()
	p := s.fa.Preferences()
	p.SetFloat(s.prefKey+".width", float64(size.Width))
	p.SetFloat(s.prefKey+".height", float64(size.Height))
}

// OnAddAccount gives the window a menu whose "Add an account…" calls f
// (the wizard); Fyne adds Quit to it.
func (s *Shell) OnAddAccount(f func()) {
	s.addAccount = f
	s.setMenu()
}

// setMenu gives the window its menu: add an account, then what the
// account in view can do (named in the items once there are several
// accounts); Fyne adds Quit.
func (s *Shell) setMenu() {
	var items []*fyne.MenuItem
	if s.addAccount != nil {
		items = append(items, fyne.NewMenuItem("Add an account…", s.addAccount))
	}
	a := s.Current()
	// item is the account's item: one, or many when there are several
	// accounts ("… as alice@…"); sc, if set, its shortcut.
	item := func(one, many string, sc fyne.Shortcut, do func()) {
		label := one
		if len(s.apps) > 1 {
			label = many
		}
		it := fyne.NewMenuItem(label, do)
		it.Shortcut = sc
		items = append(items, it)
	}
	if a != nil {
		item("Message someone…", "Message someone as "+a.account+"…", keyNewChat, func() { a.showStartChat("") })
		if a.roomBackend() != nil {
			item("Join a room…", "Join a room as "+a.account+"…", nil, func() { a.showJoinRoom("", "", false) })
		}
		if a.searcher() != nil {
			item("Search all chats…", "Search all chats of "+a.account+"…", keyFindAll, func() { a.showSearchIn("") })
		}
	}
	items = append(items, fyne.NewMenuItem("Preferences…", s.ShowPreferences))
	if a != nil && a.avatarSetter() != nil {
		item("Set my avatar…", "Set the avatar of "+a.account+"…", nil, a.pickAvatar)
	}
	if a != nil && a.profiler() != nil {
		item("My profile…", "Profile of "+a.account+"…", nil, a.showMyProfile)
	}
	if a != nil && s.removeAccount != nil {
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Remove account "+a.account+"…", func() { s.confirmRemoveAccount(a) }))
	}
	if len(items) > 0 {
		s.win.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu("Clove", items...)))
	}
}
