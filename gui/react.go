package gui

import (
	"context"
	"strings"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

// Replies and reactions between the window and the session.

var _ ui.Reactor = (*Backend)(nil)

// reactSink is a Sink that also shows reactions.
type reactSink interface {
	OnReactions(peer string, id int64, ref string, rs []ui.ReactionCount)
}

// refSink is a Sink that learns the id a room names our message by.
type refSink interface{ OnMessageRef(key, ref string) }

// SendReply queues text as a reply to m (ui.Reactor).
func (b *Backend) SendReply(ctx context.Context, peer, text string, m ui.Message) (ui.Message, error) {
	s, err := b.session()
	if err != nil {
		return ui.Message{}, err
	}
	text = strings.TrimRight(text, "\n")
	if room, err := chat.RoomJID(peer); err == nil {
		if _, in := s.RoomNick(room); in {
			sent, err := s.SendGroupReply(ctx, peer, text, m.Ref)
			if err != nil {
				return ui.Message{}, err
			}
			out := uiMessage(sent)
			out.ID = 0
			return out, nil
		}
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.Message{}, err
	}
	id, err := s.SendReply(ctx, to, text, m.Ref)
	if err != nil {
		return ui.Message{}, err
	}
	out, err := b.queued(id, to.Bare().String(), text)
	out.Reply = &ui.ReplyInfo{ID: m.Ref, To: m.From, Quote: m.Body}
	return out, err
}

// React sends our whole set of reactions to m (ui.Reactor).
func (b *Backend) React(ctx context.Context, peer string, m ui.Message, emojis []string) ([]ui.ReactionCount, error) {
	s, err := b.session()
	if err != nil {
		return nil, err
	}
	rc, err := s.React(ctx, peer, m.Ref, emojis)
	if err != nil {
		return nil, err
	}
	return reactionCounts(rc.All, func(sender string) bool { return rc.Mine[sender] }), nil
}

// reactionCounts groups stored reactions by emoji, in the order each
// emoji first came; mine tells our own senders.
func reactionCounts(all []store.Reaction, mine func(sender string) bool) []ui.ReactionCount {
	var out []ui.ReactionCount
	at := map[string]int{}
	for _, r := range all {
		own := mine(r.Sender)
		who := senderName(r.Sender)
		if own {
			who = "You"
		}
		for _, e := range r.Emojis {
			i, ok := at[e]
			if !ok {
				i = len(out)
				at[e] = i
				out = append(out, ui.ReactionCount{Emoji: e})
			}
			out[i].Who = append(out[i].Who, who)
			out[i].Mine = out[i].Mine || own
		}
	}
	return out
}

// senderName is how a reaction's sender is named: a room's nick, a
// contact's address.
func senderName(sender string) string {
	if _, nick, ok := strings.Cut(sender, "/"); ok {
		return nick
	}
	return sender
}

// forwardReactions shows reactions the session saved.
func forwardReactions(w Sink, rc chat.ReactionsChanged) {
	if r, ok := w.(reactSink); ok {
		r.OnReactions(rc.Peer, rc.MessageID, rc.ID, reactionCounts(rc.All, func(s string) bool { return rc.Mine[s] }))
	}
}
