package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
)

// Room invitations, both kinds: direct (XEP-0249, a message from the
// inviter to the invitee carrying <x xmlns='jabber:x:conference'/>) and
// mediated (XEP-0045 §7.8.2, sent to the room, which forwards it from its
// own address naming the inviter inside). A mediated one can be declined
// through the room; a direct one has no decline.

const nsConference = "jabber:x:conference"

// Invitation is an invitation to a room, of either kind.
type Invitation struct {
	Room jid.JID // bare room address
	// From is who invites (bare); for a mediated one as the room says:
	// in a semi-anonymous room, their occupant address room/nick.
	From     jid.JID
	Reason   string
	Password string
	// Mediated: it came through the room (XEP-0045), so a decline goes
	// back through the room; otherwise it is direct (XEP-0249).
	Mediated bool
}

// InvitationDeclined reports that someone declined our mediated invitation.
type InvitationDeclined struct {
	Room   jid.JID
	From   jid.JID
	Reason string
}

func (Invitation) isEvent()         {}
func (InvitationDeclined) isEvent() {}

// directInviteEl is XEP-0249's element.
type directInviteEl struct {
	JID      string `xml:"jid,attr"`
	Reason   string `xml:"reason,attr"`
	Password string `xml:"password,attr"`
}

// mucUserMsg is the muc#user element of a message: an invitation or a
// decline forwarded by a room.
type mucUserMsg struct {
	Invite *struct {
		From   string `xml:"from,attr"`
		Reason string `xml:"reason"`
	} `xml:"invite"`
	Decline *struct {
		From   string `xml:"from,attr"`
		Reason string `xml:"reason"`
	} `xml:"decline"`
	Password string `xml:"password"`
	// Item: in a non-anonymous room's archive, the sender's real address
	// as the room stored it (muc_omemo.go).
	// With Affiliation, from the room itself: a change of someone's
	// affiliation who is not in the room (§9.3, example 195).
	Item *struct {
		JID         string `xml:"jid,attr"`
		Affiliation string `xml:"affiliation,attr"`
	} `xml:"item"`
	// Status: from the room itself, what changed in its settings
	// (§10.2.1: 104, 170–174).
	Status []struct {
		Code int `xml:"code,attr"`
	} `xml:"status"`
}

// maxReason bounds what of an invitation's reason is kept: it is shown in
// a one-line prompt.
const maxReason = 1024

func clip(s string) string { return clipTo(s, maxReason) }

// clipTo is s trimmed and cut to at most n bytes (then "…"), whole runes
// only: what a room or an inviter says, kept bounded.
func clipTo(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// onInvite turns an invitation or a decline into an event; it reports
// whether m was one (its body, "alice invites you…", is then not a chat
// message). An invitation whose addresses do not parse is dropped with an
// ErrorEvent saying so; one from a blocked address is dropped quietly
// (the blocklist is asked off the read loop).
func (c *Client) onInvite(m *inMessage) bool {
	if m.Type == "groupchat" || m.Type == "error" {
		return false
	}
	var inv Invitation
	// A room forwarding a mediated invitation adds XEP-0249's element too
	// (prosody does, for older clients): muc#user comes first.
	switch {
	case m.MUCUser != nil && m.MUCUser.Invite != nil:
		room, err := jid.Parse(m.From)
		from, ferr := jid.Parse(m.MUCUser.Invite.From)
		if err != nil || ferr != nil || room.Localpart() == "" {
			c.emit(ErrorEvent{Err: fmt.Errorf("an invitation from %q to %q was ignored: not a room address", m.MUCUser.Invite.From, m.From)})
			return true
		}
		if !from.Bare().Equal(room.Bare()) {
			// A real address; in a semi-anonymous room the inviter is
			// room/nick (prosody hides the real one from non-moderators),
			// and stays so.
			from = from.Bare()
		}
		inv = Invitation{Room: room.Bare(), From: from, Reason: clip(m.MUCUser.Invite.Reason), Password: m.MUCUser.Password, Mediated: true}
	case m.MUCUser != nil && m.MUCUser.Decline != nil:
		room, err := jid.Parse(m.From)
		from, ferr := jid.Parse(m.MUCUser.Decline.From)
		if err == nil && ferr == nil {
			c.emit(InvitationDeclined{Room: room.Bare(), From: from.Bare(), Reason: clip(m.MUCUser.Decline.Reason)})
		}
		return true
	case m.MUCUser != nil && m.MUCUser.Item != nil && m.MUCUser.Item.Affiliation != "":
		c.onAffiliationNotice(m)
		return true
	case m.Conference != nil:
		room, err := jid.Parse(m.Conference.JID)
		from, ferr := jid.Parse(m.From)
		if err != nil || ferr != nil || room.Localpart() == "" {
			c.emit(ErrorEvent{Err: fmt.Errorf("an invitation from %q to %q was ignored: not a room address", m.From, m.Conference.JID)})
			return true
		}
		inv = Invitation{Room: room.Bare(), From: from.Bare(), Reason: clip(m.Conference.Reason), Password: m.Conference.Password}
	default:
		return false
	}
	// The server drops what a blocked address sends itself, but a room
	// forwards a blocked person's mediated invitation from its own address.
	c.work.push(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
		defer cancel()
		if c.isBlocked(ctx, inv.From) || c.isBlocked(ctx, inv.Room) {
			c.log.Info("invitation from a blocked address dropped", "from", inv.From, "room", inv.Room)
			return
		}
		c.emit(inv)
	})
	return true
}

// isBlocked reports whether j (or its domain) is on the account's
// blocklist; a blocklist that cannot be read blocks nothing. The list is
// read once a session and again after a blocklist push, so a flood of
// invitations costs no flood of queries.
func (c *Client) isBlocked(ctx context.Context, j jid.JID) bool {
	sess, err := c.session()
	if err != nil {
		return false
	}
	c.mu.Lock()
	list, ok := c.blocked, c.blockedSess == sess
	c.mu.Unlock()
	if !ok {
		if list, err = c.Blocked(ctx); err != nil {
			return false
		}
		c.mu.Lock()
		c.blocked, c.blockedSess = list, sess
		c.mu.Unlock()
	}
	for _, b := range list {
		if b.Equal(j.Bare()) || b.Equal(j) || (b.Localpart() == "" && b.Resourcepart() == "" && b.Domainpart() == j.Domainpart()) {
			return true
		}
	}
	return false
}

// InviteOptions tunes Invite.
type InviteOptions struct {
	Reason string
	// Mediated sends the invitation through the room (XEP-0045), which
	// must know us as an occupant; otherwise it goes directly to the
	// invitee (XEP-0249), with the room's password if one is given.
	Mediated bool
	Password string
	// Thread: the invitation continues a one-to-one chat (XEP-0045
	// §7.9): a mediated one carries <continue thread='Thread'/>.
	Thread string
}

type directInviteOut struct {
	XMLName xml.Name `xml:"jabber:client message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	X       struct {
		JID      string `xml:"jid,attr"`
		Reason   string `xml:"reason,attr,omitempty"`
		Password string `xml:"password,attr,omitempty"`
	} `xml:"jabber:x:conference x"`
}

type mediatedOut struct {
	XMLName xml.Name `xml:"jabber:client message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	X       struct {
		Invite  *mediatedItem `xml:"invite,omitempty"`
		Decline *mediatedItem `xml:"decline,omitempty"`
	} `xml:"http://jabber.org/protocol/muc#user x"`
}

type mediatedItem struct {
	To       string       `xml:"to,attr"`
	Reason   string       `xml:"reason,omitempty"`
	Continue *continueOut `xml:"continue,omitempty"`
}

// continueOut is XEP-0045 §7.9's <continue/>: the room continues a
// one-to-one chat, whose thread it names.
type continueOut struct {
	Thread string `xml:"thread,attr,omitempty"`
}

// Invite invites who to room.
func (c *Client) Invite(ctx context.Context, room, who jid.JID, opts InviteOptions) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	if room.Localpart() == "" || room.Resourcepart() != "" {
		return fmt.Errorf("%s is not a room address (expected room@service)", room)
	}
	if who.Localpart() == "" {
		return fmt.Errorf("%s is not a person's address (expected name@server)", who)
	}
	if opts.Mediated {
		return sess.Encode(ctx, mediatedInvite(randomID(), room, who, opts))
	}
	var m directInviteOut
	m.ID, m.To = randomID(), who.Bare().String()
	m.X.JID, m.X.Reason, m.X.Password = room.String(), opts.Reason, opts.Password
	return sess.Encode(ctx, m)
}

// mediatedInvite is the message inviting who through room.
func mediatedInvite(id string, room, who jid.JID, opts InviteOptions) mediatedOut {
	var m mediatedOut
	m.ID, m.To = id, room.String()
	m.X.Invite = &mediatedItem{To: who.Bare().String(), Reason: opts.Reason}
	if opts.Thread != "" {
		m.X.Invite.Continue = &continueOut{Thread: opts.Thread}
	}
	return m
}

// Decline declines a mediated invitation (through the room, to the
// inviter); a direct invitation has no decline, and nil is returned.
func (c *Client) Decline(ctx context.Context, inv Invitation, reason string) error {
	if !inv.Mediated {
		return nil
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	if inv.Room.Localpart() == "" {
		return errors.New("declining: no room address")
	}
	var m mediatedOut
	m.ID, m.To = randomID(), inv.Room.Bare().String()
	to := inv.From
	if !to.Bare().Equal(inv.Room.Bare()) {
		to = to.Bare()
	} // else room/nick (a semi-anonymous room's inviter): the room routes it
	m.X.Decline = &mediatedItem{To: to.String(), Reason: reason}
	return sess.Encode(ctx, m)
}
