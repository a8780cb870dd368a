package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Private messages to room occupants (XEP-0045 §7.5): type='chat' to
// room/nick with an empty <x xmlns='http://jabber.org/protocol/muc#user'/>,
// so the sender's and the occupant's servers (and carbons) know it is a
// room's private message. They are never OMEMO-encrypted: the occupant's
// real address, whose devices would be asked, is hidden by the room.
//
// Clove sends chat messages to contacts' bare addresses only, so an
// outgoing message to a full address is a room PM: that rule needs no
// extra field in the outbox (and no store migration), and it holds for a
// message queued offline and sent after a restart.

const nsMUCUser = "http://jabber.org/protocol/muc#user"

// isPrivateTo reports whether an outbox entry's address is a room
// occupant's (room/nick).
func isPrivateTo(to string) bool {
	j, err := jid.Parse(to)
	return err == nil && j.Localpart() != "" && j.Resourcepart() != ""
}

// SendPrivate queues body for occupant (room/nick) as a private message
// and sends it if online; it returns the message's id. The account should
// be in the room: the room refuses a private message from outside.
func (c *Client) SendPrivate(ctx context.Context, occupant jid.JID, body string) (string, error) {
	if occupant.Localpart() == "" || occupant.Resourcepart() == "" {
		return "", fmt.Errorf("%s is not a room occupant's address (expected room@service/nick)", occupant)
	}
	return c.send(ctx, occupant, body, nil, nil)
}

// mucUserTokens is the empty <x/> marking a private message.
func mucUserTokens() []xml.Token {
	x := xml.StartElement{Name: xml.Name{Space: nsMUCUser, Local: "x"}}
	return []xml.Token{x, x.End()}
}

// privateMessage reports whether an incoming chat message m (converted to
// msg) is a room's private message: it carries muc#user's <x/>, or comes
// from (or, ours, goes to) an occupant of a room we are in.
func (c *Client) privateMessage(m *inMessage, msg Message) bool {
	if m.Type == "groupchat" || m.Type == "error" {
		return false
	}
	other := msg.From
	if msg.Outgoing {
		other = msg.To
	}
	if other.Resourcepart() == "" || other.Localpart() == "" {
		return false
	}
	if m.MUCUser != nil {
		return true
	}
	_, in := c.RoomNick(other.Bare())
	return in
}
