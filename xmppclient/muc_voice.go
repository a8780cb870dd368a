package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Requesting voice in a moderated room (XEP-0045 §7.13): a visitor sends
// the room a message holding a muc#request data form asking for the role
// participant; the room passes it to its moderators, who may grant it
// (the role change then comes as our own occupant presence, role
// participant).

const nsMUCRequest = "http://jabber.org/protocol/muc#request"

// RequestVoice asks room's moderators for voice (the participant role).
// The account must be in the room.
func (c *Client) RequestVoice(ctx context.Context, room jid.JID) error {
	room = room.Bare()
	if _, in := c.RoomNick(room); !in {
		return fmt.Errorf("not in %s", room)
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	attr := func(k, v string) xml.Attr { return xml.Attr{Name: xml.Name{Local: k}, Value: v} }
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{attr("id", randomID()), attr("to", room.String())}}
	x := xml.StartElement{Name: xml.Name{Space: "jabber:x:data", Local: "x"}, Attr: []xml.Attr{attr("type", "submit")}}
	field := func(v, typ, value string) []xml.Token {
		f := xml.StartElement{Name: xml.Name{Local: "field"}, Attr: []xml.Attr{attr("var", v)}}
		if typ != "" {
			f.Attr = append(f.Attr, attr("type", typ))
		}
		val := xml.StartElement{Name: xml.Name{Local: "value"}}
		return []xml.Token{f, val, xml.CharData(value), val.End(), f.End()}
	}
	toks := []xml.Token{msg, x}
	toks = append(toks, field("FORM_TYPE", "hidden", nsMUCRequest)...)
	toks = append(toks, field("muc#role", "list-single", "participant")...)
	toks = append(toks, x.End(), msg.End())
	if err := sess.Send(ctx, &tokenList{toks: toks}); err != nil {
		return fmt.Errorf("requesting voice in %s: %w", room, err)
	}
	return nil
}
