package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's member list (XEP-0045 §7.11, §9.5): an iq get of
// muc#admin with <item affiliation='member'/> (and 'owner', 'admin',
// and 'outcast': the ban list, §9.1, which only admins and owners read).
// Who may read it is the room's choice. Prosody 0.12.3 has no
// muc#roomconfig_getmemberlist setting: it answers an owner or admin
// with the lists of their own rank or lower, and any member of a
// members-only room whose real addresses are shown to all (whois
// anyone) with every list; everyone else gets forbidden
// (muc.lib.lua, handle_admin_query_get_command). Being in the room is
// not needed.

const nsMUCAdmin = "http://jabber.org/protocol/muc#admin"

// maxMembers bounds how many entries one list may bring: a hostile room
// could send millions.
const maxMembers = 10000

// RoomMember is one entry of a room's affiliation lists.
type RoomMember struct {
	JID         jid.JID
	Nick        string // registered with the room, if any
	Affiliation string // owner, admin, member or outcast (banned)
	Reason      string // why, if the room keeps it (a ban's reason)
}

// ErrMembersForbidden: the room shows its member list only to others.
var ErrMembersForbidden = errors.New("the room does not show its member list to you")

// RoomMembers returns the room's owners, admins, members and banned
// (outcasts), in that order (each by address), as far as the room lets us
// read each list. If it lets us read none, the error wraps
// ErrMembersForbidden.
func (c *Client) RoomMembers(ctx context.Context, room jid.JID) ([]RoomMember, error) {
	sess, err := c.session()
	if err != nil {
		return nil, err
	}
	room = room.Bare()
	if room.Localpart() == "" {
		return nil, fmt.Errorf("%s is not a room address (expected room@service)", room)
	}
	var all []RoomMember
	allowed := false
	for _, aff := range []string{"owner", "admin", "member", "outcast"} {
		var q struct {
			Items []struct {
				JID    string `xml:"jid,attr"`
				Nick   string `xml:"nick,attr"`
				Reason string `xml:"reason"`
			} `xml:"item"`
		}
		item := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "item"}, Attr: []xml.Attr{xmlAttr("affiliation", aff)}})
		err := sess.UnmarshalIQElement(ctx, xmlstream.Wrap(item, xml.StartElement{Name: xml.Name{Space: nsMUCAdmin, Local: "query"}}),
			stanza.IQ{To: room, Type: stanza.GetIQ}, &q)
		var se stanza.Error
		switch {
		case errors.As(err, &se) && (se.Condition == stanza.Forbidden || se.Condition == stanza.NotAllowed || se.Condition == stanza.NotAuthorized):
			continue // not this list: perhaps a lower one
		case errors.As(err, &se) && se.Condition == stanza.ItemNotFound:
			return nil, fmt.Errorf("the room %s does not exist", room)
		case errors.As(err, &se) && se.Condition == stanza.Gone:
			return nil, errors.New(goneText(room, errorText(se)))
		case errors.As(err, &se):
			return nil, fmt.Errorf("asking %s for its members: %w", room, err)
		case err != nil:
			return nil, fmt.Errorf("asking %s for its members: %w", room, err)
		}
		allowed = true
		start := len(all)
		for _, it := range q.Items {
			j, err := jid.Parse(it.JID)
			if err != nil || len(all) >= maxMembers {
				continue // a garbled entry is skipped
			}
			all = append(all, RoomMember{JID: j, Nick: it.Nick, Affiliation: aff, Reason: strings.TrimSpace(it.Reason)})
		}
		// Each list by address: the room's order is its own table's.
		slices.SortFunc(all[start:], func(a, b RoomMember) int { return strings.Compare(a.JID.String(), b.JID.String()) })
	}
	if !allowed {
		return nil, fmt.Errorf("%s: %w (forbidden)", room, ErrMembersForbidden)
	}
	return all, nil
}
