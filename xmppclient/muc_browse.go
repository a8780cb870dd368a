package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Discovering rooms (XEP-0045 §6.1–6.4): the MUC services of the account's
// server (disco#items of the server, then disco#info of each item for the
// identity conference/text) and the public rooms of a service (its
// disco#items), with each room's occupant count from its disco#info
// (muc#roominfo). Only XMPP queries to the account's own server and the
// services it names: nothing is fetched over HTTP, so this is safe in I2P
// mode.

// Bounds against a huge or hostile service: at most MaxRooms rooms are
// listed, and the disco#info of at most roomInfoMax of them is asked for
// (one query each, up to roomInfoParallel at once); serviceMax items of the
// server are examined.
const (
	MaxRooms         = 200
	roomInfoMax      = 200
	roomInfoParallel = 8
	serviceMax       = 32
	roomInfoTimeout  = 10 * time.Second
)

// RoomInfo is a public room listed by a MUC service.
type RoomInfo struct {
	JID  jid.JID
	Name string // as the service lists it ("" when none)
	// Occupants is how many are in the room, or -1 when the room did not
	// say (or was not asked: past roomInfoMax).
	Occupants int
}

type discoItems struct {
	Items []struct {
		JID  string `xml:"jid,attr"`
		Name string `xml:"name,attr"`
		Node string `xml:"node,attr"`
	} `xml:"item"`
}

// discoIdentities is what a disco#info answer tells, a service's or a
// room's (identities, features, forms: a room's muc#roominfo).
type discoIdentities struct {
	Identity []struct {
		Category string `xml:"category,attr"`
		Type     string `xml:"type,attr"`
		Name     string `xml:"name,attr"`
	} `xml:"identity"`
	Features []struct {
		Var string `xml:"var,attr"`
	} `xml:"feature"`
	Forms []xForm `xml:"jabber:x:data x"`
}

// isMUCService reports whether d describes a multi-user chat service (not
// a room: a room has the same identity, so the caller asks only items
// without a localpart).
func (d *discoIdentities) isMUCService() bool {
	for _, id := range d.Identity {
		if id.Category == "conference" && id.Type == "text" {
			return true
		}
	}
	return false
}

// occupants reads muc#roominfo_occupants from d's room info form, -1 if
// absent or not a number.
func (d *discoIdentities) occupants() int {
	for _, f := range d.Forms {
		if v := f.value("muc#roominfo_occupants"); v != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				return n
			}
		}
	}
	return -1
}

func discoQuery(ns string) xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: ns, Local: "query"}})
}

func discoInfoOf(ctx context.Context, sess *xmpp.Session, to jid.JID) (discoIdentities, error) {
	var d discoIdentities
	err := sess.UnmarshalIQElement(ctx, discoQuery(nsDiscoInfo), stanza.IQ{To: to, Type: stanza.GetIQ}, &d)
	return d, err
}

func discoItemsOf(ctx context.Context, sess *xmpp.Session, to jid.JID) (discoItems, error) {
	var d discoItems
	err := sess.UnmarshalIQElement(ctx, discoQuery(nsDiscoItems), stanza.IQ{To: to, Type: stanza.GetIQ}, &d)
	return d, err
}

// RoomServices returns the multi-user chat services of the account's
// server (XEP-0045 §6.1), in the order the server lists them. None is not
// an error.
func (c *Client) RoomServices(ctx context.Context) ([]jid.JID, error) {
	sess, err := c.session()
	if err != nil {
		return nil, fmt.Errorf("looking for chat room services: %w", err)
	}
	server, err := jid.New("", c.cfg.JID.Domainpart(), "")
	if err != nil {
		return nil, err
	}
	items, err := discoItemsOf(ctx, sess, server)
	if err != nil {
		return nil, fmt.Errorf("looking for chat room services: %w", err)
	}
	var found []jid.JID
	seen := 0
	for _, it := range items.Items {
		j, err := jid.Parse(it.JID)
		if err != nil || j.Localpart() != "" || j.Resourcepart() != "" || it.Node != "" {
			continue
		}
		if seen++; seen > serviceMax {
			break
		}
		d, err := discoInfoOf(ctx, sess, j)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("looking for chat room services: %w", ctx.Err())
			}
			continue // a component that does not answer is not a room service
		}
		if d.isMUCService() {
			found = append(found, j)
		}
	}
	return found, nil
}

// ListRooms returns the public rooms of the MUC service (XEP-0045 §6.3),
// at most MaxRooms, each with its occupant count where its disco#info
// (§6.4) tells it. A room that does not answer is still listed (count -1).
func (c *Client) ListRooms(ctx context.Context, service jid.JID) ([]RoomInfo, error) {
	sess, err := c.session()
	if err != nil {
		return nil, fmt.Errorf("listing rooms: %w", err)
	}
	service = service.Bare()
	if service.Localpart() != "" {
		return nil, fmt.Errorf("%s is not a chat room service (expected a domain such as conference.example.org)", service)
	}
	items, err := discoItemsOf(ctx, sess, service)
	if err != nil {
		var se stanza.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s does not list its rooms: %s", service, se.Condition)
		}
		return nil, fmt.Errorf("listing the rooms of %s: %w", service, err)
	}
	rooms := make([]RoomInfo, 0, min(len(items.Items), MaxRooms))
	for _, it := range items.Items {
		j, err := jid.Parse(it.JID)
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" || !j.Domain().Equal(service) {
			continue // not a room of this service
		}
		rooms = append(rooms, RoomInfo{JID: j, Name: strings.TrimSpace(it.Name), Occupants: -1})
		if len(rooms) == MaxRooms {
			break
		}
	}
	c.roomCounts(ctx, sess, rooms)
	// The service's order is arbitrary (prosody's is a hash table's).
	slices.SortFunc(rooms, func(a, b RoomInfo) int { return strings.Compare(a.JID.String(), b.JID.String()) })
	return rooms, nil
}

// roomCounts fills the occupant counts of the first roomInfoMax rooms,
// roomInfoParallel queries at a time, each bounded by roomInfoTimeout.
func (c *Client) roomCounts(ctx context.Context, sess *xmpp.Session, rooms []RoomInfo) {
	n := min(len(rooms), roomInfoMax)
	sem := make(chan struct{}, roomInfoParallel)
	done := make(chan struct{}, n)
	for i := range rooms[:n] {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; done <- struct{}{} }()
			qctx, cancel := context.WithTimeout(ctx, roomInfoTimeout)
			defer cancel()
			d, err := discoInfoOf(qctx, sess, rooms[i].JID)
			if err != nil {
				return
			}
			rooms[i].Occupants = d.occupants()
			if rooms[i].Name == "" {
				for _, id := range d.Identity {
					if id.Category == "conference" && strings.TrimSpace(id.Name) != "" {
						rooms[i].Name = strings.TrimSpace(id.Name)
						break
					}
				}
			}
		}()
	}
	for range n {
		<-done
	}
}
