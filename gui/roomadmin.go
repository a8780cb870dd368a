package gui

import (
	"context"

	"github.com/clove-xmpp/clove/ui"
)

var _ ui.RoomAdmin = (*Backend)(nil)

// rankSink is a Sink told everyone's role and affiliation in each room,
// and who was removed (room administration: ui/roomadmin.go).
type rankSink interface {
	OnOccupantRank(room, nick, role, affiliation string, self bool)
	OnRoomRemoval(room, nick string, self, gone bool, text string)
	OnVoiceRequest(room, nick string)
}

// SetRoomRole gives nick the role in room (XEP-0045 §8: "none" removes).
func (b *Backend) SetRoomRole(ctx context.Context, room, nick, role, reason string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.SetRoomRole(ctx, room, nick, role, reason)
}

// SetRoomAffiliation gives who the affiliation with room (§9–10:
// "outcast" bans).
func (b *Backend) SetRoomAffiliation(ctx context.Context, room, who, aff, reason string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.SetRoomAffiliation(ctx, room, who, aff, reason)
}

// DestroyRoom ends room for everyone (§10.9) and forgets it.
func (b *Backend) DestroyRoom(ctx context.Context, room, reason string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.DestroyRoom(ctx, room, reason)
}
