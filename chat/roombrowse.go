package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// Room discovery (XEP-0045 §6.1–6.4) for the window's "Browse…" and
// `clove room list`: XMPP queries only (no HTTP), so the same in I2P mode.

// RoomServices returns the chat room services of the account's server.
func (s *Session) RoomServices(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	svcs, err := s.client.RoomServices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(svcs))
	for i, j := range svcs {
		out[i] = j.String()
	}
	return out, nil
}

// ListRooms returns the public rooms of service (a domain such as
// conference.example.org), at most xmppclient.MaxRooms, sorted by address.
func (s *Session) ListRooms(ctx context.Context, service string) ([]xmppclient.RoomInfo, error) {
	svc, err := ServiceJID(service)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	return s.client.ListRooms(ctx, svc)
}

// ServiceJID parses a chat room service's address: a domain alone.
func ServiceJID(s string) (jid.JID, error) {
	j, err := ParsePeerJID(strings.TrimSpace(s))
	if err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%q is not a chat room service: expected a domain such as conference.example.org", s)
	}
	return j, nil
}

// ListRoomsOnce logs in, lists the public rooms of service ("": of every
// service the server has) and ends: `clove room list`.
func (s *Session) ListRoomsOnce(ctx context.Context, service string, timeout time.Duration) ([]xmppclient.RoomInfo, error) {
	var rooms []xmppclient.RoomInfo
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		svcs := []string{service}
		if service == "" {
			var err error
			if svcs, err = s.RoomServices(ctx); err != nil {
				return err
			}
			if len(svcs) == 0 {
				return fmt.Errorf("%s offers no chat room service", s.account.JID)
			}
		}
		for _, svc := range svcs {
			r, err := s.ListRooms(ctx, svc)
			if err != nil {
				return err
			}
			rooms = append(rooms, r...)
		}
		return nil
	})
	return rooms, err
}
