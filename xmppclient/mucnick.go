package xmppclient

import (
	"context"
	"fmt"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Changing our nickname in a room (XEP-0045 §7.6): an available presence
// to room/new. The room answers with our unavailable presence as the old
// nick carrying status 303 and the new nick (then the available one as the
// new nick), or with an error presence from room/new: 409 conflict when
// the nick is taken, 406 not-acceptable when the room forbids changes.
// Until then the old nick stays ours.

// ChangeRoomNick changes our nickname in room to nick and returns once the
// room confirmed it, or refused (a *RoomError; our nick is then the old
// one).
func (c *Client) ChangeRoomNick(ctx context.Context, room jid.JID, nick string) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	occ, err := room.WithResource(nick)
	if err != nil || nick == "" {
		return fmt.Errorf("%q is not a usable nickname", nick)
	}
	wait := make(chan error, 1)
	c.mu.Lock()
	old, in := c.rooms[room.String()]
	busy := c.nickWaits[room.String()] != nil
	if in && !busy && old != nick {
		if c.nickWaits == nil {
			c.nickWaits = map[string]chan error{}
		}
		c.nickWaits[room.String()] = wait
	}
	photo := c.photo.element()
	c.mu.Unlock()
	switch {
	case !in:
		return fmt.Errorf("join %s first", room)
	case busy:
		return fmt.Errorf("a nickname change in %s is under way", room)
	case old == nick:
		return nil
	}
	defer func() {
		c.mu.Lock()
		if c.nickWaits[room.String()] == wait {
			delete(c.nickWaits, room.String())
		}
		c.mu.Unlock()
	}()
	if err := sess.Send(ctx, presenceElement(occ, "", "", "", photo)); err != nil {
		return err
	}
	select {
	case err := <-wait:
		return err
	case <-ctx.Done():
		return fmt.Errorf("changing the nickname in %s: no answer from the room: %w", room, ctx.Err())
	}
}

// nickChanged records our new nick in room (status 303 on our own
// presence) and ends a ChangeRoomNick waiting for it. The room may also
// change it of its own accord (a nick it rewrote): recorded all the same.
func (c *Client) nickChanged(room jid.JID, nick string, wait chan error) {
	c.mu.Lock()
	if _, in := c.rooms[room.String()]; in {
		c.rooms[room.String()] = nick
	}
	c.mu.Unlock()
	if wait != nil {
		select {
		case wait <- nil:
		default:
		}
	}
}

// nickRefused ends a ChangeRoomNick with the room's error.
func (c *Client) nickRefused(from jid.JID, p *inPresence, wait chan error) {
	re := &RoomError{Room: from.Bare(), Condition: stanza.UndefinedCondition, Nick: from.Resourcepart()}
	if p.Error != nil {
		re.Condition, re.Text = p.Error.Condition, errorText(*p.Error)
	}
	select {
	case wait <- re:
	default:
	}
}
