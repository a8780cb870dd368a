package xmppclient

import (
	"context"
	"fmt"

	"mellium.im/xmpp/blocklist"
	"mellium.im/xmpp/jid"
)

// Blocking (XEP-0191): the server keeps the account's blocklist, drops the
// messages and presence of a blocked address and shows it the account as
// offline. mellium's blocklist package speaks it; pushes (another device
// of the account blocked someone) arrive in handleIQ as BlocklistChanged.

// Block adds j to the account's blocklist.
func (c *Client) Block(ctx context.Context, j jid.JID) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := blocklist.Add(ctx, sess, j.Bare()); err != nil {
		return fmt.Errorf("blocking %s: %w", j.Bare(), err)
	}
	c.forgetBlocklist()
	return nil
}

// Unblock takes j off the account's blocklist.
func (c *Client) Unblock(ctx context.Context, j jid.JID) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := blocklist.Remove(ctx, sess, j.Bare()); err != nil {
		return fmt.Errorf("unblocking %s: %w", j.Bare(), err)
	}
	c.forgetBlocklist()
	return nil
}

// Blocked is the account's blocklist, as the server keeps it.
func (c *Client) Blocked(ctx context.Context) ([]jid.JID, error) {
	sess, err := c.session()
	if err != nil {
		return nil, err
	}
	it := blocklist.Fetch(ctx, sess)
	var out []jid.JID
	for it.Next() {
		out = append(out, it.JID())
	}
	if err := it.Err(); err != nil {
		it.Close()
		return nil, fmt.Errorf("reading the blocklist: %w", err)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("reading the blocklist: %w", err)
	}
	return out, nil
}

// forgetBlocklist drops the blocklist read for invitations (invite.go):
// it is read again at the next one.
func (c *Client) forgetBlocklist() {
	c.mu.Lock()
	c.blockedSess = nil
	c.mu.Unlock()
}
