package xmppclient

import (
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

func presenceElement(to jid.JID, typ stanza.PresenceType, show string) xml.TokenReader {
	var inner xml.TokenReader
	if show != "" {
		inner = xmlstream.Wrap(xmlstream.Token(xml.CharData(show)), xml.StartElement{Name: xml.Name{Local: "show"}})
	}
	return stanza.Presence{To: to, Type: typ}.Wrap(inner)
}
