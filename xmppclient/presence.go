package xmppclient

import (
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// presenceElement is a presence stanza; show ("", "away", "xa", "dnd",
// "chat") and status (a free text) are left out when empty. An available
// one carries extra too (a nil is left out): the avatar's hash.
func presenceElement(to jid.JID, typ stanza.PresenceType, show, status string, extra ...xml.TokenReader) xml.TokenReader {
	var inner []xml.TokenReader
	if show != "" {
		inner = append(inner, xmlstream.Wrap(xmlstream.Token(xml.CharData(show)), xml.StartElement{Name: xml.Name{Local: "show"}}))
	}
	if status != "" {
		inner = append(inner, xmlstream.Wrap(xmlstream.Token(xml.CharData(status)), xml.StartElement{Name: xml.Name{Local: "status"}}))
	}
	if typ == "" {
		// Available: say what the client can do (caps.go), so that the
		// server sends it the PEP events it asks for (+notify).
		inner = append(inner, capsElement())
		for _, x := range extra {
			if x != nil {
				inner = append(inner, x)
			}
		}
	}
	return stanza.Presence{To: to, Type: typ}.Wrap(xmlstream.MultiReader(inner...))
}
