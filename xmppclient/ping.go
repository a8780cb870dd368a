package xmppclient

import (
	"context"

	"mellium.im/xmpp"
	"mellium.im/xmpp/ping"
)

func (c *Client) ping(ctx context.Context, sess *xmpp.Session) error {
	return ping.Send(ctx, sess, c.cfg.JID.Domain())
}

// Ping checks the server answers.
func (c *Client) Ping(ctx context.Context) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	return c.ping(ctx, sess)
}
