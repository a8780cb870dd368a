package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"slices"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's moderators, admins and owners (XEP-0045 §8–10): changing an
// occupant's role (§8.2 kick: role none; §8.3–8.4 voice: participant or
// visitor; §9.6–9.7 moderator), an address's affiliation (§9.1 ban:
// outcast; §9.3–9.4 membership: member or none; §10.3–10.6 admin and
// owner), destroying the room (§10.9). Each is one iq to the room; the
// room says whether we may (a role change needs us in the room as a
// moderator; an affiliation change an admin's or owner's affiliation,
// in the room or not). What happened to others comes back as their
// presence; what happened to us as ours (Occupant.Removed, roles).

const nsMUCOwner = "http://jabber.org/protocol/muc#owner"

// Removal says why an occupant left a room without asking to (XEP-0045
// status codes on their unavailable presence).
type Removal string

// Why an occupant left a room against their will.
const (
	Kicked         Removal = "kicked"       // 307, §8.2
	Banned         Removal = "banned"       // 301, §9.1
	MembershipLost Removal = "membership"   // 321, §9.4: the room is members-only
	MembersOnly    Removal = "members-only" // 322, §10.2: the room became members-only
	Shutdown       Removal = "shutdown"     // 332: the service is going down
	Destroyed      Removal = "destroyed"    // §10.9
)

// removal reads why an unavailable presence took someone out of a room
// ("" for leaving of their own accord or changing nick).
func removal(u *mucUser) Removal {
	switch {
	case u.Destroy != nil:
		return Destroyed
	case u.has(301):
		return Banned
	case u.has(307):
		return Kicked
	case u.has(321):
		return MembershipLost
	case u.has(322):
		return MembersOnly
	case u.has(332):
		return Shutdown
	}
	return ""
}

// The roles and affiliations a room knows (XEP-0045 §5).
func isRole(r string) bool {
	return slices.Contains([]string{"none", "visitor", "participant", "moderator"}, r)
}

func isAffiliation(a string) bool {
	return slices.Contains([]string{"none", "outcast", "member", "admin", "owner"}, a)
}

// SetRole gives the occupant nick of room the role ("none" kicks them,
// "visitor" takes their voice, "participant" gives it, "moderator");
// reason ("" for none) is shown to them and the room. We must be in the
// room as a moderator.
func (c *Client) SetRole(ctx context.Context, room jid.JID, nick, role, reason string) error {
	room = room.Bare()
	if !isRole(role) {
		return fmt.Errorf("%q is not a room role (none, visitor, participant, moderator)", role)
	}
	if nick == "" {
		return errors.New("whose role? no nickname given")
	}
	if _, in := c.RoomNick(room); !in {
		return fmt.Errorf("not in %s", room)
	}
	err := c.adminItem(ctx, room, []xml.Attr{xmlAttr("nick", nick), xmlAttr("role", role)}, reason)
	return adminError(err, room, nick, roleDoing(role, nick))
}

// SetAffiliation gives the address who the affiliation with room
// ("outcast" bans them, "member", "none" takes membership away, "admin",
// "owner"); reason ("" for none) goes with it. We must be the room's
// admin or owner; we need not be in it.
func (c *Client) SetAffiliation(ctx context.Context, room, who jid.JID, aff, reason string) error {
	room, who = room.Bare(), who.Bare()
	if !isAffiliation(aff) {
		return fmt.Errorf("%q is not a room affiliation (none, outcast, member, admin, owner)", aff)
	}
	if room.Localpart() == "" {
		return fmt.Errorf("%s is not a room address (expected room@service)", room)
	}
	err := c.adminItem(ctx, room, []xml.Attr{xmlAttr("affiliation", aff), xmlAttr("jid", who.String())}, reason)
	return adminError(err, room, who.String(), affiliationDoing(aff, who.String()))
}

// DestroyRoom ends room for good (§10.9): everyone in it is told, with
// reason. Only an owner may.
func (c *Client) DestroyRoom(ctx context.Context, room jid.JID, reason string) error {
	room = room.Bare()
	err := c.roomQuery(ctx, room, nsMUCOwner, xml.StartElement{Name: xml.Name{Local: "destroy"}}, reason)
	return adminError(err, room, "", "destroy "+room.String())
}

// adminItem sends room a muc#admin set with one item of attrs.
func (c *Client) adminItem(ctx context.Context, room jid.JID, attrs []xml.Attr, reason string) error {
	return c.roomQuery(ctx, room, nsMUCAdmin, xml.StartElement{Name: xml.Name{Local: "item"}, Attr: attrs}, reason)
}

// roomQuery sends room an iq set of a query in ns holding el, which holds
// reason ("" for none).
func (c *Client) roomQuery(ctx context.Context, room jid.JID, ns string, el xml.StartElement, reason string) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	var inner xml.TokenReader
	if reason != "" {
		inner = xmlstream.Wrap(xmlstream.Token(xml.CharData(reason)), xml.StartElement{Name: xml.Name{Local: "reason"}})
	}
	return setIQTo(ctx, sess, room, xmlstream.Wrap(xmlstream.Wrap(inner, el), xml.StartElement{Name: xml.Name{Space: ns, Local: "query"}}))
}

// roleDoing and affiliationDoing name a change for its error.
func roleDoing(role, nick string) string {
	switch role {
	case "none":
		return "remove " + nick + " from the room"
	case "visitor":
		return "take " + nick + "'s voice"
	case "participant":
		return "give " + nick + " voice"
	}
	return "make " + nick + " a " + role
}

func affiliationDoing(aff, who string) string {
	switch aff {
	case "outcast":
		return "ban " + who
	case "none":
		return "take " + who + "'s affiliation away"
	}
	return "make " + who + " " + map[string]string{"member": "a member", "admin": "an admin", "owner": "an owner"}[aff]
}

// ErrNotPermitted: the room does not let us make that change (not a
// moderator, admin or owner, or the other person ranks higher).
var ErrNotPermitted = errors.New("the room does not let you")

// adminError words a refused change for the user: doing is what was
// asked ("ban bob@example.org").
func adminError(err error, room jid.JID, who, doing string) error {
	if err == nil {
		return nil
	}
	var se stanza.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%s in %s: %w", doing, room, err)
	}
	text := errorText(se)
	switch se.Condition {
	case stanza.Gone:
		return errors.New(goneText(room, text))
	case stanza.Forbidden, stanza.NotAllowed, stanza.NotAuthorized:
		if text != "" {
			return fmt.Errorf("%w %s in %s: %s", ErrNotPermitted, doing, room, text)
		}
		return fmt.Errorf("%w %s in %s", ErrNotPermitted, doing, room)
	case stanza.ItemNotFound:
		if who != "" {
			return fmt.Errorf("no one called %s is in %s", who, room)
		}
		return fmt.Errorf("the room %s does not exist", room)
	case stanza.Conflict:
		// Prosody: the last owner cannot give up being one.
		if text == "" {
			text = "a room needs an owner"
		}
		return fmt.Errorf("could not %s in %s: %s", doing, room, text)
	}
	if text != "" {
		return fmt.Errorf("could not %s in %s: %s", doing, room, text)
	}
	return fmt.Errorf("could not %s in %s: %w", doing, room, err)
}

// OccupantJID is the real bare address of nick in room, when the room
// shows it to us (everyone's in a non-anonymous room, to moderators in a
// semi-anonymous one).
func (c *Client) OccupantJID(room jid.JID, nick string) (jid.JID, bool) {
	s, ok := c.occupantJID(room.Bare().String(), nick)
	if !ok {
		return jid.JID{}, false
	}
	j, err := jid.Parse(s)
	return j, err == nil
}

// errorText is a stanza error's text ("" if none): the one without a
// language if there is one, else the first by language tag (ranging over
// the map picked one at random when a server sent several).
func errorText(se stanza.Error) string {
	if t := se.Text[""]; t != "" {
		return t
	}
	langs := slices.Sorted(maps.Keys(se.Text))
	for _, l := range langs {
		if t := se.Text[l]; t != "" {
			return t
		}
	}
	return ""
}

// goneText words a destroyed room (a gone error; prosody keeps a
// tombstone of the room with the reason its owner gave as the text).
func goneText(room jid.JID, reason string) string {
	if reason != "" {
		return fmt.Sprintf("the room %s was closed for good: %s", room, reason)
	}
	return fmt.Sprintf("the room %s was closed for good", room)
}
