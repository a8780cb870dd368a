package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// OnRemoveAccount gives the menu "Remove account…": after the user
// confirmed, remove is called off the UI goroutine with the account in
// view (it ends the session and deletes the account from the profile);
// on success its pane leaves the window.
func (s *Shell) OnRemoveAccount(remove func(account string) error) {
	s.removeAccount = remove
	s.setMenu()
}

// confirmRemoveAccount asks before removing a's account: what goes (the
// history and the saved password on this computer) and what stays (the
// account on its server).
func (s *Shell) confirmRemoveAccount(a *Pane) {
	msg := fmt.Sprintf("Remove %s from Clove?\n\nIts chat history, drafts and saved password are deleted from this computer. The account itself stays on its server: you can add it again later.", a.account)
	showConfirm(s.win, "Remove account", msg, "Remove", func(ok bool) {
		if !ok {
			return
		}
		remove := s.removeAccount
		go func() {
			err := remove(a.account)
			fyne.Do(func() {
				if err != nil {
					showError(s.win, fmt.Errorf("removing %s: %w", a.account, err), nil)
					return
				}
				s.Remove(a)
			})
		}()
	})
}

// Remove takes a's pane out of the window (its session has ended): with
// one account left it fills the window again; with none the window
// invites adding one. On the UI goroutine.
func (s *Shell) Remove(a *Pane) {
	i := -1
	for j, p := range s.apps {
		if p == a {
			i = j
		}
	}
	if i < 0 {
		return
	}
	// The account and its drafts are gone from the profile: the open
	// chat's draft is dropped, not saved again by Close (nor by the
	// Close of every pane when the window quits).
	a.chat = nil
	a.Close()
	s.apps = append(s.apps[:i], s.apps[i+1:]...)
	switch len(s.apps) {
	case 0:
		s.tabs = nil
		s.win.SetContent(s.noAccount())
	case 1:
		s.tabs = nil
		s.win.SetContent(s.apps[0].content)
	default:
		s.tabs.Remove(a.tab)
	}
	s.updateUnread()
	s.setMenu()
}

// noAccount is the window's content once the last account was removed.
func (s *Shell) noAccount() fyne.CanvasObject {
	text := widget.NewLabel("No account in this profile.")
	text.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(text)
	if s.addAccount != nil {
		add := widget.NewButtonWithIcon("Add an account…", theme.ContentAddIcon(), s.addAccount)
		add.Importance = widget.HighImportance
		box.Add(container.NewCenter(add))
	}
	return container.NewCenter(box)
}
