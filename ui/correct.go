package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Last message correction (XEP-0308) in the window, as in Gajim, Dino and
// Conversations: Up in an empty composer takes the chat's last message of
// ours (text, not a file) into the composer with a line above it saying
// so; Enter sends the correction, Escape cancels. The message then shows
// its new text and "(edited)", as does a contact's corrected message.

// Corrector is a Backend that corrects our messages.
type Corrector interface {
	// Correct replaces the text of our message key (its Key) to peer
	// with text, and returns the message as it now is.
	Correct(ctx context.Context, peer, key, text string) (Message, error)
}

// editState is the message being corrected.
type editState struct {
	peer, key string
}

func (a *Pane) corrector() Corrector {
	c, _ := a.backend.(Corrector)
	return c
}

func (a *Pane) newEditBar() *fyne.Container {
	label := widget.NewLabelWithStyle("Editing your message — Enter sends the correction, Escape cancels", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	cancel := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { a.cancelEdit() })
	cancel.Importance = widget.LowImportance
	bar := container.NewBorder(nil, nil, widget.NewIcon(theme.DocumentCreateIcon()), cancel, label)
	bar.Hide()
	return bar
}

// editLast starts editing the open chat's last message of ours.
func (a *Pane) editLast() {
	ch := a.chat
	if ch == nil || a.corrector() == nil || a.isRoom(ch.peer) {
		return
	}
	for i := len(ch.msgs) - 1; i >= 0; i-- {
		m := ch.msgs[i]
		if !m.Outgoing || m.Notice {
			continue
		}
		// A deleted one too: XEP-0308 corrects the last message alone,
		// so the one before it is not taken instead (as in Gajim).
		if m.File != nil || m.Key == "" || m.State == Failed || m.Retracted {
			return // the last of ours cannot be corrected
		}
		a.editing = &editState{peer: ch.peer, key: m.Key}
		a.editBar.Show()
		a.composer.SetText(m.Body)
		// The cursor at the end, as Gajim puts it. Fyne's rows are the
		// wrapped lines as shown: select all, then Right, which puts the
		// cursor at the selection's end wherever that is on screen.
		a.composer.Entry.TypedShortcut(&fyne.ShortcutSelectAll{})
		a.composer.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
		return
	}
}

// cancelEdit ends an edit without sending (Escape); false when there was
// none (Escape goes on to whatever else takes it).
func (a *Pane) cancelEdit() bool {
	if a.editing == nil {
		return false
	}
	a.endEdit()
	a.composer.SetText("")
	return true
}

func (a *Pane) endEdit() {
	a.editing = nil
	a.editBar.Hide()
}

// correct sends text as the correction of ed's message, and shows it.
func (a *Pane) correct(ed *editState, text string) {
	c := a.corrector()
	a.async(func() {
		m, err := c.Correct(a.ctx, ed.peer, ed.key, text)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("not corrected: %v", err))
				return
			}
			a.notice.Hide()
			a.showCorrection(ed.peer, ed.key, m.Body)
		})
	})
}

// OnCorrection shows that the message key with peer now reads body (a
// correction of ours from another device, or of the contact's). Safe
// from any goroutine.
func (a *Pane) OnCorrection(peer, key, body string) {
	a.do(func() {
		if peer != "" {
			a.theyStopped(peer)
		}
		a.showCorrection(peer, key, body)
	})
}

func (a *Pane) showCorrection(peer, key, body string) {
	a.correctPreview(peer, key, body)
	ch := a.chat
	if ch == nil || ch.peer != peer {
		return // read from the history when the chat opens
	}
	for i := range ch.msgs {
		if ch.msgs[i].Key == key {
			ch.msgs[i].Body, ch.msgs[i].Edited = body, true
			a.setHeights(i)
			a.msgList.RefreshItem(i)
			a.refreshRepliesTo(ch.msgs[i].Ref) // their quote shows the new words
			return
		}
	}
}
