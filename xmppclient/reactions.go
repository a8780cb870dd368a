package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"
)

// Message reactions (XEP-0444): each <reactions id='…'> carries the
// sender's whole set of reactions to that message, so a new one replaces
// the old (an empty set takes them all back). They carry no body.

const nsReactions = "urn:xmpp:reactions:0"

// Bounds on what one reactions element may make Clove keep: a reaction
// is one emoji (a grapheme cluster of a few code points), and a person
// picks a handful. More is cut, quietly: 1,000 emoji in one stanza keep
// the first MaxReactions distinct ones.
const (
	MaxReactions     = 16
	maxReactionBytes = 64
)

// Reactions is someone's set of reactions to a message, as last sent.
type Reactions struct {
	// From is who reacted: a contact (full JID), our own account (a
	// carbon or archive copy of ours) or, in a room, room/nick.
	From, To jid.JID
	// ID names the message reacted to: its id in a chat, the room's
	// stanza-id in a room.
	ID string
	// Emojis is the sender's whole set now; empty: they took theirs back.
	Emojis []string
	// Group: a room's (From is room/nick).
	Group    bool
	Outgoing bool // ours, seen again (carbon, archive)
	Archived bool
	Time     time.Time
}

// ReactionsReceived carries a reactions element from the network.
type ReactionsReceived struct{ Reactions }

func (ReactionsReceived) isEvent() {}

// reactionsEl is an incoming <reactions/>.
type reactionsEl struct {
	ID        string   `xml:"id,attr"`
	Reactions []string `xml:"reaction"`
}

// CleanReactions trims, dedupes and bounds a set of reactions (see
// MaxReactions); what is not a short valid string is dropped.
func CleanReactions(in []string) []string {
	out := make([]string, 0, min(len(in), MaxReactions))
	for _, r := range in {
		r = strings.TrimSpace(r)
		if r == "" || len(r) > maxReactionBytes || !utf8.ValidString(r) || strings.ContainsAny(r, "\n\r\t") {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == r
		}
		if dup {
			continue
		}
		out = append(out, r)
		if len(out) == MaxReactions {
			break
		}
	}
	return out
}

// reactionsOf is the event for a message carrying <reactions/>, or false.
func (c *Client) reactionsOf(msg Message) (ReactionsReceived, bool) {
	if msg.react == nil || msg.react.ID == "" {
		return ReactionsReceived{}, false
	}
	return ReactionsReceived{Reactions{
		From: msg.From, To: msg.To, ID: msg.react.ID,
		Emojis:   CleanReactions(msg.react.Reactions),
		Outgoing: msg.Outgoing, Archived: msg.Archived, Time: msg.Time,
	}}, true
}

// SendReactions sends our whole set of reactions to message id of to
// (a contact, or a room with group) and returns once it is on the stream,
// followed by a ping the server answered (the stream is ordered: it has
// the reactions). Reactions go in the clear, also in an encrypted chat
// (as Conversations and Dino send them): OMEMO 0.3 encrypts a body only.
// Not queued: offline, it fails ("not connected").
func (c *Client) SendReactions(ctx context.Context, to jid.JID, id string, emojis []string, group bool) error {
	if id == "" {
		return errors.New("no message to react to")
	}
	if to.Domainpart() == "" {
		return fmt.Errorf("%q is not a valid address", to.String())
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	typ := "chat"
	if group {
		typ = "groupchat"
		to = to.Bare()
	}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", randomID()), xmlAttr("to", to.String()), xmlAttr("type", typ)}}
	rs := xml.StartElement{Name: xml.Name{Space: nsReactions, Local: "reactions"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	toks := []xml.Token{msg, rs}
	for _, e := range CleanReactions(emojis) {
		r := xml.StartElement{Name: xml.Name{Local: "reaction"}}
		toks = append(toks, r, xml.CharData(e), r.End())
	}
	toks = append(toks, rs.End(), hint, hint.End(), msg.End())
	if err := sess.Send(ctx, &tokenList{toks: toks}); err != nil {
		return fmt.Errorf("sending the reaction: %w", err)
	}
	if err := c.ping(ctx, sess); err != nil {
		return fmt.Errorf("the server did not confirm the reaction: %w", err)
	}
	return nil
}
