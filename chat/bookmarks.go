package chat

import (
	"context"
	"errors"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Bookmarks changed on another device (XEP-0402 notifications): the
// profile follows the server's list, and a room bookmarked elsewhere with
// autojoin is entered here too, as Gajim and Dino do; one removed
// elsewhere is left.

// persistBookmark records a bookmark change in the profile.
func persistBookmark(ctx context.Context, st *store.Store, account string, ev xmppclient.Event) error {
	switch e := ev.(type) {
	case xmppclient.BookmarkChanged:
		b := e.Bookmark
		return st.PutRoom(ctx, store.Room{Account: account, JID: b.Room.String(), Name: b.Name, Nick: b.Nick, Autojoin: b.Autojoin})
	case xmppclient.BookmarkRemoved:
		err := st.RemoveRoom(ctx, account, e.Room.String())
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return err
	}
	return nil
}

// followBookmark enters a room bookmarked with autojoin on another device,
// or leaves one whose bookmark was removed there (after the profile
// recorded it). It runs beside the event loop.
func (s *Session) followBookmark(ctx context.Context, ev xmppclient.Event) {
	switch e := ev.(type) {
	case xmppclient.BookmarkChanged:
		b := e.Bookmark
		if _, in := s.client.RoomNick(b.Room); in || !b.Autojoin {
			return
		}
		jctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
		defer cancel()
		if _, err := s.enterRoomWith(jctx, b.Room, b.Nick, false, b.Password); err != nil && ctx.Err() == nil {
			s.p.log.Warn("joining a room bookmarked on another device", "room", b.Room, "err", err)
		}
	case xmppclient.BookmarkRemoved:
		if _, in := s.client.RoomNick(e.Room); in {
			if err := s.client.LeaveRoom(ctx, e.Room); err != nil && ctx.Err() == nil {
				s.p.log.Warn("leaving a room unbookmarked on another device", "room", e.Room, "err", err)
			}
		}
	}
}
