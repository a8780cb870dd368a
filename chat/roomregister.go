package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
)

// reservedNickTimeout bounds the question for our reserved nickname
// before a join (XEP-0045 §7.12): a room that does not answer must not
// hold the join up for long. Over I2P a round trip through two routers
// takes seconds, hence the longer bound there.
const (
	reservedNickTimeout    = 5 * time.Second
	reservedNickTimeoutI2P = 20 * time.Second
)

// defaultRoomNick is the nickname to join room with when none was given:
// the one we registered there (asked of the room, briefly), else the
// account's name. An error or no answer falls back quietly.
func (s *Session) defaultRoomNick(ctx context.Context, room jid.JID) string {
	bound := reservedNickTimeout
	if OverI2P(s.account) {
		bound = reservedNickTimeoutI2P
	}
	rctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	nick, err := s.client.ReservedNick(rctx, room)
	if err != nil {
		s.p.log.Debug("no reserved nickname", "room", room, "err", err)
	}
	if nick == "" {
		nick = s.client.JID().Localpart()
	}
	return nick
}

// RegisterWithRoom registers nick as ours in the room at addr (XEP-0045
// §7.10); with nick "" the account's name. It returns the nick
// registered. A room where we are registered already gives an
// *xmppclient.ErrAlreadyRegistered.
func (s *Session) RegisterWithRoom(ctx context.Context, addr, nick string) (string, error) {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return "", err
	}
	nick = strings.TrimSpace(nick)
	if nick == "" {
		nick = s.client.JID().Localpart()
	}
	if _, err := room.WithResource(nick); err != nil {
		return "", fmt.Errorf("%q is not a usable nickname", nick)
	}
	cctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	if err := s.client.WaitOnline(cctx); err != nil {
		return "", fmt.Errorf("not connected: %w", err)
	}
	if err := s.client.RegisterWithRoom(cctx, room, nick); err != nil {
		return "", err
	}
	return nick, nil
}

// RegisterWithRoomOnce is RegisterWithRoom for the command line: connect,
// register, end.
func (s *Session) RegisterWithRoomOnce(ctx context.Context, addr, nick string, timeout time.Duration) (string, error) {
	var got string
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		got, err = s.RegisterWithRoom(ctx, addr, nick)
		return err
	})
	return got, err
}
