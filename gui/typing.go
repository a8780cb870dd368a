package gui

import (
	"context"
	"strings"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
)

// Typing tells the session that the user types to peer (ui.Typist).
func (b *Backend) Typing(peer string) {
	s := b.sess.Load()
	if s == nil {
		return
	}
	if to, err := chat.ParsePeerJID(peer); err == nil {
		s.Typing(to)
	}
}

// LeftChat tells the session that the user left peer's chat, or emptied
// its composer (ui.Typist).
func (b *Backend) LeftChat(peer string, left bool) {
	s := b.sess.Load()
	if s == nil {
		return
	}
	if to, err := chat.ParsePeerJID(peer); err == nil {
		s.LeaveChat(to, left)
	}
}

// SetTypingNotifications turns chat states on or off, for this session
// and those after it (ui.Typist).
func (b *Backend) SetTypingNotifications(on bool) {
	b.typingOff.Store(!on)
	if s := b.sess.Load(); s != nil {
		s.SetTypingNotifications(on)
	}
}

// Correct sends text as the correction of our message key to peer
// (ui.Corrector).
func (b *Backend) Correct(ctx context.Context, peer, key, text string) (ui.Message, error) {
	s, err := b.session()
	if err != nil {
		return ui.Message{}, err
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.Message{}, err
	}
	text = strings.TrimRight(text, "\n")
	if _, err := s.Correct(ctx, to, key, text); err != nil {
		return ui.Message{}, err
	}
	return ui.Message{Key: key, Peer: to.Bare().String(), Outgoing: true, Body: text, Edited: true}, nil
}
