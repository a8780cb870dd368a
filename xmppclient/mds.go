package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Message displayed synchronisation (XEP-0490), as Gajim does it: when
// the user has seen a chat up to a message, every device of the account
// is told, through an item of the account's own PEP node named after the
// chat, holding the stanza-id our server gave that message. Our other
// devices (Clove's, Gajim's, Conversations') then stop counting it unread.
// Only the account's own devices read the node (access model whitelist).

const nsMDS = "urn:xmpp:mds:displayed:0"

// ChatDisplayedElsewhere reports that one of the account's devices has
// shown the chat with Peer up to the message our server's archive calls
// StanzaID (XEP-0490).
type ChatDisplayedElsewhere struct {
	Peer     jid.JID
	StanzaID string
}

func (ChatDisplayedElsewhere) isEvent() {}

// PublishDisplayed tells the account's devices that the chat with peer
// was seen up to the message stanzaID (the stanza-id our server stamped on
// it, by our bare address).
func (c *Client) PublishDisplayed(ctx context.Context, peer jid.JID, stanzaID string) error {
	if stanzaID == "" {
		return errors.New("no message to mark")
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	sid := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:sid:0", Local: "stanza-id"},
		Attr: []xml.Attr{xmlAttr("id", stanzaID), xmlAttr("by", c.JID().Bare().String())}}
	payload := xmlstream.Wrap(xmlstream.Wrap(nil, sid), xml.StartElement{Name: xml.Name{Space: nsMDS, Local: "displayed"}})
	// XEP-0490 §4's node configuration is bookmarks' (persistent, whitelist).
	return c.publishItem(ctx, sess, nsMDS, peer.Bare().String(), payload, bookmarkOptions)
}

// onMDSEvent turns the account's own displayed items into events.
func (c *Client) onMDSEvent(from jid.JID, ev *pepEvent) {
	if !from.Equal(c.cfg.JID.Bare()) {
		return // only ours: someone else's node says nothing of our chats
	}
	me := c.JID().Bare().String()
	for _, it := range ev.Items.Items {
		peer, err := jid.Parse(it.ID)
		if err != nil || peer.Domainpart() == "" {
			continue
		}
		d, err := parseInner(it.Inner, func(r xml.TokenReader) (mdsDisplayed, error) {
			var d mdsDisplayed
			return d, xml.NewTokenDecoder(r).Decode(&d)
		})
		if err != nil || d.StanzaID.ID == "" || d.StanzaID.By != me {
			continue
		}
		c.emit(ChatDisplayedElsewhere{Peer: peer.Bare(), StanzaID: d.StanzaID.ID})
	}
}

// mdsDisplayed is an item's <displayed/>.
type mdsDisplayed struct {
	XMLName  xml.Name `xml:"urn:xmpp:mds:displayed:0 displayed"`
	StanzaID idEl     `xml:"urn:xmpp:sid:0 stanza-id"`
}
