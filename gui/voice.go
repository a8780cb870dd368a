package gui

import (
	"context"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
)

var _ ui.VoiceRequester = (*Backend)(nil)

// RequestVoice asks room's moderators for voice (XEP-0045 §7.13).
func (b *Backend) RequestVoice(ctx context.Context, room string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	j, err := chat.RoomJID(room)
	if err != nil {
		return err
	}
	return s.RequestVoice(ctx, j)
}
