package ui

import (
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// notifyEvery is the least time between two notifications for one chat:
// a burst (or the messages kept for us while offline) makes one.
const notifyEvery = 5 * time.Second

// inForeground reports whether the user is looking at this account: the
// window has the focus and shows its pane.
func (a *Pane) inForeground() bool {
	return a.shell.foreground && a.shell.Current() == a
}

// notify tells the desktop about an incoming message while the window is
// in the background (without a notification service it does nothing).
func (a *Pane) notify(m Message) {
	if m.Outgoing || m.History || a.inForeground() || !a.fa.Preferences().BoolWithFallback(prefNotify, defaultNotify) {
		return
	}
	if a.isRoom(m.Peer) && !a.namesUs(m) {
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
	a.fa.SendNotification(fyne.NewNotification("Message from "+who, oneLine(displayText(m), 140)))
}

// notifyText tells the desktop something that happened to us (removed
// from a room…) while the window is in the background, if notifications
// are on.
func (a *Pane) notifyText(title, text string) {
	if a.inForeground() || !a.fa.Preferences().BoolWithFallback(prefNotify, defaultNotify) {
		return
	}
	a.fa.SendNotification(fyne.NewNotification(title, oneLine(text, 140)))
}

// roomLabel is room as the contact list names it.
func (a *Pane) roomLabel(room string) string {
	if it := a.byJID[room]; it != nil {
		return it.Label()
	}
	return room
}

// namesUs reports whether m is someone else's message in a room that
// names our nickname there.
func (a *Pane) namesUs(m Message) bool {
	if m.Outgoing || m.Notice || !a.isRoom(m.Peer) {
		return false
	}
	r := a.rooms[m.Peer]
	return r != nil && mentions(m.Body, r.nick)
}

// mentions reports whether body names nick as a word, whatever the case:
// "ann:" and "@ann" do, "annual" and "joanne" do not (a nick that is also
// a word's start or end set off a notification for each such word).
func mentions(body, nick string) bool {
	if nick == "" {
		return false
	}
	b, n := strings.ToLower(body), strings.ToLower(nick)
	for from := 0; from <= len(b)-len(n); {
		i := strings.Index(b[from:], n)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(b[:i])
		after, _ := utf8.DecodeRuneInString(b[i+len(n):])
		if (i == 0 || !isWordRune(before)) && (i+len(n) == len(b) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(b[i:])
		from = i + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

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

// updateUnread shows the unread messages in the window's title, the
// account's tab and the tray menu.
func (a *Pane) updateUnread() { a.shell.updateUnread() }

// unreadCount is the account's number of unread messages.
func (a *Pane) unreadCount() int {
	n := 0
	for _, c := range a.contacts {
		n += c.unread
	}
	return n
}

// Remember keeps the account's open chat in the app's preferences under
// key (one per profile and account) and reopens it once the roster has
// loaded. (The window's size: Shell.Remember.)
func (a *Pane) Remember(key string) {
	a.prefKey = key
	a.restoreChat = a.fa.Preferences().String(key + ".chat")
}

// rememberChat records the open chat ("" for none).
func (a *Pane) rememberChat(peer string) {
	if a.prefKey != "" {
		a.fa.Preferences().SetString(a.prefKey+".chat", peer)
	}
}

// reopenChat opens the chat that was open last time, once, if that
// contact is still there.
func (a *Pane) reopenChat() {
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
