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
}

// SetRoomSubject sets room's subject (XEP-0045 §8.1; "" removes it).
func (b *Backend) SetRoomSubject(ctx context.Context, room, subject string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.SetRoomSubject(ctx, room, subject)
}
