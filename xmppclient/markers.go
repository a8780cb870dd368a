package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Chat markers (XEP-0333), the "displayed" one alone, as Gajim does (Dino
// and Conversations also send "received", which receipts, XEP-0184,
// already say here): our chat messages are markable, and a contact's
// client says which of them the contact has seen; the window says which
// of theirs the user has seen, when the user wants it said (chat.Session
// decides: the preference, the contact's message markable, presence
// shared). Rooms are left out: a marker there tells every occupant.

const nsMarkers = "urn:xmpp:chat-markers:0"

// MarkerReceived reports a displayed marker (XEP-0333): the sender's
// client showed message ID and everything before it in the chat. From
// our own address (Outgoing: a carbon or the archive's copy of a marker
// one of our other devices sent to To), it says the user read the chat
// there.
type MarkerReceived struct {
	From, To jid.JID
	ID       string
	Outgoing bool
	Archived bool
}

func (MarkerReceived) isEvent() {}

// markableTokens is the <markable/> a chat message carries.
func markableTokens() []xml.Token {
	m := xml.StartElement{Name: xml.Name{Space: nsMarkers, Local: "markable"}}
	return []xml.Token{m, m.End()}
}

// SendDisplayed tells to that the user has seen their message id (and
// those before it): a displayed marker, with the store hint so that the
// account's other devices learn it from the archive too. Sent at once,
// never queued: a marker that cannot go now is not worth keeping.
func (c *Client) SendDisplayed(ctx context.Context, to jid.JID, id string) error {
	if id == "" {
		return errors.New("no message to mark")
	}
	if to.Domainpart() == "" {
		return fmt.Errorf("%q is not a valid address", to.String())
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", randomID()), xmlAttr("to", to.String()), xmlAttr("type", "chat")}}
	d := xml.StartElement{Name: xml.Name{Space: nsMarkers, Local: "displayed"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	toks := []xml.Token{msg, d, d.End(), hint, hint.End()}
	if isPrivateTo(to.String()) {
		toks = append(toks, mucUserTokens()...)
	}
	return sess.Send(ctx, &tokenList{toks: append(toks, msg.End())})
}
