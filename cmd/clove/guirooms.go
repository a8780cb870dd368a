package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// The window's rooms: joined from the window (kept as bookmarks on the
// server and in the profile), entered again at every login (autojoin),
// their messages stored like chats (peer = the room).

// roomHistory is how many past messages a room is asked for at most;
// clockMargin is how far the server's clock may be behind ours.
const (
	roomHistory = 50
	clockMargin = 2 * time.Minute
)

// roomJID reads an address typed for a room: room@service.
func roomJID(s string) (jid.JID, error) {
	j, err := parsePeerJID(s)
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%q is not a room address: expected room@conference.server", s)
	}
	return j, nil
}

// room reads an address typed for a room and returns the running client
// to act on it with.
func (b *guiBackend) room(addr string) (*xmppclient.Client, jid.JID, error) {
	room, err := roomJID(strings.TrimSpace(addr))
	if err != nil {
		return nil, room, err
	}
	c, err := b.online()
	return c, room, err
}

// enterRoom joins room as nick (the account's name when ""), asking for
// the history since the last message the profile has of it.
func (b *guiBackend) enterRoom(ctx context.Context, c *xmppclient.Client, room jid.JID, nick string, create bool) (string, error) {
	if nick == "" {
		nick = c.JID().Localpart()
	}
	opts := xmppclient.JoinOptions{MustExist: !create, History: roomHistory}
	last, err := b.st.LastTime(ctx, b.account, room.String())
	if err != nil {
		return "", err
	}
	if !last.IsZero() {
		// Since the last message we have, less a margin for the clocks of
		// this machine and the server differing: what comes twice is
		// stored once (by its ids).
		opts.Since = last.Add(-clockMargin)
	}
	return nick, c.JoinRoom(ctx, room, nick, opts)
}

func (b *guiBackend) JoinRoom(ctx context.Context, addr, nick string, create bool) error {
	c, room, err := b.room(addr)
	if err != nil {
		return err
	}
	if _, in := c.RoomNick(room); in {
		return nil // already there: the window opens it
	}
	nick = strings.TrimSpace(nick)
	jctx, cancel := context.WithTimeout(ctx, b.roomTimeout())
	defer cancel()
	used, err := b.enterRoom(jctx, c, room, nick, create)
	if err != nil {
		var re *xmppclient.RoomError
		if errors.As(err, &re) && re.Condition == stanza.ItemNotFound && !create {
			return fmt.Errorf("%w; tick \"Create it\" to make a new room", err)
		}
		return err
	}
	r := store.Room{Account: b.account, JID: room.String(), Nick: nick, Autojoin: true}
	if err := b.st.PutRoom(ctx, r); err != nil {
		return fmt.Errorf("joined %s, but could not keep it in the profile: %w", room, err)
	}
	if err := c.SetBookmark(ctx, xmppclient.Bookmark{Room: room, Nick: nick, Autojoin: true}); err != nil {
		// Kept in the profile; the server's copy is what other devices see.
		b.log().Warn("room joined but not bookmarked on the server", "room", room, "nick", used, "err", err)
	}
	return nil
}

func (b *guiBackend) LeaveRoom(ctx context.Context, addr string) error {
	c, room, err := b.room(addr)
	if err != nil {
		return err
	}
	if _, in := c.RoomNick(room); in {
		if err := c.LeaveRoom(ctx, room); err != nil {
			return err
		}
	}
	if err := c.RemoveBookmark(ctx, room); err != nil {
		return fmt.Errorf("left %s, but the server still lists it for autojoin: %w", room, err)
	}
	return b.st.RemoveRoom(ctx, b.account, room.String())
}

func (b *guiBackend) SendGroup(ctx context.Context, addr, text string) (ui.Message, error) {
	c, room, err := b.room(addr)
	if err != nil {
		return ui.Message{}, err
	}
	text = strings.TrimRight(text, "\n")
	nick, in := c.RoomNick(room)
	if !in {
		return ui.Message{}, fmt.Errorf("not in %s yet (joining happens once online)", room)
	}
	id, err := c.SendGroup(ctx, room, text)
	if err != nil {
		return ui.Message{}, err
	}
	// Kept as ours, queued until the room's copy comes back (which marks
	// it sent; if that copy came first, this changes nothing).
	m := groupMessage(b.account, xmppclient.GroupMessage{Room: room, Nick: nick, Body: text, ID: id, Time: time.Now(), Self: true})
	m.State = store.Queued
	if _, err := b.st.AddIncoming(ctx, m); err != nil {
		return ui.Message{}, fmt.Errorf("said in %s, but not kept in the history: %w", room, err)
	}
	return ui.Message{Key: id, Peer: room.String(), Outgoing: true, Nick: nick, Body: text, Time: m.Time, State: ui.Queued}, nil
}

// autojoin reads the bookmarks from the server into the profile (the
// server's list wins; without one the profile's is used) and enters the
// rooms marked autojoin; reload shows the rooms in the window.
func (b *guiBackend) autojoin(ctx context.Context, c *xmppclient.Client, reload func()) {
	rooms, err := b.st.Rooms(ctx, b.account)
	if err != nil {
		b.log().Warn("rooms", "err", err)
		return
	}
	fctx, cancel := context.WithTimeout(ctx, b.roomTimeout())
	bms, err := c.Bookmarks(fctx)
	cancel()
	if err == nil {
		rooms = rooms[:0]
		for _, bm := range bms {
			rooms = append(rooms, store.Room{Account: b.account, JID: bm.Room.String(), Name: bm.Name, Nick: bm.Nick, Autojoin: bm.Autojoin})
		}
		if err := b.st.SetRooms(ctx, b.account, rooms); err != nil {
			b.log().Warn("rooms", "err", err)
		}
		reload()
	} else if ctx.Err() == nil {
		b.log().Warn("could not read the room bookmarks; using the profile's", "err", err)
	}
	for _, r := range rooms {
		room, err := jid.Parse(r.JID)
		if err != nil || !r.Autojoin {
			continue
		}
		go func() {
			jctx, cancel := context.WithTimeout(ctx, b.roomTimeout())
			defer cancel()
			if _, err := b.enterRoom(jctx, c, room, r.Nick, false); err != nil && ctx.Err() == nil {
				b.log().Warn("autojoin", "room", room, "err", err)
			}
		}()
	}
}

// roomTimeout is how long a room or the bookmarks may take to answer:
// minutes over I2P.
func (b *guiBackend) roomTimeout() time.Duration {
	if b.i2p {
		return 5 * time.Minute
	}
	return 30 * time.Second
}

func (b *guiBackend) log() *slog.Logger {
	if b.lg == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.lg
}
