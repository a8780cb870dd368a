package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Blocker is what a Backend that can block offers the window (XEP-0191:
// the server drops what a blocked address sends). Its methods are called
// off the UI goroutine and may block.
type Blocker interface {
	Block(ctx context.Context, jid string) error
	Unblock(ctx context.Context, jid string) error
	// Blocked lists the blocked addresses.
	Blocked(ctx context.Context) ([]string, error)
}

func (a *Pane) blocker() Blocker {
	b, _ := a.backend.(Blocker)
	return b
}

// OnBlocklist reloads who is blocked (the account's blocklist changed,
// here or on another device). Safe from any goroutine.
func (a *Pane) OnBlocklist() { a.do(a.loadBlocked) }

// loadBlocked asks the server for the blocklist and shows it.
func (a *Pane) loadBlocked() {
	b := a.blocker()
	if b == nil {
		return
	}
	a.async(func() {
		list, err := b.Blocked(a.ctx)
		if err != nil {
			return // offline, or a server without blocking: nothing shown as blocked
		}
		a.do(func() {
			a.blocked = map[string]bool{}
			for _, j := range list {
				a.blocked[j] = true
			}
			a.roster.Refresh()
			a.updateBlockTools()
		})
	})
}

// showContactMenu is a roster row's right-click menu: open, then what
// peerMenuItems offers.
func (a *Pane) showContactMenu(jid string, at fyne.Position) {
	it := a.byJID[jid]
	if it == nil {
		return
	}
	open := fyne.NewMenuItem("Open chat", func() { a.selectChat(jid) })
	if it.Room {
		open.Label = "Open room"
	}
	items := append([]*fyne.MenuItem{open, fyne.NewMenuItemSeparator()}, a.peerMenuItems(jid)...)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), a.win.Canvas(), at)
}

// peerMenuItems is what can be done with a roster entry, in its
// right-click menu and, for a contact, in its chat's ⋮ menu: rename,
// remove or add, block or unblock, the profile and the keys, copy the
// address (a room: copy, register a nickname, leave).
func (a *Pane) peerMenuItems(jid string) []*fyne.MenuItem {
	it := a.byJID[jid]
	if it == nil {
		return nil
	}
	var items []*fyne.MenuItem
	if ed := a.editor(); ed != nil && !it.Room {
		if it.Stranger {
			items = append(items, fyne.NewMenuItem("Add to contacts…", func() { a.showAddContact(jid, "") }))
		} else {
			items = append(items,
				fyne.NewMenuItem("Rename…", func() { a.showRename(jid, it.Name) }),
				fyne.NewMenuItem("Remove…", func() { a.confirmRemovePeer(jid) }))
		}
	}
	if a.blocker() != nil && !it.Room {
		if a.blocked[jid] {
			items = append(items, fyne.NewMenuItem("Unblock", func() { a.setBlocked(jid, false) }))
		} else {
			items = append(items, fyne.NewMenuItem("Block…", func() { a.confirmBlock(jid) }))
		}
	}
	if a.profiler() != nil && !it.Room {
		items = append(items, fyne.NewMenuItem("Profile…", func() { a.showProfile(jid) }))
	}
	if a.encryptor() != nil && !it.Room {
		items = append(items, fyne.NewMenuItem("Encryption keys…", func() { a.showEncryption(jid) }))
	}
	items = append(items, fyne.NewMenuItem("Copy address", func() {
		a.fa.Clipboard().SetContent(jid)
	}))
	if it.Room && a.roomRegisterBackend() != nil {
		items = append(items, fyne.NewMenuItem("Register nickname…", func() { a.showRegisterNick(jid, a.room(jid).nick) }))
	}
	if it.Room && a.roomBackend() != nil {
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Leave room…", func() {
			a.selectChat(jid)
			a.confirmLeave()
		}))
	}
	if a.chatDeleter() != nil {
		if !it.Room {
			items = append(items, fyne.NewMenuItemSeparator())
		}
		items = append(items, fyne.NewMenuItem("Delete history…", func() { a.confirmDeleteChat(jid) }))
	}
	return items
}

// selectChat opens jid's chat the way a click on its roster row does.
func (a *Pane) selectChat(jid string) {
	for i, it := range a.shown {
		if it.JID == jid {
			a.roster.Select(i)
			return
		}
	}
	// Not listed (filtered out, or a chat with someone not in the
	// contacts): no other contact stays highlighted.
	a.roster.UnselectAll()
	a.openChat(jid)
}

// confirmBlock asks before blocking jid: what it means, in a sentence.
func (a *Pane) confirmBlock(jid string) {
	showConfirm(a.win, "Block "+jid, fmt.Sprintf("Block %s? Your server drops their messages and presence, and they see you offline. The chat history is kept; you can unblock them later.", jid), "Block",
		func(ok bool) {
			if ok {
				a.setBlocked(jid, true)
			}
		})
}

// setBlocked blocks or unblocks jid; the roster shows it once the server
// took it.
func (a *Pane) setBlocked(jid string, block bool) {
	b := a.blocker()
	a.async(func() {
		var err error
		if block {
			err = b.Block(a.ctx, jid)
		} else {
			err = b.Unblock(a.ctx, jid)
		}
		a.do(func() {
			if err != nil {
				showError(a.win, err, nil)
				return
			}
			if a.blocked == nil {
				a.blocked = map[string]bool{}
			}
			if block {
				a.blocked[jid] = true
			} else {
				delete(a.blocked, jid)
			}
			a.roster.Refresh()
			a.updateBlockTools()
		})
	})
}

// updateBlockTools shows Block or Unblock in the header of an open chat
// with someone who is not a contact (a stranger is who one blocks first).
func (a *Pane) updateBlockTools() {
	if a.blockButton == nil {
		return
	}
	if a.chat == nil {
		return
	}
	label := "Block"
	if a.blocked[a.chat.peer] {
		label = "Unblock"
	}
	a.toolLabels[a.blockButton] = label
	if !a.compact { // a narrow header shows the icon alone
		a.blockButton.SetText(label)
	}
}
