package chat

import (
	"context"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
)

// SendPrivate sends text to nick in room as a private message (XEP-0045
// §7.5), never encrypted; the chat is stored under room/nick. The account
// must be in the room.
func (s *Session) SendPrivate(ctx context.Context, room jid.JID, nick, text string) (string, error) {
	room = room.Bare()
	if _, in := s.client.RoomNick(room); !in {
		return "", errNotIn(room)
	}
	occ, err := room.WithResource(strings.TrimSpace(nick))
	if err != nil || strings.TrimSpace(nick) == "" {
		return "", fmt.Errorf("%q is not a nickname in %s", nick, room)
	}
	return s.client.SendPrivate(ctx, occ, text)
}

// RequestVoice asks the moderators of room (where we are a visitor) for
// voice (XEP-0045 §7.13).
func (s *Session) RequestVoice(ctx context.Context, room jid.JID) error {
	return s.client.RequestVoice(ctx, room)
}
