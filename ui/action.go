package ui

import "strings"

// An action (XEP-0245, the /me command): a body that starts with "/me "
// is shown as "* Name rest" in italics, as Gajim and Dino do. The body is
// stored and sent as it is; only its drawing changes.

// mePrefix is what XEP-0245 §2 says marks an action: "/me " at the very
// start of the body (not after spaces, not "/me" alone, not "/meow").
const mePrefix = "/me "

// meAction is the rest of an action's body, and whether body is one.
func meAction(body string) (string, bool) {
	return strings.CutPrefix(body, mePrefix)
}

// shownBody is the text a row draws for m, whose sender is called who,
// and whether it is drawn in italics (an action, or the line standing for
// a deleted message).
func shownBody(m Message, who string) (string, bool) {
	if m.Retracted {
		return retractedText(m), true
	}
	if m.Notice {
		return m.Body, false
	}
	rest, ok := meAction(m.Body)
	if !ok {
		return m.Body, false
	}
	return "* " + who + " " + rest, true
}

// senderName is what the chat calls m's sender: the nick in a room, the
// contact's name in a chat, and for our own messages the account's name
// (its local part), as an action shows it ("* alice waves").
func (a *Pane) senderName(m Message) string {
	if m.Nick != "" {
		return m.Nick
	}
	if m.Outgoing {
		if local, _, ok := strings.Cut(a.account, "@"); ok && local != "" {
			return local
		}
		return a.account
	}
	peer := m.Peer
	if a.chat != nil && peer == "" {
		peer = a.chat.peer
	}
	if it := a.byJID[peer]; it != nil {
		return it.Label()
	}
	return peer
}
