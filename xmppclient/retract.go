package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
)

// Message retraction (XEP-0424, "delete for everyone"): a message naming
// an earlier one of the same sender that its readers' clients should
// delete. Sent in both versions in use: urn:xmpp:message-retract:1 (0.4;
// Gajim's DOAP lists 0.4.2 since 2.2.0) and the older
// urn:xmpp:message-retract:0 inside XEP-0422's <apply-to/> (slixmpp 1.8.3
// as in Debian 12); either is taken when received. Whether a retraction may apply (the same sender, a message of
// theirs) is decided where the original is known: the store.
//
// A retraction carries no text, so it goes unencrypted even where the
// chat's messages are encrypted and plaintext is refused.

const (
	nsRetract   = "urn:xmpp:message-retract:1"
	nsRetract0  = "urn:xmpp:message-retract:0"
	nsFasten    = "urn:xmpp:fasten:0"
	retractText = "/me retracted a previous message, but it's unsupported by your client."
)

// applyToEl is XEP-0422's <apply-to id='…'/>, as the retraction of
// XEP-0424 before 0.4 wraps it.
type applyToEl struct {
	ID      string    `xml:"id,attr"`
	Retract *struct{} `xml:"urn:xmpp:message-retract:0 retract"`
}

// retractedID is the id of the message m retracts, or "".
func (m *inMessage) retractedID() string {
	if m.Retract != nil && m.Retract.ID != "" {
		return m.Retract.ID
	}
	if m.ApplyTo != nil && m.ApplyTo.Retract != nil {
		return m.ApplyTo.ID
	}
	return ""
}

// SendRetraction accepts the retraction of our message id to to (a
// contact, a room's occupant, or with groupchat a room, where id is the
// room's stanza-id of it): durable first, then sent, as Send does. The
// returned id is the retraction's own.
func (c *Client) SendRetraction(ctx context.Context, to jid.JID, id string, groupchat bool) (string, error) {
	if id == "" {
		return "", errors.New("no message to delete")
	}
	if to.Domainpart() == "" {
		return "", fmt.Errorf("%q is not a valid address", to.String())
	}
	e := OutboxEntry{ID: randomID(), To: to.String(), Created: time.Now().UTC(), Replace: id, Retract: true, Groupchat: groupchat}
	return c.enqueueAndSend(ctx, e)
}

// retractTokens is e, a retraction, on the wire: both versions' elements,
// their fallback marks and text for clients that have neither, the
// origin-id and the store hint (XEP-0424 §4: so that the archive keeps it
// for our devices that are offline).
func retractTokens(e OutboxEntry) xml.TokenReader {
	typ := "chat"
	if e.Groupchat {
		typ = "groupchat"
	}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", e.ID), xmlAttr("to", e.To), xmlAttr("type", typ)}}
	r1 := xml.StartElement{Name: xml.Name{Space: nsRetract, Local: "retract"}, Attr: []xml.Attr{xmlAttr("id", e.Replace)}}
	apply := xml.StartElement{Name: xml.Name{Space: nsFasten, Local: "apply-to"}, Attr: []xml.Attr{xmlAttr("id", e.Replace)}}
	r0 := xml.StartElement{Name: xml.Name{Space: nsRetract0, Local: "retract"}}
	fb1 := xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{xmlAttr("for", nsRetract)}}
	fb0 := xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{xmlAttr("for", nsRetract0)}}
	body := xml.StartElement{Name: xml.Name{Local: "body"}}
	oid := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:sid:0", Local: "origin-id"}, Attr: []xml.Attr{xmlAttr("id", e.ID)}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	toks := []xml.Token{msg,
		r1, r1.End(),
		apply, r0, r0.End(), apply.End(),
		fb1, fb1.End(), fb0, fb0.End(),
		body, xml.CharData(retractText), body.End(),
		oid, oid.End(),
		hint, hint.End(),
	}
	if isPrivateTo(e.To) {
		toks = append(toks, mucUserTokens()...)
	}
	return &tokenList{toks: append(toks, msg.End())}
}

// SendGroupRetraction retracts our message in room, id being the room's
// stanza-id of it (or, in a room that gives none, its origin-id): sent at
// once, as a room's messages are (we must be in the room). The returned
// id is the retraction's own.
func (c *Client) SendGroupRetraction(ctx context.Context, room jid.JID, id string) (string, error) {
	sess, err := c.session()
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("no message to delete")
	}
	room = room.Bare()
	c.mu.Lock()
	_, in := c.rooms[room.String()]
	c.mu.Unlock()
	if !in {
		return "", fmt.Errorf("join %s first", room)
	}
	e := OutboxEntry{ID: randomID(), To: room.String(), Replace: id, Retract: true, Groupchat: true}
	return e.ID, sess.Send(ctx, retractTokens(e))
}
