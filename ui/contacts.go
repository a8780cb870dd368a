package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// RosterEditor is what a Backend that can change the roster offers the
// window: adding and removing contacts, answering subscription requests.
// Its methods are called off the UI goroutine and may block.
type RosterEditor interface {
	// AddContact adds jid (name may be "") and asks to see its presence.
	AddContact(ctx context.Context, jid, name string) error
	// RenameContact sets the name the roster shows for jid ("": none).
	RenameContact(ctx context.Context, jid, name string) error
	// RemoveContact takes jid off the roster (and ends both subscriptions).
	RemoveContact(ctx context.Context, jid string) error
	// AnswerSubscription approves or denies jid's request to see when we
	// are online.
	AnswerSubscription(ctx context.Context, jid string, approve bool) error
}

// editor is the backend's RosterEditor, or nil.
func (a *Pane) editor() RosterEditor {
	e, _ := a.backend.(RosterEditor)
	return e
}

// OnSubscriptionRequest shows jid's request to see when we are online,
// with Accept and Deny, above the roster. Safe from any goroutine.
func (a *Pane) OnSubscriptionRequest(jid string) {
	a.do(func() { a.addRequest(jid) })
}

func (a *Pane) addRequest(jid string) {
	if a.requestRows[jid] != nil || a.editor() == nil {
		return
	}
	who := widget.NewLabel(jid)
	who.TextStyle = fyne.TextStyle{Bold: true}
	who.Truncation = fyne.TextTruncateEllipsis
	what := widget.NewLabel("asks to see when you are online")
	what.Truncation = fyne.TextTruncateEllipsis
	accept := widget.NewButton("Accept", func() { a.answerRequest(jid, true) })
	accept.Importance = widget.HighImportance
	deny := widget.NewButton("Deny", func() { a.answerRequest(jid, false) })
	row := container.NewVBox(who, what, container.NewHBox(accept, deny), widget.NewSeparator())
	a.requestRows[jid] = row
	a.requests.Add(row)
	a.requests.Show()
	a.left.Refresh() // the roster moves down to make room
}

// answerRequest sends the answer; the request stays shown until the
// server took it (an error is shown and the user may try again).
func (a *Pane) answerRequest(jid string, approve bool) {
	ed := a.editor()
	a.async(func() {
		err := ed.AnswerSubscription(a.ctx, jid, approve)
		a.do(func() {
			if err != nil {
				showError(a.win, fmt.Errorf("answering %s: %w", jid, err), nil)
				return
			}
			if row := a.requestRows[jid]; row != nil {
				a.requests.Remove(row)
				delete(a.requestRows, jid)
			}
			if len(a.requestRows) == 0 {
				a.requests.Hide()
			}
			a.left.Refresh()
			a.reloadContacts()
		})
	})
}

// showAddContact asks for an address and a name (filled with what the
// user typed before, after an error) and adds the contact.
func (a *Pane) showAddContact(jid, name string) {
	addr := newDialogEntry()
	addr.SetPlaceHolder("name@server")
	addr.SetText(jid)
	nick := newDialogEntry()
	nick.SetPlaceHolder("optional")
	nick.SetText(name)
	d := dialog.NewForm("Add a contact", "Add", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Address", addr), widget.NewFormItem("Name", nick)},
		func(ok bool) {
			if ok {
				a.addContact(addr.Text, nick.Text)
			}
		}, a.win)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	showForm(a.win, d, addr, nick)
}

// addContact adds jid; on an error the dialog comes back with what was
// typed, after the error is shown.
func (a *Pane) addContact(jid, name string) {
	ed := a.editor()
	a.async(func() {
		err := ed.AddContact(a.ctx, jid, name)
		a.do(func() {
			if err != nil {
				a.showErrorThen(err, func() { a.showAddContact(jid, name) })
				return
			}
			a.reloadContacts()
		})
	})
}

// showRename asks for a new name for the open chat's contact (filled with
// name: the current one, or what was typed before an error).
func (a *Pane) showRename(peer, name string) {
	entry := newDialogEntry()
	entry.SetPlaceHolder("empty: show the address")
	entry.SetText(name)
	d := dialog.NewForm("Rename "+peer, "Rename", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", entry)},
		func(ok bool) {
			if ok {
				a.rename(peer, strings.TrimSpace(entry.Text))
			}
		}, a.win)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	showForm(a.win, d, entry)
}

func (a *Pane) rename(peer, name string) {
	ed := a.editor()
	a.async(func() {
		err := ed.RenameContact(a.ctx, peer, name)
		a.do(func() {
			if err != nil {
				a.showErrorThen(fmt.Errorf("renaming %s: %w", peer, err), func() { a.showRename(peer, name) })
				return
			}
			if it := a.byJID[peer]; it != nil {
				it.Name = name // shown now; the roster push confirms it
				a.sortContacts()
				a.applyFilter()
				if a.chat != nil && a.chat.peer == peer {
					a.title.SetText(a.chatTitle(peer))
					a.msgList.Refresh()
				}
			}
		})
	})
}

// confirmRemovePeer asks before taking peer off the roster.
func (a *Pane) confirmRemovePeer(peer string) {
	showConfirm(a.win, "Remove contact", fmt.Sprintf("Remove %s from your contacts? You will no longer see when they are online. The chat history is kept.", peer), "Remove",
		func(ok bool) {
			if ok {
				a.removeContact(peer)
			}
		})
}

func (a *Pane) removeContact(peer string) {
	ed := a.editor()
	a.async(func() {
		err := ed.RemoveContact(a.ctx, peer)
		a.do(func() {
			if err != nil {
				showError(a.win, fmt.Errorf("removing %s: %w", peer, err), nil)
				return
			}
			a.closeChat(peer)
			a.reloadContacts()
		})
	})
}

// showErrorThen shows err and, once it is read, runs then (which brings
// back the form with what the user typed).
func (a *Pane) showErrorThen(err error, then func()) {
	showError(a.win, err, then)
}

// closeChat closes the chat with peer if it is open.
func (a *Pane) closeChat(peer string) {
	if a.chat == nil || a.chat.peer != peer {
		return
	}
	a.leftChat()
	a.keepDraft()
	a.chat = nil
	a.refreshContact(peer) // its row shows the draft kept
	a.showDraft()          // empty: no chat is open
	a.rememberChat("")
	a.roster.UnselectAll()
	a.showRight(a.emptyPane)
}

// rosterTools is the row above the roster: the filter and, when the
// backend can, buttons that add a contact (+) and join a room (#).
func (a *Pane) rosterTools() fyne.CanvasObject {
	var buttons []fyne.CanvasObject
	if a.editor() != nil {
		buttons = append(buttons, widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { a.showAddContact("", "") }))
	}
	if a.roomBackend() != nil {
		buttons = append(buttons, widget.NewButton("#", func() { a.showJoinRoom("", "", false) }))
	}
	if len(buttons) == 0 {
		return a.filter
	}
	return container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), a.filter)
}

// chatTools are the chat header's buttons: search (any chat); Add to
// contacts and Block for a stranger; People (shows or hides the occupants), Invite…,
// Request voice (a visitor) and the "⋮" menu (chatmenu.go) for a room.
// showChatBody shows the right ones.
func (a *Pane) chatTools() *fyne.Container {
	// Gathered first and put in the box at once: each Add laid the box
	// out again, making every button's renderer (icons rasterised, text
	// measured) at start although the chat side is hidden until a chat
	// opens.
	var tools []fyne.CanvasObject
	if a.searcher() != nil {
		tools = append(tools, widget.NewButtonWithIcon("", theme.SearchIcon(), a.showSearch))
	}
	if a.editor() != nil {
		add := widget.NewButtonWithIcon("Add to contacts", theme.ContentAddIcon(), func() {
			if a.chat != nil {
				a.showAddContact(a.chat.peer, "")
			}
		})
		a.strangerTools = append(a.strangerTools, add)
		a.labelled(add)
		tools = append(tools, add)
		if a.blocker() != nil {
			a.blockButton = widget.NewButtonWithIcon("Block", theme.CancelIcon(), func() {
				if a.chat == nil {
					return
				}
				if a.blocked[a.chat.peer] {
					a.setBlocked(a.chat.peer, false)
				} else {
					a.confirmBlock(a.chat.peer)
				}
			})
			a.strangerTools = append(a.strangerTools, a.blockButton)
			a.labelled(a.blockButton)
			tools = append(tools, a.blockButton)
		}
	}
	if a.roomBackend() != nil {
		// People is an icon alone (as Gajim's and Dino's occupant list
		// toggles are): the header keeps room for the address, also
		// beside Request voice.
		people := widget.NewButtonWithIcon("", theme.AccountIcon(), func() {
			shown := !a.peoplePane.Visible()
			if !a.compact {
				a.peopleHidden = !shown // kept for the wide window
			}
			a.showPeople(shown)
		})
		a.roomTools = append(a.roomTools, people)
		tools = append(tools, people)
		if a.inviteBackend() != nil {
			// Not in roomTools: hidden in a room that removed us
			// (updateRemovalTools), where an invitation would fail.
			a.inviteTool = widget.NewButtonWithIcon("Invite…", theme.MailSendIcon(), func() {
				if a.chat != nil {
					a.showInvite(a.chat.peer, "", "", false)
				}
			})
			a.labelled(a.inviteTool)
			tools = append(tools, a.inviteTool)
		}
		if a.voice = a.voiceTool(); a.voice != nil {
			a.labelled(a.voice)
			tools = append(tools, a.voice)
		}
		if a.joinAgain = a.joinAgainTool(); a.joinAgain != nil {
			a.labelled(a.joinAgain)
			tools = append(tools, a.joinAgain)
		}
	}
	// The rest (a room's nickname and leave, a contact's group chat) in
	// the ⋮ menu: see chatmenu.go.
	a.moreButton = a.chatMenuButton()
	tools = append(tools, a.moreButton)
	return container.NewHBox(tools...)
}
