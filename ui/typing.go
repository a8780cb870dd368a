package ui

import (
	"time"

	"fyne.io/fyne/v2"
)

// Chat states (XEP-0085) in the window, as Gajim and Dino show them: the
// open chat's header says "typing…" while the contact composes, "stopped
// typing" for a few seconds when they pause, and nothing once they left
// (inactive, gone), went on (active) or their message came.

// prefTyping: send typing notifications (Preferences; on unless turned off).
const prefTyping = "pref.typing"

// Typist is a Backend that sends chat states. Its methods do not block
// (they may be called on the UI goroutine).
type Typist interface {
	// Typing: the user changed the text of the chat with peer.
	Typing(peer string)
	// LeftChat: the user left the chat with peer (left) or emptied its
	// composer (not left) after typing there.
	LeftChat(peer string, left bool)
	// SetTypingNotifications turns sending chat states on or off.
	SetTypingNotifications(on bool)
}

// pausedShown is how long "stopped typing" stays; composingShown how long
// "typing…" stays without news (a contact whose client went away
// without a word).
const (
	pausedShown    = 8 * time.Second
	composingShown = 60 * time.Second
)

func (a *Pane) typist() Typist {
	t, _ := a.backend.(Typist)
	return t
}

// TypingNotifications reports whether the user wants chat states sent.
func TypingNotifications(fa fyne.App) bool {
	return fa.Preferences().BoolWithFallback(prefTyping, true)
}

// userTyped: the user changed the composer's text.
func (a *Pane) userTyped() {
	t := a.typist()
	if t == nil || a.chat == nil || a.isRoom(a.chat.peer) || !TypingNotifications(a.fa) {
		return
	}
	peer := a.chat.peer
	if a.composer.Text == "" {
		if a.typingIn == peer {
			t.LeftChat(peer, false)
		}
		a.typingIn = ""
		return
	}
	a.typingIn = peer
	t.Typing(peer)
}

// leftChat: the open chat is left (another opened, or closed).
func (a *Pane) leftChat() {
	if a.editing != nil {
		a.endEdit()
		a.composer.SetText("")
	}
	if a.typingIn == "" {
		return
	}
	if t := a.typist(); t != nil {
		t.LeftChat(a.typingIn, true)
	}
	a.typingIn = ""
}

// OnChatState shows peer's chat state. Safe from any goroutine.
func (a *Pane) OnChatState(peer, state string) {
	a.do(func() {
		if len(a.theirStates) > 10000 {
			clear(a.theirStates) // bounded: a flood of strangers' states
			for _, t := range a.rowTyping {
				t.Stop()
			}
			clear(a.rowTyping)
		}
		a.theirStates[peer] = state
		if a.chat != nil && a.chat.peer == peer {
			a.showTheirState()
		}
		a.showRowState(peer, state)
	})
}

// showRowState shows "typing…" in peer's row while they compose: for
// composingShown without news, as the open chat's header does (a
// contact whose client went away without a word stops "typing").
func (a *Pane) showRowState(peer, state string) {
	if t := a.rowTyping[peer]; t != nil {
		t.Stop()
		delete(a.rowTyping, peer)
	}
	if state == "composing" {
		var t *time.Timer
		t = time.AfterFunc(composingShown, func() {
			if a.ctx.Err() != nil {
				return
			}
			a.do(func() {
				if a.rowTyping[peer] != t {
					return // newer news
				}
				delete(a.rowTyping, peer)
				if a.theirStates[peer] == "composing" && (a.chat == nil || a.chat.peer != peer) {
					delete(a.theirStates, peer)
				}
				a.refreshContact(peer)
			})
		})
		a.rowTyping[peer] = t
	}
	a.refreshContact(peer)
}

// theyStopped forgets peer's typing (their message came).
func (a *Pane) theyStopped(peer string) {
	if _, ok := a.theirStates[peer]; !ok {
		return
	}
	delete(a.theirStates, peer)
	if a.chat != nil && a.chat.peer == peer {
		a.showTheirState()
	}
	a.showRowState(peer, "")
}

// showTheirState shows the open chat's contact's state in its header.
func (a *Pane) showTheirState() {
	if a.typingClear != nil {
		a.typingClear.Stop()
		a.typingClear = nil
	}
	text, keep := "", time.Duration(0)
	if a.chat != nil {
		who := a.chat.peer
		if it := a.byJID[who]; it != nil {
			who = it.Label()
		}
		switch a.theirStates[a.chat.peer] {
		case "composing":
			text, keep = who+" is typing…", composingShown
		case "paused":
			text, keep = who+" stopped typing", pausedShown
		}
	}
	if text == "" {
		a.typingLabel.Hide()
		return
	}
	a.typingLabel.SetText(text)
	a.typingLabel.Show()
	peer, state := a.chat.peer, a.theirStates[a.chat.peer]
	a.typingClear = time.AfterFunc(keep, func() {
		a.do(func() {
			if a.theirStates[peer] == state {
				delete(a.theirStates, peer)
				if a.chat != nil && a.chat.peer == peer {
					a.showTheirState()
				}
			}
		})
	})
}
