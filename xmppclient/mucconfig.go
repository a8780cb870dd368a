package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's configuration after its creation (XEP-0045 §10.2): its owner
// asks for the muc#owner form, changes it, submits it. The form is the
// room's own (XEP-0004: prosody 0.12 sends name, description, language,
// persistence, listing, password, members-only, invitations, moderation,
// subject changes, who sees real addresses, presence broadcast, history
// and private messages, each labelled), so it is shown and sent back as
// it came, field by field, whatever the server; only its values change.

// DataForm is a data form (XEP-0004) to be filled in.
type DataForm struct {
	Title, Instructions string
	Fields              []DataField
}

// DataField is one field of a DataForm.
type DataField struct {
	Var   string
	Type  string // boolean, fixed, hidden, jid-multi, jid-single, list-multi, list-single, text-multi, text-private, text-single ("": text-single)
	Label string
	Desc  string
	// Values: the current value(s); a boolean's is "1" or "0".
	Values   []string
	Options  []DataOption
	Required bool
}

// DataOption is one choice of a list field.
type DataOption struct{ Label, Value string }

// maxFormFields bounds a form a room sends: a hostile one could send
// millions of fields.
const maxFormFields = 200

// RoomConfig asks room for its configuration form. Only an owner may.
func (c *Client) RoomConfig(ctx context.Context, room jid.JID) (DataForm, error) {
	sess, err := c.session()
	if err != nil {
		return DataForm{}, err
	}
	room = room.Bare()
	var q struct {
		Form *xForm `xml:"jabber:x:data x"`
	}
	err = sess.UnmarshalIQElement(ctx, discoQuery(nsMUCOwner), stanza.IQ{To: room, Type: stanza.GetIQ}, &q)
	if err != nil {
		return DataForm{}, adminError(err, room, "", "read the settings of "+room.String())
	}
	if q.Form == nil {
		return DataForm{}, fmt.Errorf("%s sent no settings form", room)
	}
	if len(q.Form.Fields) > maxFormFields {
		return DataForm{}, fmt.Errorf("%s sent a settings form of %d fields: too many", room, len(q.Form.Fields))
	}
	f := DataForm{Title: strings.TrimSpace(q.Form.Title), Instructions: strings.TrimSpace(q.Form.Instructions)}
	for _, x := range q.Form.Fields {
		d := DataField{Var: x.Var, Type: x.Type, Label: strings.TrimSpace(x.Label), Desc: strings.TrimSpace(x.Desc), Values: x.Values, Required: x.Required != nil}
		if d.Type == "" {
			d.Type = "text-single"
		}
		if d.Type == "boolean" {
			d.Values = []string{boolValue(x.Values)}
		}
		for _, o := range x.Options {
			d.Options = append(d.Options, DataOption{Label: strings.TrimSpace(o.Label), Value: o.Value})
		}
		if d.Var == "" && d.Type != "fixed" {
			continue // nothing to send back
		}
		f.Fields = append(f.Fields, d)
	}
	return f, nil
}

// boolValue is a data form boolean ("1", "true") as "1" or "0".
func boolValue(vs []string) string {
	if len(vs) > 0 && (vs[0] == "1" || vs[0] == "true") {
		return "1"
	}
	return "0"
}

// ErrFormRequired: a required field of a form was left empty.
var ErrFormRequired = errors.New("required")

// SetRoomConfig submits form (as RoomConfig gave it, values changed) to
// room. Only an owner may.
func (c *Client) SetRoomConfig(ctx context.Context, room jid.JID, form DataForm) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	var fields []FormField
	for _, f := range form.Fields {
		if f.Var == "" || f.Type == "fixed" || f.Var == "FORM_TYPE" {
			continue // FORM_TYPE: configFields writes it
		}
		if f.Required && (len(f.Values) == 0 || strings.TrimSpace(strings.Join(f.Values, "")) == "") {
			label := f.Label
			if label == "" {
				label = f.Var
			}
			return fmt.Errorf("%q is %w", label, ErrFormRequired)
		}
		fields = append(fields, FormField{Var: f.Var, Values: f.Values})
	}
	x := xmlstream.Wrap(configFields(fields), xml.StartElement{Name: xml.Name{Space: "jabber:x:data", Local: "x"},
		Attr: []xml.Attr{xmlAttr("type", "submit")}})
	err = setIQTo(ctx, sess, room, xmlstream.Wrap(x, xml.StartElement{Name: xml.Name{Space: nsMUCOwner, Local: "query"}}))
	if err != nil {
		return adminError(err, room, "", "change the settings of "+room.String())
	}
	go c.refreshRoomPrivacy(room) // members-only and who sees addresses may have changed
	return nil
}
