package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Changing availability in a room (XEP-0045 §7.7). A room is joined by
// directed presence, and prosody 0.12 (mod_presence.lua,
// handle_normal_presence) sends later broadcast presence only to the roster
// and the account's other resources: to directed-presence targets it sends
// only the unavailable one, as RFC 6121 §4.6.3 allows. So a room would keep
// the show and status of the moment we joined (TestRoomSeesOurPresence
// measured it). The client therefore sends each change to every room it is
// in, itself: to room/nick, with show, status, caps and the avatar's hash,
// without muc's <x/> (that would be a new join). Never while invisible:
// then the rooms keep the plain presence the re-entry sent.

// presenceToRooms sends our presence (show, status) to each room we are
// in. A failure to write ends the loop: the stream is broken.
func (c *Client) presenceToRooms(ctx context.Context, sess *xmpp.Session, show, text string, photo ownPhoto) error {
	rooms := c.joinedRooms()
	for r, nick := range rooms {
		occ, err := jid.Parse(r + "/" + nick)
		if err != nil {
			continue
		}
		if err := sess.Send(ctx, presenceElement(occ, "", show, text, photo.element())); err != nil {
			return fmt.Errorf("telling %s your presence: %w", r, err)
		}
	}
	return nil
}

// joinShow is the show and status a join carries: the chosen presence,
// or none while invisible (the room then sees us plainly available, as
// it would without the list).
func (c *Client) joinShow() []xml.TokenReader {
	c.mu.Lock()
	show, text := c.status, c.statusText
	c.mu.Unlock()
	if show == Invisible {
		return nil
	}
	var out []xml.TokenReader
	if show != "" {
		out = append(out, xmlstream.Wrap(xmlstream.Token(xml.CharData(show)), xml.StartElement{Name: xml.Name{Local: "show"}}))
	}
	if text != "" {
		out = append(out, xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Local: "status"}}))
	}
	return out
}
