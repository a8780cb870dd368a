package xmppclient

import (
	"context"
	"fmt"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/roster"
	"mellium.im/xmpp/stanza"
)

func (c *Client) fetchRoster(ctx context.Context, sess *xmpp.Session) error {
	iter := roster.Fetch(ctx, sess)
	var items []RosterItem
	for iter.Next() {
		it := iter.Item()
		sub := it.Subscription
		if sub == "" {
			sub = "none"
		}
		items = append(items, RosterItem{JID: it.JID, Name: it.Name, Subscription: sub, Groups: it.Group})
	}
	ver := iter.Version()
	if err := iter.Err(); err != nil {
		iter.Close()
		return fmt.Errorf("loading the contact list: %w", err)
	}
	iter.Close()
	c.emit(RosterChanged{Items: items, Ver: ver, Full: true})
	return nil
}

// AddContact adds or renames a roster entry and, with subscribe, asks to see
// the contact's presence.
func (c *Client) AddContact(ctx context.Context, j jid.JID, name string, groups []string, subscribe bool) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := roster.Set(ctx, sess, roster.Item{JID: j.Bare(), Name: name, Group: groups}); err != nil {
		return fmt.Errorf("adding %s to the contact list: %w", j.Bare(), err)
	}
	if subscribe {
		return c.presenceTo(ctx, sess, j.Bare(), stanza.SubscribePresence)
	}
	return nil
}

// RemoveContact removes a roster entry (which also cancels subscriptions).
func (c *Client) RemoveContact(ctx context.Context, j jid.JID) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := roster.Delete(ctx, sess, j.Bare()); err != nil {
		return fmt.Errorf("removing %s from the contact list: %w", j.Bare(), err)
	}
	return nil
}

// Approve lets j see our presence; Deny refuses (or revokes) it.
func (c *Client) Approve(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.SubscribedPresence)
}

// Deny refuses or revokes j's subscription to our presence.
func (c *Client) Deny(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.UnsubscribedPresence)
}

// Subscribe asks to see j's presence.
func (c *Client) Subscribe(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.SubscribePresence)
}

// SetPresence broadcasts our availability: show is "", "away", "chat",
// "dnd" or "xa".
func (c *Client) SetPresence(ctx context.Context, show string) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.status = show
	c.mu.Unlock()
	return sess.Send(ctx, presenceElement(jid.JID{}, "", show))
}

func (c *Client) sendPresence(ctx context.Context, to jid.JID, typ stanza.PresenceType) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	return c.presenceTo(ctx, sess, to, typ)
}

func (c *Client) presenceTo(ctx context.Context, sess *xmpp.Session, to jid.JID, typ stanza.PresenceType) error {
	return sess.Send(ctx, presenceElement(to, typ, ""))
}
