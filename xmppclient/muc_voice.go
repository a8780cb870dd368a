package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

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

// VoiceRequest reports that Nick asks room's moderators (us among them)
// for voice (§8.6): the room forwards the visitor's request as a
// muc#request form. Giving it is SetRole participant.
type VoiceRequest struct {
	Room jid.JID
	Nick string
	JID  jid.JID // their real address, if the room says it
}

func (VoiceRequest) isEvent() {}

// voiceRequest reads m as a room's forwarded voice request: from a room
// we are in (its bare address), a muc#request form naming a nick.
func (c *Client) voiceRequest(m *inMessage) (VoiceRequest, bool) {
	if m.Form == nil || m.Type == "groupchat" || m.Type == "error" {
		return VoiceRequest{}, false
	}
	from, err := jid.Parse(m.From)
	if err != nil || from.Resourcepart() != "" {
		return VoiceRequest{}, false
	}
	if _, in := c.RoomNick(from); !in {
		return VoiceRequest{}, false
	}
	vr := VoiceRequest{Room: from, Nick: strings.TrimSpace(m.Form.value("muc#roomnick"))}
	if j, err := jid.Parse(strings.TrimSpace(m.Form.value("muc#jid"))); err == nil {
		vr.JID = j.Bare()
	}
	return vr, strings.TrimSpace(m.Form.value("FORM_TYPE")) == nsMUCRequest && vr.Nick != ""
}
