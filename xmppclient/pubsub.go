package xmppclient

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"
)

// publishItem publishes payload as item id of the account's PEP node
// with publish-options (XEP-0060 §7.1.5; mellium's pubsub package has
// none): each pair is a node configuration field and its value, which the
// server applies to a new node and checks against an existing one.
func (c *Client) publishItem(ctx context.Context, sess *xmpp.Session, node, id string, payload xml.TokenReader, options [][2]string) error {
	field := func(v, val string, hidden bool) xml.TokenReader {
		s := xml.StartElement{Name: xml.Name{Local: "field"}, Attr: []xml.Attr{xmlAttr("var", v)}}
		if hidden {
			s.Attr = append(s.Attr, xmlAttr("type", "hidden"))
		}
		return xmlstream.Wrap(xmlstream.Wrap(xmlstream.Token(xml.CharData(val)), xml.StartElement{Name: xml.Name{Local: "value"}}), s)
	}
	fields := []xml.TokenReader{field("FORM_TYPE", nsPubsub+"#publish-options", true)}
	for _, o := range options {
		fields = append(fields, field(o[0], o[1], false))
	}
	form := xmlstream.Wrap(
		xmlstream.MultiReader(fields...),
		xml.StartElement{Name: xml.Name{Space: nsXData, Local: "x"}, Attr: []xml.Attr{xmlAttr("type", "submit")}},
	)
	body := xmlstream.Wrap(
		xmlstream.MultiReader(
			xmlstream.Wrap(
				xmlstream.Wrap(payload, itemStart(id)),
				xml.StartElement{Name: xml.Name{Local: "publish"}, Attr: []xml.Attr{xmlAttr("node", node)}},
			),
			xmlstream.Wrap(form, xml.StartElement{Name: xml.Name{Local: "publish-options"}}),
		),
		xml.StartElement{Name: xml.Name{Space: nsPubsub, Local: "pubsub"}},
	)
	_, err := c.pubsubIQ(ctx, sess, stanza.IQ{Type: stanza.SetIQ}, body)
	return err
}

// retractItem removes item id from the account's PEP node, notifying the
// subscribers (our other devices).
func (c *Client) retractItem(ctx context.Context, sess *xmpp.Session, node, id string) error {
	body := xmlstream.Wrap(
		xmlstream.Wrap(
			xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "item"}, Attr: []xml.Attr{xmlAttr("id", id)}}),
			xml.StartElement{Name: xml.Name{Local: "retract"}, Attr: []xml.Attr{xmlAttr("node", node), xmlAttr("notify", "true")}},
		),
		xml.StartElement{Name: xml.Name{Space: nsPubsub, Local: "pubsub"}},
	)
	_, err := c.pubsubIQ(ctx, sess, stanza.IQ{Type: stanza.SetIQ}, body)
	return err
}

// allItems returns every item of the account's own PEP node (nil when
// there is none).
func (c *Client) allItems(ctx context.Context, sess *xmpp.Session, node string) ([]rawItem, error) {
	q := xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "items"}, Attr: []xml.Attr{xmlAttr("node", node)}}),
		xml.StartElement{Name: xml.Name{Space: nsPubsub, Local: "pubsub"}},
	)
	return c.pubsubItems(ctx, sess, stanza.IQ{Type: stanza.GetIQ}, q,
		stanza.Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition})
}
