package ui

import (
	"context"

	"fyne.io/fyne/v2"
)

// Message retraction (XEP-0424) in the window, as Gajim offers it:
// "Delete for everyone…" in the menu of a message of ours that went out
// asks first (what is deleted where, and that a copy already read
// or kept by a client without retraction stays), then deletes. A deleted
// message keeps its row, saying so in dim italics, as does a contact's.

// Retractor is a Backend that deletes our messages for everyone (XEP-0424).
type Retractor interface {
	// Retract asks everyone in peer's chat (a contact, or a room) to delete
	// our message m, and deletes it here.
	Retract(ctx context.Context, peer string, m Message) error
}

func (a *Pane) retractor() Retractor {
	r, _ := a.backend.(Retractor)
	return r
}

// The words that stand for a deleted message: in its row, and in the chat
// list and a reply's quote (where the sender is named already, or need
// not be).
const (
	retractedOurs    = "You deleted this message"
	retractedTheirs  = "This message was deleted"
	retractedPreview = "message deleted"
)

// retractedText is what the row of deleted message m says.
func retractedText(m Message) string {
	switch {
	case m.Moderated && m.Body != "":
		return "Removed by a moderator: " + m.Body
	case m.Moderated:
		return "Removed by a moderator"
	case m.Outgoing:
		return retractedOurs
	}
	return retractedTheirs
}

// asShown is m as its row draws it: a deleted message without what it
// had (the history may still say it was encrypted or edited; its row
// shows neither the lock nor "(edited)").
func asShown(m Message) Message {
	if !m.Retracted {
		return m
	}
	if !m.Moderated {
		m.Body = "" // a moderator's reason stays: the row shows it
	}
	m.File, m.Reply, m.Reactions = nil, nil, nil
	m.Edited, m.Encrypted = false, false
	return m
}

// canRetract: m is ours, went out, and can be deleted for everyone.
func (a *Pane) canRetract(m Message) bool {
	return a.retractor() != nil && m.Outgoing && !m.Notice && !m.Retracted &&
		m.State != Failed && m.State != Queued // not sent: nothing to delete elsewhere
}

// canModerate: m is someone else's message in room peer, where we are a
// moderator, and the room named it (XEP-0425 removes by the room's id).
func (a *Pane) canModerate(peer string, m Message) bool {
	r, isRoom := a.rooms[peer]
	return a.retractor() != nil && isRoom && r.joined && r.self.role == "moderator" &&
		!m.Outgoing && !m.Notice && !m.Retracted && m.Ref != ""
}

// retractMenuItems are a message's "Delete for everyone…" entry (ours) or
// "Remove for everyone…" (someone's, as the room's moderator), after a
// separator, when it can be (none otherwise).
func (a *Pane) retractMenuItems(peer string, m Message) []*fyne.MenuItem {
	label := "Delete for everyone…"
	switch {
	case a.canRetract(m):
	case a.canModerate(peer, m):
		label = "Remove for everyone…"
	default:
		return nil
	}
	return []*fyne.MenuItem{fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(label, func() { a.confirmRetract(peer, m) })}
}

// confirmRetract asks before deleting m for everyone, saying what a
// deletion cannot undo.
func (a *Pane) confirmRetract(peer string, m Message) {
	title, text, button := "Delete for everyone?",
		"Your message will be deleted here and in the chat of everyone whose client supports deletion. Clients that do not will keep showing it, and anyone may already have read it.",
		"Delete"
	if !m.Outgoing {
		title, button = "Remove for everyone?", "Remove"
		text = "As the room's moderator, you remove " + m.Nick + "'s message for everyone whose client supports it. Clients that do not will keep showing it, and anyone may already have read it."
	}
	showConfirm(a.win, title, text, button, func(ok bool) {
		if ok {
			a.retract(peer, m)
		}
	})
}

// retract deletes m for everyone off the UI goroutine; its row says so
// once the backend has sent the deletion.
func (a *Pane) retract(peer string, m Message) {
	r := a.retractor()
	if r == nil {
		return
	}
	a.async(func() {
		err := r.Retract(a.ctx, peer, m)
		a.do(func() {
			if err != nil {
				a.showNotice("not deleted: " + err.Error())
				return
			}
			a.notice.Hide()
			if !m.Outgoing {
				a.showRemoval(peer, m.Ref, 0, true, "") // the room's word follows, with any reason
				return
			}
			a.showRetraction(peer, m.Key, m.ID)
		})
	})
}

// OnRetraction shows that the message with peer whose store id is id (0:
// not known) or whose Key or Ref is key ("": not known; a room names its
// messages by Ref, the room's stanza-id) was deleted for everyone:
// by its sender, or by us from another device. Safe from any goroutine.
func (a *Pane) OnRetraction(peer, key string, id int64) {
	a.do(func() { a.showRetraction(peer, key, id) })
}

// OnModeration shows that a moderator of room removed its message named
// ref (the room's id of it) for everyone, why being the reason given ("":
// none). Safe from any goroutine.
func (a *Pane) OnModeration(room, ref, why string) {
	a.do(func() { a.showRemoval(room, ref, 0, true, why) })
}

func (a *Pane) showRetraction(peer, key string, id int64) {
	a.showRemoval(peer, key, id, false, "")
}

// showRemoval marks the message of peer's chat named by key (Key or Ref)
// or store id deleted: by its sender, or by a room's moderator (with the
// reason why).
func (a *Pane) showRemoval(peer, key string, id int64, moderated bool, why string) {
	a.retractPreview(peer, key, id)
	ch := a.chat
	if ch == nil || ch.peer != peer {
		return // the history says it when the chat opens
	}
	for i := range ch.msgs {
		m := &ch.msgs[i]
		if m.Notice || !(id != 0 && m.ID == id || key != "" && (m.Key == key || m.Ref == key)) {
			continue
		}
		// Named by one of its ids, the chat list's line may name it by
		// the other.
		a.retractPreview(peer, m.Key, m.ID)
		m.Retracted, m.Moderated = true, moderated
		m.Body, m.File, m.Reply, m.Reactions, m.Edited = why, nil, nil, nil, false
		if ed := a.editing; ed != nil && ed.peer == peer && m.Key != "" && ed.key == m.Key {
			// Deleted from another device while being corrected here:
			// the text typed stays, to be sent as a new message or not.
			a.endEdit()
		}
		a.setHeights(i)
		a.msgList.RefreshItem(i)
		if i+1 < len(ch.msgs) {
			a.msgList.RefreshItem(i + 1) // its header comes back (continues)
		}
		a.refreshRepliesTo(m.Ref) // their quote of the deleted words goes
	}
}
