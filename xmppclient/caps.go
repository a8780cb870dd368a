package xmppclient

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"slices"
	"strings"

	"mellium.im/xmlstream"

	"github.com/clove-xmpp/clove/omemo"
)

// The client's own service discovery (XEP-0030) and entity capabilities
// (XEP-0115). Prosody's PEP sends a contact's PEP events only to clients
// whose features name the node with "+notify": it reads the caps hash in
// their presence and asks them disco#info for it. OMEMO device lists of
// contacts arrive that way (eu.siacs.conversations.axolotl.devicelist+notify).

const (
	nsCaps = "http://jabber.org/protocol/caps"
	// capsNode names the software in caps; only its form matters.
	capsNode = "https://github.com/clove-xmpp/clove"
)

// clientFeatures are what the client answers to disco#info, sorted.
func clientFeatures() []string {
	f := []string{
		nsDiscoInfo,
		nsCaps,
		"urn:xmpp:ping",
		"urn:xmpp:receipts",
		"urn:xmpp:carbons:2",
		nsReply,
		nsFallback,
		nsReactions,
		nsChatStates,
		nsCorrect,
		nsRetract, // XEP-0424, retract.go (and the older :0, still in use)
		nsRetract0,
		nsMarkers,         // XEP-0333 displayed markers, markers.go
		nsMDS + "+notify", // XEP-0490: our other devices' reading, mds.go
		// XEP-0393: the window shows message styling (ui/styling.go).
		"urn:xmpp:styling:0",
		// XEP-0066 in messages: a file's URL as out-of-band data, sent
		// (plaintext chats, rooms) and taken as a file when received.
		nsOOB,
		omemo.NodeDeviceList + "+notify",
		// Multi-user chat (XEP-0045 §6.1: a client that joins rooms says
		// so; inviters read it).
		"http://jabber.org/protocol/muc",
		nsConference,             // direct invitations (XEP-0249), invite.go
		nsBookmarks2 + "+notify", // bookmarks from other devices (XEP-0402)
		NSAvatarMetadata + "+notify",
	}
	slices.Sort(f)
	return f
}

// capsVer is XEP-0115's verification string for the client's identity
// (client/pc, no language, name Clove) and features, hashed with SHA-1.
func capsVer() string {
	var sb strings.Builder
	sb.WriteString("client/pc//Clove<")
	for _, f := range clientFeatures() {
		sb.WriteString(f)
		sb.WriteByte('<')
	}
	sum := sha1.Sum([]byte(sb.String())) // #nosec G401 -- XEP-0115 names SHA-1
	return base64.StdEncoding.EncodeToString(sum[:])
}

// capsElement is the <c/> element for available presence.
func capsElement() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{
		Name: xml.Name{Space: nsCaps, Local: "c"},
		Attr: []xml.Attr{xmlAttr("hash", "sha-1"), xmlAttr("node", capsNode), xmlAttr("ver", capsVer())},
	})
}

// discoInfoReply is the payload answering a disco#info query; node is
// echoed (prosody asks for "node#ver").
func discoInfoReply(node string) xml.TokenReader {
	q := xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}
	if node != "" {
		q.Attr = append(q.Attr, xmlAttr("node", node))
	}
	inner := []xml.TokenReader{xmlstream.Wrap(nil, xml.StartElement{
		Name: xml.Name{Local: "identity"},
		Attr: []xml.Attr{xmlAttr("category", "client"), xmlAttr("type", "pc"), xmlAttr("name", "Clove")},
	})}
	for _, f := range clientFeatures() {
		inner = append(inner, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "feature"}, Attr: []xml.Attr{xmlAttr("var", f)}}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), q)
}
