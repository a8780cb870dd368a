package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Registering with a room (XEP-0045 §7.10) and discovering the nickname we
// registered there (§7.12). Both are plain IQs to the room's bare address:
// nothing outside the XMPP stream, so safe in I2P mode.

const (
	nsMUCRegister   = "http://jabber.org/protocol/muc#register"
	nodeRoomUser    = "x-roomuser-item"
	fieldRoomNick   = "muc#register_roomnick"
	maxRegFormField = 64 // a room's form with more fields is refused, not filled
)

// ReservedNick asks room for the nickname we registered there (disco#info
// with node x-roomuser-item, §7.12). It returns "" with no error when the
// room names none.
func (c *Client) ReservedNick(ctx context.Context, room jid.JID) (string, error) {
	sess, err := c.session()
	if err != nil {
		return "", err
	}
	q := xmlstream.Wrap(nil, xml.StartElement{
		Name: xml.Name{Space: nsDiscoInfo, Local: "query"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "node"}, Value: nodeRoomUser}},
	})
	var d discoIdentities
	if err := sess.UnmarshalIQElement(ctx, q, stanza.IQ{To: room.Bare(), Type: stanza.GetIQ}, &d); err != nil {
		return "", fmt.Errorf("reserved nickname in %s: %w", room.Bare(), err)
	}
	for _, id := range d.Identity {
		if id.Category == "conference" && id.Name != "" {
			return id.Name, nil
		}
	}
	return "", nil
}

// ErrAlreadyRegistered is returned by RegisterWithRoom when the room says
// we are registered already (<registered/>); Nick is the registered one
// where the room said it.
type ErrAlreadyRegistered struct{ Nick string }

func (e *ErrAlreadyRegistered) Error() string {
	if e.Nick != "" {
		return fmt.Sprintf("already registered as %s", e.Nick)
	}
	return "already registered"
}

type regQuery struct {
	Registered *struct{} `xml:"registered"`
	Username   string    `xml:"username"`
	Form       *xForm    `xml:"jabber:x:data x"`
}

// RegisterWithRoom registers nick as ours in room (§7.10): it asks for the
// room's registration form and submits it with the nick, the hidden
// fields as given, and the other fields empty. A form that requires a
// field we cannot fill is one clear error; so is the room's refusal (a
// stanza.Error: conflict when another registered that nick).
func (c *Client) RegisterWithRoom(ctx context.Context, room jid.JID, nick string) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	var q regQuery
	err = sess.UnmarshalIQElement(ctx, discoQuery(nsRegister), stanza.IQ{To: room, Type: stanza.GetIQ}, &q)
	if err != nil {
		return fmt.Errorf("registering with %s: %w", room, err)
	}
	if q.Registered != nil {
		return &ErrAlreadyRegistered{Nick: q.Username}
	}
	if q.Form == nil {
		return fmt.Errorf("registering with %s: the room sent no registration form", room)
	}
	form, err := fillRegForm(q.Form.Fields, nick)
	if err != nil {
		return fmt.Errorf("registering with %s: %w", room, err)
	}
	set := xmlstream.Wrap(form, xml.StartElement{Name: xml.Name{Space: nsRegister, Local: "query"}})
	if err := sess.UnmarshalIQElement(ctx, set, stanza.IQ{To: room, Type: stanza.SetIQ}, nil); err != nil {
		var se stanza.Error
		if errors.As(err, &se) && se.Condition == stanza.Conflict {
			return fmt.Errorf("the nickname %s is already taken in %s (registered or used by someone else): %w", nick, room, err)
		}
		return fmt.Errorf("registering with %s: %w", room, err)
	}
	return nil
}

// fillRegForm is the submitted form: FORM_TYPE and other hidden fields
// kept, the nick in muc#register_roomnick, everything else left out.
func fillRegForm(fields []xField, nick string) (xml.TokenReader, error) {
	if len(fields) > maxRegFormField {
		return nil, errors.New("the registration form is too large")
	}
	var out []xml.TokenReader
	hasNick := false
	for _, f := range fields {
		var vals []string
		switch {
		case f.Var == fieldRoomNick:
			vals, hasNick = []string{nick}, true
		case f.Type == "hidden" || f.Type == "fixed":
			vals = f.Values
		case f.Required != nil:
			return nil, fmt.Errorf("the room requires %q, which Clove cannot fill in", f.Var)
		default:
			continue
		}
		if f.Var == "" || f.Type == "fixed" {
			continue
		}
		var vs []xml.TokenReader
		for _, v := range vals {
			vs = append(vs, textElement("value", v))
		}
		out = append(out, xmlstream.Wrap(xmlstream.MultiReader(vs...), xml.StartElement{
			Name: xml.Name{Local: "field"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "var"}, Value: f.Var}},
		}))
	}
	if !hasNick {
		return nil, errors.New("the registration form has no nickname field")
	}
	return xmlstream.Wrap(xmlstream.MultiReader(out...), xml.StartElement{
		Name: xml.Name{Space: "jabber:x:data", Local: "x"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "submit"}},
	}), nil
}
