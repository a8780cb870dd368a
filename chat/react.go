package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Replies (XEP-0461) and reactions (XEP-0444) in the app core: a reply
// is a message with a Reply, stored with it; reactions are kept per
// sender and message, each new set replacing the sender's last.

// ReactionsChanged says someone's reactions to a stored message changed
// (saved already): the received set, the chat, the message's store id
// and everyone's reactions to it now.
type ReactionsChanged struct {
	xmppclient.Reactions
	Peer      string // the chat: a contact's bare JID or a room
	MessageID int64
	All       []store.Reaction
	// Mine names the senders in All that are this account.
	Mine map[string]bool
	// Queued: our own reaction (React) could not be sent now, and why; it
	// is kept and goes at the next login.
	Queued error
}

func (ReactionsChanged) chatEvent() {}

// RefID is the id a reply or a reaction names message m by: the room's
// stanza-id for a room's message, its id for a chat message (ours: the
// origin id we gave it).
func RefID(m store.Message) string {
	if m.StanzaID != "" {
		return m.StanzaID
	}
	return m.OriginID
}

// saveReactions records received reactions; false when there is nothing
// to tell (a reaction to a message the profile does not hold is dropped
// quietly, as XEP-0444 allows: it cannot make a chat appear).
func (s *Session) saveReactions(ctx context.Context, r xmppclient.ReactionsReceived) (ReactionsChanged, bool) {
	peer, sender := r.From.Bare().String(), r.From.Bare().String()
	switch {
	case r.Group:
		sender = r.From.String() // room/nick
	case r.Outgoing:
		peer, sender = r.To.Bare().String(), s.account.JID
	}
	id, all, err := s.p.st.SetReactions(ctx, s.account.JID, peer, r.ID, sender, r.Emojis, r.Time)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.p.log.Debug("reactions to a message not in the history: dropped", "from", r.From, "id", r.ID)
		return ReactionsChanged{}, false
	case err != nil:
		s.notice("could not save a reaction: %v", err)
		return ReactionsChanged{}, false
	}
	return ReactionsChanged{Reactions: r.Reactions, Peer: peer, MessageID: id, All: all, Mine: s.mine(peer, all)}, true
}

// SendReply queues text for to as a reply to the message of that chat
// named ref (see RefID): the quote of it other clients show comes from
// the history, so it must be there (a clear error otherwise).
func (s *Session) SendReply(ctx context.Context, to jid.JID, text, ref string) (string, error) {
	if err := s.notARoom(ctx, to.Bare().String()); err != nil {
		return "", err
	}
	orig, err := s.p.st.FindMessage(ctx, s.account.JID, to.Bare().String(), ref)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no message %q in the chat with %s to reply to", ref, to.Bare())
	}
	if err != nil {
		return "", err
	}
	return s.client.SendReply(ctx, to, text, ReplyTo(orig))
}

// ReplyTo is the reply that answers m: its author, its id and a quote.
func ReplyTo(m store.Message) xmppclient.Reply {
	quote := m.Body
	if m.File != nil {
		quote = m.File.Name
		if quote == "" {
			quote = "a file"
		}
	}
	return xmppclient.Reply{To: m.From, ID: RefID(m), Quote: quote}
}

// React sets our whole set of reactions to the message of peer's chat
// named ref (empty: we take ours back). In a chat it is kept first, then
// sent; when it cannot go now (offline) it stays kept and goes at the
// next login (Queued). In a room it needs the session in the room: sent,
// then kept.
func (s *Session) React(ctx context.Context, peer, ref string, emojis []string) (ReactionsChanged, error) {
	to, err := jid.Parse(peer)
	if err != nil {
		return ReactionsChanged{}, fmt.Errorf("%q is not a valid address: %w", peer, err)
	}
	nick, room := s.client.RoomNick(to)
	if _, err := s.p.st.FindMessage(ctx, s.account.JID, peer, ref); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ReactionsChanged{}, fmt.Errorf("no message %q in the chat with %s to react to", ref, peer)
		}
		return ReactionsChanged{}, err
	}
	emojis = xmppclient.CleanReactions(emojis)
	r := xmppclient.Reactions{From: s.client.JID(), To: to, ID: ref, Emojis: emojis, Group: room, Outgoing: true, Time: time.Now()}
	if room {
		if err := s.client.SendReactions(ctx, to, ref, emojis, true); err != nil {
			return ReactionsChanged{}, err
		}
		sender := peer + "/" + nick
		id, all, err := s.p.st.SetReactions(ctx, s.account.JID, peer, ref, sender, emojis, r.Time)
		if err != nil {
			return ReactionsChanged{}, fmt.Errorf("reacted, but not kept in the history: %w", err)
		}
		return ReactionsChanged{Reactions: r, Peer: peer, MessageID: id, All: all, Mine: s.mine(peer, all)}, nil
	}
	sender := s.account.JID
	id, all, err := s.p.st.SetOwnReactions(ctx, s.account.JID, peer, ref, sender, emojis, r.Time)
	if err != nil {
		return ReactionsChanged{}, fmt.Errorf("the reaction could not be kept: %w", err)
	}
	rc := ReactionsChanged{Reactions: r, Peer: peer, MessageID: id, All: all, Mine: s.mine(peer, all)}
	if err := s.client.SendReactions(ctx, to, ref, emojis, false); err != nil {
		rc.Queued = err
		s.p.log.Info("reaction kept; it goes at the next login", "to", peer, "err", err)
		return rc, nil
	}
	if err := s.p.st.ReactionsSent(ctx, id, sender, emojis); err != nil {
		s.p.log.Warn("reaction sent, but not recorded as sent (it goes again at the next login)", "err", err)
	}
	return rc, nil
}

// sendPendingReactions sends our reaction sets kept while offline (see
// React), once online; what fails waits for the next login.
func (s *Session) sendPendingReactions(ctx context.Context) {
	ps, err := s.p.st.PendingReactions(ctx, s.account.JID)
	if err != nil {
		s.p.log.Warn("could not read the reactions to send", "err", err)
		return
	}
	for _, p := range ps {
		to, err := jid.Parse(p.Message.Peer)
		if err != nil {
			continue
		}
		if err := s.client.SendReactions(ctx, to, RefID(p.Message), p.Emojis, false); err != nil {
			s.p.log.Info("kept reactions not sent now; at the next login", "err", err)
			return
		}
		if err := s.p.st.ReactionsSent(ctx, p.Message.ID, p.Sender, p.Emojis); err != nil {
			s.p.log.Warn("reaction sent, but not recorded as sent", "err", err)
		}
	}
}

// mine names the senders of all that are this account.
func (s *Session) mine(peer string, all []store.Reaction) map[string]bool {
	out := map[string]bool{}
	for _, r := range all {
		if s.IsOwnReaction(peer, r.Sender) {
			out[r.Sender] = true
		}
	}
	return out
}

// IsOwnReaction reports whether a stored reaction's sender is this
// account: its bare JID, or in a room the nick it has there.
func (s *Session) IsOwnReaction(peer, sender string) bool {
	if sender == s.account.JID {
		return true
	}
	room, nick, ok := strings.Cut(sender, "/")
	if !ok || room != peer {
		return false
	}
	j, err := jid.Parse(room)
	if err != nil {
		return false
	}
	mine, in := s.client.RoomNick(j)
	return in && mine == nick
}

// storeReply and clientReply carry a reply between the client's events
// and the store.
func storeReply(r *xmppclient.Reply) *store.Reply {
	if r == nil {
		return nil
	}
	return &store.Reply{To: r.To, ID: r.ID, Quote: r.Quote}
}

func clientReply(r *store.Reply) *xmppclient.Reply {
	if r == nil {
		return nil
	}
	return &xmppclient.Reply{To: r.To, ID: r.ID, Quote: r.Quote}
}

// ReactOnce runs the session until it is online, reacts (see React) and
// ends it, for at most timeout: `clove react`.
func (s *Session) ReactOnce(ctx context.Context, peer, ref string, emojis []string, timeout time.Duration) error {
	if err := s.notARoom(ctx, peer); err != nil {
		return err
	}
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		rc, err := s.React(ctx, peer, ref, emojis)
		if err == nil && rc.Queued != nil {
			err = fmt.Errorf("the reaction is kept and goes at the next login; not sent now: %w", rc.Queued)
		}
		return err
	})
}

// notARoom refuses a room where a chat is meant: a reply or reaction to
// a room goes as a room's message, from a session in the room (the
// window; see SendGroupReply and React).
func (s *Session) notARoom(ctx context.Context, peer string) error {
	rooms, err := s.p.st.Rooms(ctx, s.account.JID)
	if err != nil {
		return err
	}
	for _, r := range rooms {
		if r.JID == peer {
			return fmt.Errorf("%s is a room: reply and react in it from the window (the command line does it in chats)", peer)
		}
	}
	return nil
}
