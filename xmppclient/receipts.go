package xmppclient

import (
	"context"
	"encoding/xml"
	"time"

	"mellium.im/xmpp/jid"
)

type receiptMessage struct {
	XMLName  xml.Name `xml:"jabber:client message"`
	ID       string   `xml:"id,attr"`
	To       string   `xml:"to,attr"`
	Received idEl     `xml:"urn:xmpp:receipts received"`
}

func (c *Client) sendReceipt(to jid.JID, id string) {
	c.mu.Lock()
	sess := c.sess
	c.mu.Unlock()
	if sess == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Encode(ctx, receiptMessage{ID: randomID(), To: to.String(), Received: idEl{ID: id}}); err != nil {
		c.log.Debug("receipt not sent", "err", err)
	}
}
