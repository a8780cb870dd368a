package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Retract deletes our message with id (its origin id, as Send returned it)
// to to for everyone (XEP-0424): erased from the profile at once, and
// from the contact's chat once the retraction arrives, if their client
// takes retractions. The retraction goes through the outbox like a
// message (durable, sent once online). An id that names no message of
// ours to to is an error (store.ErrNotFound).
func (s *Session) Retract(ctx context.Context, to jid.JID, id string) (string, error) {
	return s.client.SendRetraction(ctx, to, id)
}

// RetractGroup deletes our message ref (its stanza-id in the room, or its
// id: see RefID) in room addr for everyone: the room is told at once (we
// must be in it) and the profile erases it.
func (s *Session) RetractGroup(ctx context.Context, addr, ref string) error {
	room, nick, orig, err := s.roomMessage(ctx, addr, ref)
	if err == nil && !orig.Outgoing {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no message of yours %q in %s: %w", ref, room, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if orig.Retracted {
		return nil
	}
	// XEP-0424 §4: the room's stanza-id names a room's message; its
	// origin-id only where the room gives none.
	id, err := s.client.SendGroupRetraction(ctx, room, RefID(orig))
	if err != nil {
		return err
	}
	m := groupMessage(s.account.JID, xmppclient.GroupMessage{Room: room, Nick: nick, ID: id, Time: time.Now(), Self: true, Retracts: RefID(orig)})
	if _, err := s.p.st.AddIncoming(ctx, m); err != nil {
		return fmt.Errorf("deleted in %s, but not in the history here: %w", room, err)
	}
	if m.Corrects == 0 {
		return fmt.Errorf("deleted in %s, but not in the history here", room)
	}
	return nil
}

// ModerateGroup removes someone's message ref (its stanza-id in the room,
// or its id: see RefID) in room addr for everyone, as the room's
// moderator (XEP-0425), with why as the reason ("" for none). The room
// tells every occupant, us included: the profile erases it then.
func (s *Session) ModerateGroup(ctx context.Context, addr, ref, why string) error {
	room, _, orig, err := s.roomMessage(ctx, addr, ref)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no message %q in %s: %w", ref, room, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if orig.StanzaID == "" {
		return fmt.Errorf("%s gave that message no id of its own, so it cannot be removed", room)
	}
	return s.client.ModerateGroup(ctx, room, orig.StanzaID, why)
}

// roomMessage is room addr, which we must be in, our nick there, and its
// message ref as the profile holds it (store.ErrNotFound: none).
func (s *Session) roomMessage(ctx context.Context, addr, ref string) (room jid.JID, nick string, m store.Message, err error) {
	if room, err = RoomJID(strings.TrimSpace(addr)); err != nil {
		return room, "", m, err
	}
	nick, in := s.client.RoomNick(room)
	if !in {
		return room, "", m, errNotIn(room)
	}
	m, err = s.p.st.FindMessage(ctx, s.account.JID, room.String(), ref)
	return room, nick, m, err
}
