package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// notifyEvery is the least time between two notifications for one chat:
// a burst (or the messages kept for us while offline) makes one.
const notifyEvery = 5 * time.Second

// watchForeground keeps a.foreground current: notifications are for
// messages that arrive while the window is in the background.
func (a *App) watchForeground() {
	a.foreground = true
	lc := a.fa.Lifecycle()
	lc.SetOnEnteredForeground(func() { a.foreground = true })
	lc.SetOnExitedForeground(func() { a.foreground = false })
}

// notify tells the desktop about an incoming message while the window is
// in the background (without a notification service it does nothing).
func (a *App) notify(m Message) {
	if m.Outgoing || m.History || a.foreground {
		return
	}
	if r := a.rooms[m.Peer]; a.isRoom(m.Peer) && (r == nil || r.nick == "" || !strings.Contains(strings.ToLower(m.Body), strings.ToLower(r.nick))) {
		return // in rooms, only messages that name us
	}
	now := time.Now()
	if last, ok := a.notified[m.Peer]; ok && now.Sub(last) < notifyEvery {
		return
	}
	a.notified[m.Peer] = now
	who := m.Peer
	if it := a.byJID[m.Peer]; it != nil {
		who = it.Label()
	}
	if m.Nick != "" {
		who = m.Nick + " in " + who
	}
	body := strings.Join(strings.Fields(m.Body), " ")
	if r := []rune(body); len(r) > 140 {
		body = string(r[:139]) + "…"
	}
	a.fa.SendNotification(fyne.NewNotification("Message from "+who, body))
}

// hasDBus reports whether a D-Bus session bus is there: the system tray
// needs one (without it Fyne's tray crashes on quit).
func hasDBus() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return true
		}
	}
	return false
}

// setupTray puts Clove in the system tray: show the window, the unread
// count, quit (added by Fyne).
func (a *App) setupTray(dbus bool) {
	desk, ok := a.fa.(desktop.App)
	if !ok || !dbus {
		return
	}
	a.trayUnread = fyne.NewMenuItem("No unread messages", nil)
	a.trayUnread.Disabled = true
	show := fyne.NewMenuItem("Show Clove", func() {
		a.win.Show()
		a.win.RequestFocus()
	})
	a.trayMenu = fyne.NewMenu("Clove", show, a.trayUnread)
	desk.SetSystemTrayMenu(a.trayMenu)
	desk.SetSystemTrayIcon(Icon())
}

// updateUnread shows the number of unread messages in the window's title
// and the tray menu.
func (a *App) updateUnread() {
	n := 0
	for _, c := range a.contacts {
		n += c.unread
	}
	title := "Clove — " + a.account
	label := "No unread messages"
	if n > 0 {
		title = fmt.Sprintf("(%d) %s", n, title)
		label = fmt.Sprintf("%d unread message%s", n, map[bool]string{true: "", false: "s"}[n == 1])
	}
	if a.win.Title() != title {
		a.win.SetTitle(title)
	}
	if a.trayMenu != nil && a.trayUnread.Label != label {
		a.trayUnread.Label = label
		a.trayMenu.Refresh()
	}
}

// Remember keeps the window's size and open chat in the app's preferences
// under key (one per profile and account) and restores them: the size
// now, the chat once the roster has loaded.
func (a *App) Remember(key string) {
	a.prefKey = key
	p := a.fa.Preferences()
	w, h := p.FloatWithFallback(key+".width", 0), p.FloatWithFallback(key+".height", 0)
	if w >= 400 && h >= 300 {
		a.win.Resize(fyne.NewSize(float32(w), float32(h)))
	}
	a.restoreChat = p.String(key + ".chat")
	a.win.SetOnClosed(a.saveWindow)
}

// saveWindow records the window's size.
func (a *App) saveWindow() {
	if a.prefKey == "" {
		return
	}
	s := a.win.Canvas().Size()
	p := a.fa.Preferences()
	p.SetFloat(a.prefKey+".width", float64(s.Width))
	p.SetFloat(a.prefKey+".height", float64(s.Height))
}

// rememberChat records the open chat ("" for none).
func (a *App) rememberChat(peer string) {
	if a.prefKey != "" {
		a.fa.Preferences().SetString(a.prefKey+".chat", peer)
	}
}

// reopenChat opens the chat that was open last time, once, if that
// contact is still there.
func (a *App) reopenChat() {
	peer := a.restoreChat
	a.restoreChat = ""
	if peer == "" || a.chat != nil || a.byJID[peer] == nil {
		return
	}
	for i, c := range a.shown {
		if c.JID == peer {
			a.roster.Select(i)
			return
		}
	}
}

// OnAddAccount gives the window a menu whose "Add an account…" calls f
// (the wizard); Fyne adds Quit to it.
func (a *App) OnAddAccount(f func()) {
	a.addAccount = f
	a.setMenu()
}

// setMenu gives the window its menu: add an account, join a room (each
// when there is someone to do it); Fyne adds Quit.
func (a *App) setMenu() {
	var items []*fyne.MenuItem
	if a.addAccount != nil {
		items = append(items, fyne.NewMenuItem("Add an account…", a.addAccount))
	}
	if a.roomBackend() != nil {
		items = append(items, fyne.NewMenuItem("Join a room…", func() { a.showJoinRoom("", "", false) }))
	}
	if len(items) > 0 {
		a.win.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu("Clove", items...)))
	}
}
