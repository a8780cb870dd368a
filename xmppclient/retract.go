package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Message retraction (XEP-0424, "delete for everyone"): a message naming
// an earlier one of the same sender that its readers' clients should
// delete. Sent in both versions in use: urn:xmpp:message-retract:1 (0.4;
// Gajim's DOAP lists 0.4.2 since 2.2.0) and the older
// urn:xmpp:message-retract:0 inside XEP-0422's <apply-to/> (slixmpp 1.8.3
// as in Debian 12); either is taken when received. Whether a retraction
// may apply (the same sender, a message of theirs) is decided where the
// original is known: the store.
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
// XEP-0424 before 0.4 wraps it, and a room's moderation (XEP-0425 0.2,
// prosody-modules' mod_muc_moderation) too.
type applyToEl struct {
	ID        string     `xml:"id,attr"`
	Retract   *struct{}  `xml:"urn:xmpp:message-retract:0 retract"`
	Moderated *moderated `xml:"urn:xmpp:message-moderate:0 moderated"`
}

// retractEl is XEP-0424 0.4's <retract id='…'/>; a room's moderation
// (XEP-0425 0.3) puts <moderated/> and the reason in it.
type retractEl struct {
	ID        string     `xml:"id,attr"`
	Moderated *moderated `xml:"urn:xmpp:message-moderate:1 moderated"`
	Reason    string     `xml:"urn:xmpp:message-retract:1 reason"`
}

// moderated is XEP-0425's <moderated by='room/nick'/>: in 0.2 with the
// <retract/> and reason inside it.
type moderated struct {
	By      string    `xml:"by,attr"`
	Retract *struct{} `xml:"urn:xmpp:message-retract:0 retract"`
	Reason  string    `xml:"reason"`
}

// retraction is what a message retracts: the id, and for a room's
// moderation who did it and why (moderated false: the sender's own).
type retraction struct {
	id             string
	moderated      bool
	moderator, why string
}

// retraction reads m's retraction, in either version, and its moderation.
func (m *inMessage) retraction() retraction {
	if r := m.Retract; r != nil && r.ID != "" {
		if r.Moderated != nil {
			return retraction{id: r.ID, moderated: true, moderator: r.Moderated.By, why: r.Reason}
		}
		return retraction{id: r.ID}
	}
	if a := m.ApplyTo; a != nil && a.ID != "" {
		if mod := a.Moderated; mod != nil && mod.Retract != nil {
			return retraction{id: a.ID, moderated: true, moderator: mod.By, why: mod.Reason}
		}
		if a.Retract != nil {
			return retraction{id: a.ID}
		}
	}
	return retraction{}
}

// SendRetraction accepts the retraction of our message id to to (a
// contact, or a room's occupant): durable first, then sent, as Send
// does. The returned id is the retraction's own. A room's goes at once
// (SendGroupRetraction).
func (c *Client) SendRetraction(ctx context.Context, to jid.JID, id string) (string, error) {
	if id == "" {
		return "", errors.New("no message to delete")
	}
	if to.Domainpart() == "" {
		return "", fmt.Errorf("%q is not a valid address", to.String())
	}
	e := OutboxEntry{ID: randomID(), To: to.String(), Created: time.Now().UTC(), Replace: id, Retract: true}
	return c.enqueueAndSend(ctx, e)
}

// retractTokens is retraction id (of our message of) to on the wire, of
// type typ (chat or groupchat): both versions' elements, their fallback
// marks and text for clients that have neither, the origin-id and the
// store hint (XEP-0424 §4: so that the archive keeps it for our devices
// that are offline).
func retractTokens(id, to, of, typ string) xml.TokenReader {
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", id), xmlAttr("to", to), xmlAttr("type", typ)}}
	r1 := xml.StartElement{Name: xml.Name{Space: nsRetract, Local: "retract"}, Attr: []xml.Attr{xmlAttr("id", of)}}
	apply := xml.StartElement{Name: xml.Name{Space: nsFasten, Local: "apply-to"}, Attr: []xml.Attr{xmlAttr("id", of)}}
	r0 := xml.StartElement{Name: xml.Name{Space: nsRetract0, Local: "retract"}}
	fb1 := xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{xmlAttr("for", nsRetract)}}
	fb0 := xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{xmlAttr("for", nsRetract0)}}
	body := xml.StartElement{Name: xml.Name{Local: "body"}}
	oid := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:sid:0", Local: "origin-id"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	toks := []xml.Token{msg,
		r1, r1.End(),
		apply, r0, r0.End(), apply.End(),
		fb1, fb1.End(), fb0, fb0.End(),
		body, xml.CharData(retractText), body.End(),
		oid, oid.End(),
		hint, hint.End(),
	}
	if isPrivateTo(to) {
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
	rid := randomID()
	return rid, sess.Send(ctx, retractTokens(rid, room.String(), id, "groupchat"))
}

// ErrModerationRefused: the room would not remove the message (we are not
// a moderator there, or it has no moderation).
var ErrModerationRefused = errors.New("the room refused to remove the message")

// ModerateGroup asks room to remove someone's message for everyone, as
// its moderator (XEP-0425): id is the room's stanza-id of it, why the
// reason shown ("" for none). Asked first as prosody-modules'
// mod_muc_moderation understands it (XEP-0425 0.2, message-moderate:0),
// then as 0.3 (message-moderate:1) if the room knows only that.
func (c *Client) ModerateGroup(ctx context.Context, room jid.JID, id, why string) error {
	if id == "" {
		return errors.New("no message to remove")
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	reason := func(space string) []xml.Token {
		if why == "" {
			return nil
		}
		r := xml.StartElement{Name: xml.Name{Space: space, Local: "reason"}}
		return []xml.Token{r, xml.CharData(why), r.End()}
	}
	apply := xml.StartElement{Name: xml.Name{Space: nsFasten, Local: "apply-to"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	mod0 := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:message-moderate:0", Local: "moderate"}}
	r0 := xml.StartElement{Name: xml.Name{Space: nsRetract0, Local: "retract"}}
	v0 := append([]xml.Token{apply, mod0, r0, r0.End()}, reason("urn:xmpp:message-moderate:0")...)
	v0 = append(v0, mod0.End(), apply.End())
	mod1 := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:message-moderate:1", Local: "moderate"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	r1 := xml.StartElement{Name: xml.Name{Space: nsRetract, Local: "retract"}}
	v1 := append([]xml.Token{mod1, r1, r1.End()}, reason("urn:xmpp:message-moderate:1")...)
	v1 = append(v1, mod1.End())
	var first error
	for _, payload := range [][]xml.Token{v0, v1} {
		err := sess.UnmarshalIQElement(ctx, &tokenList{toks: payload}, stanza.IQ{Type: stanza.SetIQ, To: room.Bare()}, nil)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
		var se stanza.Error
		if !errors.As(err, &se) || (se.Condition != stanza.FeatureNotImplemented && se.Condition != stanza.ServiceUnavailable && se.Condition != stanza.BadRequest) {
			break // refused as such (forbidden, not found): no second try
		}
	}
	return fmt.Errorf("%w: %w", ErrModerationRefused, first)
}
