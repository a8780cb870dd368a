package gui

import (
	"context"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
)

var _ ui.Retractor = (*Backend)(nil)

// retractSink is a Sink that also shows messages deleted for everyone
// (XEP-0424).
type retractSink interface {
	OnRetraction(peer, key string, id int64)
	// OnModeration: a room's moderator removed its message ref, saying
	// why ("" for nothing).
	OnModeration(room, ref, why string)
}

// Retract deletes our message m in peer's chat for everyone
// (ui.Retractor): a room's by the room's id of it, at once (we must be
// in the room); a chat's through the outbox, by its id.
func (b *Backend) Retract(ctx context.Context, peer string, m ui.Message) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return err
	}
	if _, in := s.RoomNick(to); to.Resourcepart() == "" && (in || m.Nick != "") {
		ref := m.Ref
		if ref == "" {
			ref = m.Key
		}
		if !m.Outgoing {
			// Someone else's: removed by us as the room's moderator.
			return s.ModerateGroup(ctx, peer, ref, "")
		}
		return s.RetractGroup(ctx, peer, ref)
	}
	_, err = s.Retract(ctx, to, m.Key)
	return err
}
