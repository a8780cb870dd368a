package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"unicode/utf8"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's subject (XEP-0045 §8.1): a groupchat message to the room with
// a <subject/> and no <body/>. The room sends the new subject to every
// occupant, us too (prosody 0.12 as a message of its own, not with our
// id), or answers with an error message carrying our id — forbidden when
// only moderators may change it (prosody's default; a room's
// muc#roomconfig_changesubject lets everyone). An empty <subject/>
// removes it. The room also sends its subject to each newcomer after the
// history (§7.2.15), an empty one if it has none: the first after our
// join is the room's, not a change (GroupMessage.SubjectChange).

// RoomSubjectPolicy says, after the room's settings changed (or ours were
// applied), whether every participant may now change its subject
// (RoomJoined.SubjectOpen says it at the join).
type RoomSubjectPolicy struct {
	Room jid.JID
	Open bool
}

func (RoomSubjectPolicy) isEvent() {}

// maxSubject bounds a subject we send, in bytes (prosody keeps any; a
// subject is one line under a room's title).
const maxSubject = 1024

// subjectWait is a SetRoomSubject waiting for the room's answer.
type subjectWait struct {
	id   string // our message's: an error comes back with it
	done chan error
}

type subjectOut struct {
	XMLName xml.Name `xml:"jabber:client message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	Type    string   `xml:"type,attr"`
	Subject string   `xml:"subject"`
}

// SetRoomSubject sets room's subject ("" removes it) and returns once the
// room has sent it to its occupants, or refused.
func (c *Client) SetRoomSubject(ctx context.Context, room jid.JID, subject string) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	switch {
	case !utf8.ValidString(subject):
		return errors.New("the subject is not valid text")
	case len(subject) > maxSubject:
		return fmt.Errorf("the subject is too long (%d bytes; at most %d)", len(subject), maxSubject)
	}
	w := subjectWait{id: randomID(), done: make(chan error, 1)}
	c.mu.Lock()
	_, in := c.rooms[room.String()]
	busy := c.subjectWaits[room.String()].done != nil
	if in && !busy {
		if c.subjectWaits == nil {
			c.subjectWaits = map[string]subjectWait{}
		}
		c.subjectWaits[room.String()] = w
	}
	c.mu.Unlock()
	switch {
	case !in:
		return fmt.Errorf("join %s first", room)
	case busy:
		return fmt.Errorf("a change of the subject of %s is under way", room)
	}
	defer func() {
		c.mu.Lock()
		if c.subjectWaits[room.String()].done == w.done {
			delete(c.subjectWaits, room.String())
		}
		c.mu.Unlock()
	}()
	if err := sess.Encode(ctx, subjectOut{ID: w.id, To: room.String(), Type: "groupchat", Subject: subject}); err != nil {
		return err
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("changing the subject of %s: no answer from the room: %w", room, ctx.Err())
	}
}

// subjectArrived notes a subject message from room: whether it is a
// change (not the one the room sends after our join), and it ends a
// SetRoomSubject waiting for ours (from our nick).
func (c *Client) subjectArrived(room jid.JID, fromNick string) (change bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	initial := c.subjectJoins[room.String()]
	delete(c.subjectJoins, room.String())
	if w := c.subjectWaits[room.String()]; w.done != nil && fromNick != "" && fromNick == c.rooms[room.String()] {
		select {
		case w.done <- nil:
		default:
		}
	}
	return !initial
}

// subjectRefused ends the SetRoomSubject whose message the room bounced
// (an error message with its id); false if none was waiting for it.
func (c *Client) subjectRefused(m *inMessage) bool {
	from, err := jid.Parse(m.From)
	if err != nil || m.ID == "" {
		return false
	}
	room := from.Bare()
	c.mu.Lock()
	w := c.subjectWaits[room.String()]
	c.mu.Unlock()
	if w.done == nil || w.id != m.ID {
		return false
	}
	var se stanza.Error
	if m.Error != nil {
		se = *m.Error
	}
	select {
	case w.done <- subjectError(room, se):
	default:
	}
	return true
}

// subjectError words the room's refusal of a subject.
func subjectError(room jid.JID, se stanza.Error) error {
	why := errorText(se)
	if why != "" {
		why = ": " + why
	}
	switch se.Condition {
	case stanza.Forbidden, stanza.NotAllowed, stanza.NotAuthorized:
		return fmt.Errorf("%w change the subject of %s%s", ErrNotPermitted, room, why)
	case stanza.NotAcceptable:
		return fmt.Errorf("the room %s is not letting you speak (join it again)%s", room, why)
	}
	if se.Condition == "" {
		return fmt.Errorf("the room %s refused the subject%s", room, why)
	}
	return fmt.Errorf("the room %s refused the subject (%s)%s", room, se.Condition, why)
}
