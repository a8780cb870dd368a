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

// This file is what a user does with an account: read its history, send,
// edit the roster. Reads work without a session; actions need one.

// Contacts lists account's roster and rooms.
func (p *Profile) Contacts(ctx context.Context, account string) ([]store.Contact, []store.Room, error) {
	cs, err := p.st.Contacts(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	rs, err := p.st.Rooms(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	return cs, rs, nil
}

// Strangers lists the peers account has a chat with who are neither
// contacts nor rooms: people who wrote without being in the roster.
func (p *Profile) Strangers(ctx context.Context, account string) ([]string, error) {
	return p.st.Strangers(ctx, account)
}

// History returns up to limit messages of account with peer ("": all
// chats) older than beforeID (0: the newest), oldest first.
func (p *Profile) History(ctx context.Context, account, peer string, beforeID int64, limit int) ([]store.Message, error) {
	return p.st.History(ctx, account, peer, beforeID, limit)
}

// Search finds account's messages with peer ("": all chats) by their
// words (the store's full-text index).
func (p *Profile) Search(ctx context.Context, account, peer, query string, limit int) ([]store.Message, error) {
	return p.st.Search(ctx, account, peer, query, limit)
}

// LastMessages returns the newest message of each of account's chats,
// newest chat first (the chat list's previews).
func (p *Profile) LastMessages(ctx context.Context, account string) ([]store.Message, error) {
	return p.st.LastMessages(ctx, account)
}

// DeleteChat deletes account's history with peer from the profile, the
// text overwritten in the file (store.DeleteChat); messages still to be
// sent stay. It returns how many messages went.
func (p *Profile) DeleteChat(ctx context.Context, account, peer string) (int64, error) {
	return p.st.DeleteChat(ctx, account, peer)
}

// Send accepts a chat message: it is in the outbox (durable) when Send
// returns, and goes out now or once online. The id is named again by the
// MessageAcked, ReceiptReceived or MessageFailed event about it.
func (s *Session) Send(ctx context.Context, to jid.JID, text string) (string, error) {
	s.typing.sent(to) // the message carries <active/>
	return s.client.Send(ctx, to, text)
}

// Correct accepts a correction (XEP-0308) of our message with id replaces
// (its origin id, as Send returned it) to to: text replaces its text, in
// the profile at once and at the contact's once it arrives. An id that
// names no message of ours to to is an error (store.ErrNotFound).
func (s *Session) Correct(ctx context.Context, to jid.JID, replaces, text string) (string, error) {
	s.typing.sent(to)
	return s.client.SendCorrection(ctx, to, replaces, text)
}

// SendMany accepts several messages in a few disk syncs (see
// xmppclient.Client.SendMany); on an error the ids returned are those
// accepted before it.
func (s *Session) SendMany(ctx context.Context, to jid.JID, texts []string) ([]string, error) {
	msgs := make([]xmppclient.Outgoing, len(texts))
	for i, t := range texts {
		msgs[i] = xmppclient.Outgoing{To: to, Body: t}
	}
	return s.client.SendMany(ctx, msgs)
}

// AddContact adds addr to the roster with a display name and asks to see
// its presence.
func (s *Session) AddContact(ctx context.Context, addr, name string) error {
	j, err := ContactJID(addr)
	if err != nil {
		return err
	}
	if err := s.client.AddContact(ctx, j, strings.TrimSpace(name), nil, true); err != nil {
		return fmt.Errorf("could not add %s: %w", j, err)
	}
	return nil
}

// RenameContact gives a contact another display name; its groups stay.
func (s *Session) RenameContact(ctx context.Context, addr, name string) error {
	j, err := ContactJID(addr)
	if err != nil {
		return err
	}
	var groups []string // kept as they are
	cs, err := s.p.st.Contacts(ctx, s.account.JID)
	if err != nil {
		return err
	}
	for _, sc := range cs {
		if sc.JID == j.String() {
			groups = sc.Groups
		}
	}
	if err := s.client.AddContact(ctx, j, strings.TrimSpace(name), groups, false); err != nil {
		return fmt.Errorf("could not rename %s: %w", j, err)
	}
	return nil
}

// RemoveContact removes a contact from the roster.
func (s *Session) RemoveContact(ctx context.Context, addr string) error {
	j, err := ContactJID(addr)
	if err != nil {
		return err
	}
	if err := s.client.RemoveContact(ctx, j); err != nil {
		return fmt.Errorf("could not remove %s: %w", j, err)
	}
	return nil
}

// AnswerSubscription lets addr see the account's presence, or denies it.
func (s *Session) AnswerSubscription(ctx context.Context, addr string, approve bool) error {
	j, err := ParsePeerJID(addr)
	if err != nil {
		return err
	}
	j = j.Bare()
	if !approve {
		return s.client.Deny(ctx, j)
	}
	return s.client.Approve(ctx, j)
}

// Subscribe asks to see j's presence.
func (s *Session) Subscribe(ctx context.Context, j jid.JID) error {
	return s.client.Subscribe(ctx, j)
}

// RoomTimeout is how long a room or the bookmarks may take to answer:
// minutes over I2P.
func (s *Session) RoomTimeout() time.Duration {
	if OverI2P(s.account) {
		return 5 * time.Minute
	}
	return 30 * time.Second
}

// errNotIn words a room action before the room was entered.
func errNotIn(room jid.JID) error {
	return fmt.Errorf("not in %s yet (joining happens once online)", room)
}

// ErrNoSession is a front end's answer to an action on an account that
// has no session yet (the window before the password was given).
var ErrNoSession = errors.New("not logged in yet: enter the password first")

// Drafts returns account's unsent drafts by chat.
func (p *Profile) Drafts(ctx context.Context, account string) (map[string]string, error) {
	return p.st.Drafts(ctx, account)
}

// SetDraft keeps what was typed for peer and not sent ("" forgets it), so
// it is there again after a restart.
func (p *Profile) SetDraft(ctx context.Context, account, peer, text string) error {
	return p.st.SetDraft(ctx, account, peer, text)
}

// Block puts addr on the account's blocklist (XEP-0191): the server drops
// what it sends and shows it the account as offline. A contact stays in
// the roster.
func (s *Session) Block(ctx context.Context, addr string) error {
	j, err := ContactJID(addr)
	if err != nil {
		return err
	}
	if err := s.client.Block(ctx, j); err != nil {
		return fmt.Errorf("could not block %s: %w", j, err)
	}
	return nil
}

// Unblock takes addr off the account's blocklist.
func (s *Session) Unblock(ctx context.Context, addr string) error {
	j, err := ContactJID(addr)
	if err != nil {
		return err
	}
	if err := s.client.Unblock(ctx, j); err != nil {
		return fmt.Errorf("could not unblock %s: %w", j, err)
	}
	return nil
}

// Blocked lists the account's blocked addresses.
func (s *Session) Blocked(ctx context.Context) ([]string, error) {
	js, err := s.client.Blocked(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.String()
	}
	return out, nil
}

// Invisible is the show that makes the account invisible: contacts see it
// unavailable while it sends and receives messages (XEP-0126; the server
// needs privacy lists, see Session.InvisibleSupport).
const Invisible = xmppclient.Invisible

// CheckShow says whether show is a presence SetStatus takes: one of RFC
// 6121's (4.7.2.1; "" is available) or Invisible.
func CheckShow(show string) error {
	switch show {
	case "", "away", "xa", "dnd", "chat", Invisible:
		return nil
	}
	return inputErrorf("%q is not a presence (away, xa, dnd, chat, invisible or empty)", show)
}

// InvisibleSupport says whether the account's server offers what Invisible
// needs, as found at the last login (unknown before one). It does not block.
func (s *Session) InvisibleSupport() xmppclient.Support { return s.client.InvisibleSupport() }

// SetStatus sets the account's presence: show is "" (available), "away",
// "xa" (not available), "dnd" (do not disturb), "chat" or Invisible, text
// a message contacts see beside it (nobody sees it while invisible). It is
// sent now when online and at every login.
func (s *Session) SetStatus(ctx context.Context, show, text string) error {
	if err := CheckShow(show); err != nil {
		return err
	}
	if err := s.client.SetPresence(ctx, show, strings.TrimSpace(text)); err != nil {
		return fmt.Errorf("could not set your status: %w", err)
	}
	return nil
}
