package gui

import (
	"context"

	"github.com/clove-xmpp/clove/ui"
)

// RoomMembers is the room's member list as far as it shows it (XEP-0045
// §7.11).
func (b *Backend) RoomMembers(ctx context.Context, room string) ([]ui.RoomMember, error) {
	s, err := b.session()
	if err != nil {
		return nil, err
	}
	ms, err := s.RoomMembers(ctx, room)
	if err != nil {
		return nil, err
	}
	out := make([]ui.RoomMember, 0, len(ms))
	for _, m := range ms {
		out = append(out, ui.RoomMember{JID: m.JID.String(), Affiliation: m.Affiliation, Nick: m.Nick, Reason: m.Reason})
	}
	return out, nil
}
