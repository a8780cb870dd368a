package gui

import (
	"context"

	"github.com/clove-xmpp/clove/ui"
)

var _ ui.RoomSubjectBackend = (*Backend)(nil)

// subjectSink is a Sink told of a room's subject changed while we are in
// it (ui/roomsubject.go), beside the subject itself (OnRoomSubject).
type subjectSink interface {
	OnSubjectChanged(room, nick, subject string, self bool)
	// OnSubjectOpen: at our join, whether everyone there may change it.
	OnSubjectOpen(room string, open bool)
}

// privacySink is a Sink told what a room shows of us at our join and of
// changes to its settings (ui/roomprivacy.go).
type privacySink interface {
	OnRoomPrivacy(room string, shown, logged bool)
	OnRoomConfigChanged(room string, codes []int)
}

// SetRoomSubject sets room's subject (XEP-0045 §8.1; "" removes it).
func (b *Backend) SetRoomSubject(ctx context.Context, room, subject string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.SetRoomSubject(ctx, room, subject)
}

var _ ui.RoomInfoBackend = (*Backend)(nil)

// RoomDetails is what room says of itself (XEP-0045 §6.4).
func (b *Backend) RoomDetails(ctx context.Context, room string) (ui.RoomDetails, error) {
	s, err := b.session()
	if err != nil {
		return ui.RoomDetails{}, err
	}
	d, err := s.RoomDetails(ctx, room)
	if err != nil {
		return ui.RoomDetails{}, err
	}
	return ui.RoomDetails{Name: d.Name, Description: d.Description, Subject: d.Subject, Language: d.Language, Occupants: d.Occupants,
		Public: d.Public, MembersOnly: d.MembersOnly, Moderated: d.Moderated, PasswordProtected: d.PasswordProtected,
		Persistent: d.Persistent, AddressesShown: d.AddressesShown, Archived: d.Archived}, nil
}
