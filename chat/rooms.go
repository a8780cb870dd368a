package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Rooms: joined by the user (kept as bookmarks on the server and in the
// profile), entered again at every login (autojoin), their messages stored
// like chats (peer = the room).

// roomHistory is how many past messages a room is asked for at most;
// clockMargin is how far the server's clock may be behind ours.
const (
	roomHistory = 50
	clockMargin = 2 * time.Minute
)

// RoomNick is the account's nickname in room, if it is there.
func (s *Session) RoomNick(room jid.JID) (string, bool) { return s.client.RoomNick(room) }

// enterRoom joins room as nick (the account's name when ""), asking for
// the history since the last message the profile has of it.
func (s *Session) enterRoom(ctx context.Context, room jid.JID, nick string, create bool) (string, error) {
	return s.enterRoomWith(ctx, room, nick, create, "")
}

// enterRoomWith is enterRoom with the room's password ("": none).
func (s *Session) enterRoomWith(ctx context.Context, room jid.JID, nick string, create bool, password string) (string, error) {
	if nick == "" {
		nick = s.defaultRoomNick(ctx, room) // reserved there, else the account's name
	}
	// From the room's archive when it keeps one (XEP-0313): after the
	// last message of it we have; else the XEP-0045 history since then.
	opts := xmppclient.JoinOptions{MustExist: !create, History: roomHistory, Password: password, Archive: true}
	last, err := s.p.st.LastTime(ctx, s.account.JID, room.String())
	if err != nil {
		return "", err
	}
	if opts.AfterID, err = s.p.st.LastRoomStanzaID(ctx, s.account.JID, room.String()); err != nil {
		return "", err
	}
	if !last.IsZero() {
		// Since the last message we have, less a margin for the clocks of
		// this machine and the server differing: what comes twice is
		// stored once (by its ids).
		opts.Since = last.Add(-clockMargin)
	}
	return nick, s.client.JoinRoom(ctx, room, nick, opts)
}

// JoinRoom enters the room at addr as nick ("": the account's name),
// creating it if asked, and keeps it (profile and server bookmarks, with
// autojoin) so it is entered again at each login.
func (s *Session) JoinRoom(ctx context.Context, addr, nick string, create bool) error {
	return s.joinRoom(ctx, addr, nick, create, "")
}

// joinRoom is JoinRoom with the room's password ("": none), which the
// bookmark keeps for the next logins.
func (s *Session) joinRoom(ctx context.Context, addr, nick string, create bool, password string) error {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return err
	}
	if _, in := s.client.RoomNick(room); in {
		return nil // already there
	}
	nick = strings.TrimSpace(nick)
	jctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	_, err = s.enterRoomWith(jctx, room, nick, create, password)
	if err != nil {
		var re *xmppclient.RoomError
		if errors.As(err, &re) && re.Condition == stanza.ItemNotFound && !create {
			return fmt.Errorf("%w; tick \"Create it\" to make a new room", err)
		}
		return err
	}
	return s.keepRoom(ctx, room, nick, "", password)
}

// LeaveRoom leaves the room and forgets it (profile and bookmarks).
func (s *Session) LeaveRoom(ctx context.Context, addr string) error {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return err
	}
	if _, in := s.client.RoomNick(room); in {
		if err := s.client.LeaveRoom(ctx, room); err != nil {
			return err
		}
	}
	if err := s.client.RemoveBookmark(ctx, room); err != nil {
		return fmt.Errorf("left %s, but the server still lists it for autojoin: %w", room, err)
	}
	return s.p.st.RemoveRoom(ctx, s.account.JID, room.String())
}

// SendGroup says text in the room at addr; it is kept in the history as
// ours and queued, until the room's copy of it comes back (which marks it
// sent; if that copy came first, this changes nothing).
func (s *Session) SendGroup(ctx context.Context, addr, text string) (store.Message, error) {
	return s.sendGroup(ctx, addr, text, "")
}

// SendGroupReply is SendGroup for a reply (XEP-0461) to the room's
// message named ref (its stanza-id; see RefID), which must be in the
// history (its quote comes from there).
func (s *Session) SendGroupReply(ctx context.Context, addr, text, ref string) (store.Message, error) {
	return s.sendGroup(ctx, addr, text, ref)
}

func (s *Session) sendGroup(ctx context.Context, addr, text, ref string) (store.Message, error) {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return store.Message{}, err
	}
	nick, in := s.client.RoomNick(room)
	if !in {
		return store.Message{}, errNotIn(room)
	}
	var (
		id    string
		reply *xmppclient.Reply
	)
	if ref != "" {
		orig, err := s.p.st.FindMessage(ctx, s.account.JID, room.String(), ref)
		if errors.Is(err, store.ErrNotFound) {
			return store.Message{}, fmt.Errorf("no message %q in %s to reply to", ref, room)
		}
		if err != nil {
			return store.Message{}, err
		}
		r := ReplyTo(orig)
		reply = &r
		id, err = s.client.SendGroupReply(ctx, room, text, r)
	} else {
		id, err = s.client.SendGroup(ctx, room, text)
	}
	if err != nil {
		return store.Message{}, err
	}
	m := groupMessage(s.account.JID, xmppclient.GroupMessage{Room: room, Nick: nick, Body: text, ID: id, Time: time.Now(), Self: true, Reply: reply,
		Encrypted: s.client.GroupEncrypted(id)})
	m.State = store.Queued
	if _, err := s.p.st.AddIncoming(ctx, m); err != nil {
		return store.Message{}, fmt.Errorf("said in %s, but not kept in the history: %w", room, err)
	}
	return *m, nil
}

// autojoin reads the bookmarks from the server into the profile (the
// server's list wins; without one the profile's is used), tells
// RoomsLoaded, and enters the rooms marked autojoin.
func (s *Session) autojoin(ctx context.Context) {
	account := s.account.JID
	rooms, err := s.p.st.Rooms(ctx, account)
	if err != nil {
		s.p.log.Warn("rooms", "err", err)
		return
	}
	fctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	bms, err := s.client.Bookmarks(fctx)
	cancel()
	passwords := map[string]string{}
	if err == nil {
		rooms = rooms[:0]
		for _, bm := range bms {
			if bm.Password != "" {
				passwords[bm.Room.String()] = bm.Password
			}
			rooms = append(rooms, store.Room{Account: account, JID: bm.Room.String(), Name: bm.Name, Nick: bm.Nick, Autojoin: bm.Autojoin})
		}
		if err := s.p.st.SetRooms(ctx, account, rooms); err != nil {
			s.p.log.Warn("rooms", "err", err)
		}
		s.tell(RoomsLoaded{})
	} else if ctx.Err() == nil {
		s.p.log.Warn("could not read the room bookmarks; using the profile's", "err", err)
	}
	for _, r := range rooms {
		room, err := jid.Parse(r.JID)
		if err != nil || !r.Autojoin {
			continue
		}
		go func() {
			jctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
			defer cancel()
			if _, err := s.enterRoomWith(jctx, room, r.Nick, false, passwords[r.JID]); err != nil && ctx.Err() == nil {
				s.p.log.Warn("autojoin", "room", room, "err", err)
				s.tell(RoomNotEntered{Room: room, Err: err})
			}
		}()
	}
}

// Bookmarks reads the account's room bookmarks from the server.
func (s *Session) Bookmarks(ctx context.Context) ([]xmppclient.Bookmark, error) {
	return s.client.Bookmarks(ctx)
}

// RoomEncryption says whether messages to the room go OMEMO-encrypted
// now, and if not why (docs/omemo.md: only in private rooms, when every
// member has a device).
func (s *Session) RoomEncryption(ctx context.Context, addr string) (xmppclient.RoomEncryption, error) {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return xmppclient.RoomEncryption{}, err
	}
	if _, in := s.client.RoomNick(room); !in {
		return xmppclient.RoomEncryption{Why: "you are not in the room"}, nil
	}
	return s.client.RoomEncryption(ctx, room)
}

// RoomEncryptionOnce runs the session until it is online, enters the room
// (unless the session's autojoin has), says whether its messages go
// encrypted, leaves it again if it entered it and ends: `clove room
// encryption`.
func (s *Session) RoomEncryptionOnce(ctx context.Context, addr string, timeout time.Duration) (xmppclient.RoomEncryption, error) {
	var st xmppclient.RoomEncryption
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return st, err
	}
	err = s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		return s.inRoom(ctx, room, func(ctx context.Context) error {
			_, err := s.enterRoom(ctx, room, "", false)
			return err
		}, func() error {
			var err error
			st, err = s.client.RoomEncryption(ctx, room)
			return err
		})
	})
	return st, err
}
