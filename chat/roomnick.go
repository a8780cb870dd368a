package chat

import (
	"context"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// ChangeRoomNick changes our nickname in the room at addr (which we are
// in) to nick (XEP-0045 §7.6) and keeps it for the next joins: in the
// profile and in the server's bookmark (its name, autojoin and password
// kept). A refused change (the nick is taken: 409) is one error, and our
// nick stays the old one, kept as it was.
func (s *Session) ChangeRoomNick(ctx context.Context, addr, nick string) error {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return err
	}
	nick = strings.TrimSpace(nick)
	if nick == "" {
		return fmt.Errorf("a nickname cannot be empty")
	}
	cctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	if err := s.client.ChangeRoomNick(cctx, room, nick); err != nil {
		if old, in := s.client.RoomNick(room); in {
			return fmt.Errorf("%w; you are still %q there", err, old)
		}
		return err
	}
	return s.keepRoomNick(ctx, room, nick)
}

// keepRoomNick records nick as ours in room, in the profile and the
// server's bookmark (kept with its other fields as they are).
func (s *Session) keepRoomNick(ctx context.Context, room jid.JID, nick string) error {
	// A room not kept yet (entered by `clove room nick` alone) is kept
	// for its nick only, not entered at each login.
	r := store.Room{Account: s.account.JID, JID: room.String(), Nick: nick}
	if rs, err := s.p.st.Rooms(ctx, s.account.JID); err == nil {
		for _, kept := range rs {
			if kept.JID == room.String() {
				r.Name, r.Autojoin = kept.Name, kept.Autojoin
			}
		}
	}
	if err := s.p.st.PutRoom(ctx, r); err != nil {
		return fmt.Errorf("nickname changed, but not kept in the profile: %w", err)
	}
	bm := xmppclient.Bookmark{Room: room, Name: r.Name, Nick: nick, Autojoin: r.Autojoin}
	bctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	if bms, err := s.client.Bookmarks(bctx); err == nil {
		for _, b := range bms {
			if b.Room.Equal(room) {
				b.Nick = nick
				bm = b
			}
		}
	}
	if err := s.client.SetBookmark(bctx, bm); err != nil {
		// Kept in the profile; the server's copy is what other devices see.
		s.p.log.Warn("nickname changed but the server's bookmark not updated", "room", room, "err", err)
	}
	return nil
}

// keptNick is our nickname for room as the profile keeps it ("" for
// none).
func (s *Session) keptNick(ctx context.Context, room jid.JID) string {
	rs, err := s.p.st.Rooms(ctx, s.account.JID)
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.JID == room.Bare().String() {
			return r.Nick
		}
	}
	return ""
}
