package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/ping"
	"mellium.im/xmpp/stanza"
)

// MUC self-ping (XEP-0410). A room can lose an occupant without telling
// it: the room's server restarted, an s2s link broke, the MUC component
// was reloaded. The client would sit in a room that no longer sends it
// anything. So when a room has been silent for Config.SelfPingIdle, we
// ping our own occupant address there: the room answers for itself or
// passes the ping to us (we answer pings); not-acceptable says we are not
// an occupant any more, item-not-found that the room or the nick is gone,
// remote-server-not-found that the room's server is unreachable. Then we
// join again. A ping that times out (a lossy I2P link) proves nothing: it
// is tried again at the next check.

// RoomRejoined reports that a room had dropped us without a word (its
// answer to the self-ping is Condition) and that we are in it again.
type RoomRejoined struct {
	Room      jid.JID
	Nick      string
	Condition stanza.Condition
}

func (RoomRejoined) isEvent() {}

// noteRoomTraffic records that room sent us something.
func (c *Client) noteRoomTraffic(room string) {
	c.mu.Lock()
	if c.roomSeen == nil {
		c.roomSeen = map[string]time.Time{}
	}
	c.roomSeen[room] = time.Now()
	c.mu.Unlock()
}

// selfPingLoop checks the silent rooms of one session until ctx ends.
func (c *Client) selfPingLoop(ctx context.Context, sess *xmpp.Session) {
	idle := c.cfg.SelfPingIdle
	if idle < 0 {
		return
	}
	// A new session enters its rooms again (rejoinRooms): their silence
	// counts from now.
	c.mu.Lock()
	for r := range c.rooms {
		if c.roomSeen == nil {
			c.roomSeen = map[string]time.Time{}
		}
		c.roomSeen[r] = time.Now()
	}
	c.mu.Unlock()
	tick := time.NewTicker(max(idle/4, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, r := range c.silentRooms(idle) {
			go c.selfPing(ctx, sess, r.room, r.nick)
		}
	}
}

type joinedRoom struct {
	room jid.JID
	nick string
}

// silentRooms returns the joined rooms silent for idle that are not being
// checked, and marks them as being checked.
func (c *Client) silentRooms(idle time.Duration) []joinedRoom {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []joinedRoom
	for r, nick := range c.rooms {
		if time.Since(c.roomSeen[r]) < idle || c.pinging[r] || c.joins[r] != nil {
			continue
		}
		room, err := jid.Parse(r)
		if err != nil {
			continue
		}
		if c.pinging == nil {
			c.pinging = map[string]bool{}
		}
		c.pinging[r] = true
		out = append(out, joinedRoom{room, nick})
	}
	return out
}

// selfPing pings our occupant address in room and rejoins if the room
// says we are not in it.
func (c *Client) selfPing(ctx context.Context, sess *xmpp.Session, room jid.JID, nick string) {
	defer func() {
		c.mu.Lock()
		delete(c.pinging, room.String())
		c.mu.Unlock()
	}()
	occ, err := room.WithResource(nick)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	t0 := time.Now()
	err = ping.Send(pctx, sess, occ)
	took := time.Since(t0)
	cancel()
	cond, dropped := selfPingDropped(err)
	if !dropped {
		if err == nil || cond != "" {
			c.log.Debug("room self-ping answered", "room", room, "condition", cond, "took", took)
			c.noteRoomTraffic(room.String()) // it answered: still joined
		} else if ctx.Err() == nil {
			c.log.Info("room self-ping had no answer; trying again later", "room", room, "err", err)
		}
		return
	}
	c.mu.Lock()
	since := c.roomSeen[room.String()]
	if c.rooms[room.String()] != nick {
		c.mu.Unlock()
		return // left (or rejoined) meanwhile
	}
	delete(c.rooms, room.String())
	c.mu.Unlock()
	c.log.Info("the room dropped us; joining again", "room", room, "condition", cond)
	jctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	// Only what was said since the room last spoke to us (what comes twice
	// is stored once, by its ids).
	opts := JoinOptions{History: 50, Since: since.Add(-time.Minute), Archive: true}
	if err := c.JoinRoom(jctx, room, nick, opts); err != nil {
		if ctx.Err() == nil {
			c.emit(ErrorEvent{Err: fmt.Errorf("%s dropped us (%s) and joining again failed: %w", room, cond, err)})
		}
		return
	}
	c.noteRoomTraffic(room.String())
	c.emit(RoomRejoined{Room: room, Nick: nick, Condition: cond})
}

// selfPingDropped reads a self-ping's outcome (XEP-0410 §3.2): dropped
// for the errors that mean we are not in the room; cond is the error's
// condition ("" for an answer, a timeout or a broken stream: not errors
// from the room).
func selfPingDropped(err error) (cond stanza.Condition, dropped bool) {
	var se stanza.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Condition {
	case stanza.NotAcceptable, stanza.ItemNotFound, stanza.RemoteServerNotFound:
		return se.Condition, true
	}
	// service-unavailable, feature-not-implemented (the occupant's client
	// does not do pings) and anything else: the room knows us.
	return se.Condition, false
}
