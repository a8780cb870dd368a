package gui

import (
	"context"

	"github.com/clove-xmpp/clove/ui"
)

var _ ui.RoomBrowser = (*Backend)(nil)

// RoomServices returns the chat room services of the account's server.
func (b *Backend) RoomServices(ctx context.Context) ([]string, error) {
	s, err := b.session()
	if err != nil {
		return nil, err
	}
	return s.RoomServices(ctx)
}

// ListRooms returns the public rooms of service, for the window.
func (b *Backend) ListRooms(ctx context.Context, service string) ([]ui.RoomListing, error) {
	s, err := b.session()
	if err != nil {
		return nil, err
	}
	rooms, err := s.ListRooms(ctx, service)
	if err != nil {
		return nil, err
	}
	out := make([]ui.RoomListing, len(rooms))
	for i, r := range rooms {
		out[i] = ui.RoomListing{Address: r.JID.String(), Name: r.Name, Occupants: r.Occupants}
	}
	return out, nil
}
