package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/muc"
	"mellium.im/xmpp/stanza"
)

// Multi-user chat (XEP-0045), on Clove's own handler: join (creating an
// instant room if allowed), leave, group messages, occupants. mellium's muc
// package expects its mux to own presence handling; only its names are used.

// GroupMessage is a message in a room.
type GroupMessage struct {
	Room jid.JID // bare room address
	Nick string
	Body string
	// Subject, with SubjectSet: the message sets the room's subject ("":
	// none); SubjectChange: a live change by Nick, not the subject the room
	// sends after our join.
	Subject       string
	SubjectSet    bool
	SubjectChange bool
	ID            string
	ArchiveID     string // the room's stanza-id
	Time          time.Time
	Delayed       bool // room history sent on join
	Self          bool // sent by us
	// Reply: the message answers another (XEP-0461; its ID is the
	// room's stanza-id of it); Body is without the fallback quote.
	Reply *Reply
	// File is the file the message shares: a body that is exactly its
	// out-of-band (XEP-0066) URL, http or https, or in an encrypted
	// message an aesgcm:// URL.
	File *FileRef
	// Encrypted: it came OMEMO-encrypted (a private room's message,
	// muc_omemo.go); Body is the decrypted text, or why it could not be.
	Encrypted bool
	// Retracts: the message retracts the sender's earlier one with this
	// id, the room's stanza-id of it (XEP-0424); Body is empty.
	Retracts string
	// Moderated: the room itself (Nick "") removed someone's message
	// Retracts names (XEP-0425): Moderator is who did it ("" if not
	// said), Body the reason given ("" for none).
	Moderated bool
	Moderator string
	// OccupantID: the sender's stable id in a room that vouches for it
	// (XEP-0421; "" elsewhere): the same person whatever nick they take.
	OccupantID string
	// OwnCopy: the room's copy of a message this device sent encrypted,
	// whose text the client no longer has (a later run: the room's
	// archive or history); Body says so, the history has the text.
	OwnCopy bool

	// enc is the <encrypted> element until the pump decrypts it; sender
	// the real address of the occupant who sent it; rep the reply until
	// the body is decrypted.
	enc    *encryptedEl
	sender string
	rep    *pendingReply
}

// Occupant reports someone joining, changing or leaving a room.
type Occupant struct {
	Room        jid.JID
	Nick        string
	JID         jid.JID // real address, if the room shows it
	Affiliation string
	Role        string
	Left        bool
	Self        bool
	// NewNick: the occupant left Nick to be known as NewNick (status
	// 303, XEP-0045 §7.6); their presence as NewNick follows.
	NewNick string
	// Show and Status: the occupant's availability ("", away, xa, dnd,
	// chat) and free text, as they last said to the room (§7.7).
	Show, Status string
	// Removed: they left against their will (kicked, banned, the room
	// destroyed…; mucadmin.go), by Actor (a nick, "" if the room does
	// not say) for Reason ("" for none); a destroyed room may name
	// Venue, where its people went on. When Self, the room is no longer
	// joined (not entered again at a reconnection; but for Shutdown).
	Removed Removal
	Actor   string
	Reason  string
	Venue   jid.JID
}

// RoomJoined reports that we are in the room under Nick.
type RoomJoined struct {
	Room jid.JID
	Nick string
	// AddressesShown: everyone in the room can see our real address (a
	// non-anonymous room: status 100 at the join, §7.2.3, or a room we
	// made so). Logged: the room says it keeps a public log (170).
	AddressesShown bool
	Logged         bool
	// SubjectOpen: every participant may change the subject, not only
	// moderators (the room's disco#info, read at the join; false when it
	// was not read).
	SubjectOpen bool
}

// RoomConfigChanged says a room's settings were changed while we are in
// it (§10.2.1), by the status codes the room sent: 104 (a change that
// does not touch privacy), 170/171 (logging on/off), 172 (addresses now
// shown to all), 173 (to moderators), 174 (to no one).
type RoomConfigChanged struct {
	Room  jid.JID
	Codes []int
}

func (RoomConfigChanged) isEvent() {}

func (GroupMessage) isEvent() {}
func (Occupant) isEvent()     {}
func (RoomJoined) isEvent()   {}

// RoomError explains a refused join or a room failure.
type RoomError struct {
	Room      jid.JID
	Condition stanza.Condition
	Text      string
	// Nick: the nickname a refused nickname change asked for ("" for a
	// join).
	Nick string
}

func (e *RoomError) Error() string {
	if e.Nick != "" {
		return e.nickError()
	}
	switch e.Condition {
	case stanza.ItemNotFound:
		return fmt.Sprintf("the room %s does not exist", e.Room)
	case stanza.Gone:
		return goneText(e.Room, e.Text)
	case stanza.Conflict:
		return fmt.Sprintf("that nickname is already used in %s", e.Room)
	case stanza.RegistrationRequired:
		return fmt.Sprintf("%s is members-only", e.Room)
	case stanza.NotAuthorized:
		return fmt.Sprintf("%s needs a password", e.Room)
	case stanza.Forbidden:
		return fmt.Sprintf("you are banned from %s", e.Room)
	case stanza.NotAllowed:
		return fmt.Sprintf("creating the room %s is not allowed", e.Room)
	case stanza.RemoteServerNotFound, stanza.RemoteServerTimeout:
		return fmt.Sprintf("the server of %s could not be reached", e.Room)
	}
	if e.Text != "" {
		return fmt.Sprintf("joining %s failed: %s", e.Room, e.Text)
	}
	return fmt.Sprintf("joining %s failed: %s", e.Room, e.Condition)
}

// nickError explains a refused nickname change.
func (e *RoomError) nickError() string {
	switch e.Condition {
	case stanza.Conflict:
		return fmt.Sprintf("the nickname %q is already used in %s", e.Nick, e.Room)
	case stanza.NotAcceptable:
		return fmt.Sprintf("%s does not allow the nickname %q", e.Room, e.Nick)
	case stanza.NotAllowed, stanza.Forbidden:
		return fmt.Sprintf("%s does not allow nickname changes", e.Room)
	}
	if e.Text != "" {
		return fmt.Sprintf("changing the nickname in %s failed: %s", e.Room, e.Text)
	}
	return fmt.Sprintf("changing the nickname in %s failed: %s", e.Room, e.Condition)
}

// JoinOptions tunes JoinRoom.
type JoinOptions struct {
	// History is how many past messages to ask for (0: the room's default,
	// negative: none).
	History int
	// MustExist refuses to create the room (checked with disco#info first).
	MustExist bool
	Password  string
	// Since asks only for the messages after this time (the last one we
	// have), so a rejoin does not replay what is stored already.
	Since time.Time
	// Config: the room must be new (an existing one is an error,
	// ErrRoomExists, and is left again), and is configured with these
	// muc#roomconfig fields instead of the server's defaults.
	Config []FormField
	// Archive reads the history from the room's own archive (XEP-0313,
	// muc_mam.go) when the room keeps one: everything after AfterID (the
	// room's stanza-id of the last message we have; "": the last one this
	// client saw) or else after Since, bounded; with neither, the newest
	// History. Rooms without an archive get History and Since as above.
	Archive bool
	AfterID string
}

// subjectOpen reports whether the room lets every participant change its
// subject, by its room info form: prosody 0.12 puts the setting's own
// muc#roomconfig_changesubject there (seen in TestRoomSubject; Conversations
// reads it first too), others muc#roominfo_changesubject or XEP-0045's
// muc#roominfo_subjectmod.
func (d *discoIdentities) subjectOpen() bool {
	for i := range d.Forms {
		for _, v := range []string{"muc#roomconfig_changesubject", "muc#roominfo_changesubject", "muc#roominfo_subjectmod"} {
			if s := d.Forms[i].value(v); s == "1" || s == "true" {
				return true
			}
		}
	}
	return false
}

// features lists the features d names.
func (d *discoIdentities) features() []string {
	out := make([]string, 0, len(d.Features))
	for _, f := range d.Features {
		out = append(out, f.Var)
	}
	return out
}

type mucUser struct {
	Item *struct {
		JID         string `xml:"jid,attr"`
		Affiliation string `xml:"affiliation,attr"`
		Role        string `xml:"role,attr"`
		Nick        string `xml:"nick,attr"` // the new nick, with status 303
		Actor       *struct {
			Nick string `xml:"nick,attr"`
		} `xml:"actor"`
		Reason string `xml:"reason"`
	} `xml:"item"`
	Destroy *struct {
		JID    string `xml:"jid,attr"`
		Reason string `xml:"reason"`
	} `xml:"destroy"`
	Status []struct {
		Code int `xml:"code,attr"`
	} `xml:"status"`
}

func (u *mucUser) has(code int) bool {
	for _, s := range u.Status {
		if s.Code == code {
			return true
		}
	}
	return false
}

// JoinRoom enters room as nick and returns once the room confirmed it (or
// refused, with a *RoomError). A new room is configured as an instant room
// with the server's defaults unless opts.MustExist.
func (c *Client) JoinRoom(ctx context.Context, room jid.JID, nick string, opts JoinOptions) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	if room.Localpart() == "" {
		return fmt.Errorf("%s is not a room address (expected room@service)", room)
	}
	occ, err := room.WithResource(nick)
	if err != nil || nick == "" {
		return fmt.Errorf("%q is not a usable nickname", nick)
	}
	archive, subjectOpen := false, false
	if opts.MustExist || (opts.Archive && opts.History >= 0) || (c.cfg.OMEMO != nil && opts.Config == nil) {
		info, err := discoInfoOf(ctx, sess, room)
		var se stanza.Error
		switch {
		case err != nil && !opts.MustExist:
			// A room to be created (item-not-found) has no archive yet.
			c.log.Debug("room not looked up; joining without its archive", "room", room, "err", err)
		case errors.As(err, &se):
			return &RoomError{Room: room, Condition: se.Condition}
		case err != nil:
			return fmt.Errorf("looking up %s: %w", room, err)
		}
		archive = err == nil && opts.Archive && opts.History >= 0 && hasFeature(info.features(), nsMAM)
		if err == nil {
			c.setRoomPrivacy(room, info.features())
			subjectOpen = info.subjectOpen()
		}
	}
	wait := make(chan error, 1)
	c.mu.Lock()
	if c.joins == nil {
		c.joins = map[string]chan error{}
	}
	c.joins[room.String()] = wait
	if c.joinNicks == nil {
		c.joinNicks = map[string]string{}
	}
	c.joinNicks[room.String()] = nick
	if c.subjectJoins == nil {
		c.subjectJoins = map[string]bool{}
	}
	c.subjectJoins[room.String()] = true
	if _, in := c.rooms[room.String()]; !in {
		// The join's presences list the occupants anew (a join while in
		// the room, say the session's autojoin beside a command's, is
		// only a presence update: the list stays).
		rcr := c.cryptLocked(room.String())
		rcr.occupants, rcr.membersRead = map[string]string{}, false
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.joins, room.String())
		delete(c.joinNicks, room.String())
		c.mu.Unlock()
	}()

	var inner []xml.TokenReader
	var hist []xml.Attr
	if archive {
		// The archive gives the history (after the join): none sent on
		// joining.
		hist = append(hist, xml.Attr{Name: xml.Name{Local: "maxstanzas"}, Value: "0"})
	} else if opts.History != 0 {
		n := max(opts.History, 0)
		hist = append(hist, xml.Attr{Name: xml.Name{Local: "maxstanzas"}, Value: strconv.Itoa(n)})
	}
	if !opts.Since.IsZero() && opts.History >= 0 && !archive {
		hist = append(hist, xml.Attr{Name: xml.Name{Local: "since"}, Value: opts.Since.UTC().Format(time.RFC3339Nano)})
	}
	if len(hist) > 0 {
		inner = append(inner, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "history"}, Attr: hist}))
	}
	if opts.Password != "" {
		inner = append(inner, textElement("password", opts.Password))
	}
	x := xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: xml.Name{Space: muc.NS, Local: "x"}})
	// While invisible the server drops our presence, a join too, unless
	// the privacy list lets it through to this room.
	if err := c.allowRoom(ctx, sess, room.String()); err != nil {
		return err
	}
	c.mu.Lock()
	photo := c.photo.element() // the room's occupants see our avatar's hash too (XEP-0153)
	c.mu.Unlock()
	if photo != nil {
		x = xmlstream.MultiReader(x, photo)
	}
	// The room sees our chosen availability from the start (§7.7).
	x = xmlstream.MultiReader(append(c.joinShow(), x)...)
	var rc *roomCatchUp
	if archive {
		// From here on the room's live messages wait for its archive's.
		anchor := opts.AfterID
		if anchor == "" {
			c.mu.Lock()
			anchor = c.roomLast[room.String()]
			c.mu.Unlock()
		}
		rc = c.startRoomCatchUp(room, anchor)
	}
	if err := c.sendJoin(ctx, sess, stanza.Presence{To: occ}.Wrap(x), room, wait); err != nil {
		if rc != nil {
			c.releaseRoom(rc)
		}
		return err
	}
	c.mu.Lock()
	if c.rooms == nil {
		c.rooms = map[string]string{}
	}
	c.rooms[room.String()] = nick
	created := c.created[room.String()]
	delete(c.created, room.String())
	joined := c.joinCodes[room.String()]
	delete(c.joinCodes, room.String())
	c.mu.Unlock()
	joined.Room, joined.Nick, joined.SubjectOpen = room, nick, subjectOpen
	if opts.Config != nil && !created {
		if rc != nil {
			c.releaseRoom(rc)
		}
		_ = c.LeaveRoom(ctx, room)
		return fmt.Errorf("%w: %s", ErrRoomExists, room)
	}
	if created {
		// A new, locked room: accept the defaults (an "instant room"),
		// or submit the configuration asked for.
		form := xmlstream.Wrap(configFields(opts.Config), xml.StartElement{Name: xml.Name{Space: "jabber:x:data", Local: "x"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "submit"}}})
		q := xmlstream.Wrap(form, xml.StartElement{Name: xml.Name{Space: muc.NSOwner, Local: "query"}})
		resp, err := sess.SendIQElement(ctx, q, stanza.IQ{To: room, Type: stanza.SetIQ})
		if err != nil {
			if rc != nil {
				c.releaseRoom(rc)
			}
			return fmt.Errorf("configuring the new room %s: %w", room, err)
		}
		resp.Close()
		if opts.Config != nil {
			// At once, for OMEMO; disco#info below says the rest (XEP-0421).
			fs := configPrivacy(opts.Config)
			c.setRoomPrivacy(room, fs)
			joined.AddressesShown = joined.AddressesShown || hasFeature(fs, featNonAnonymous)
		}
		go c.refreshRoomPrivacy(room) // as disco#info says (an instant room: the server's defaults)
	}
	c.emit(joined)
	if rc != nil {
		n := opts.History
		if n <= 0 {
			n = roomDefaultHistory
		}
		// Not bounded by the join's ctx: the catch-up goes on after
		// JoinRoom returned, for as long as a slow link needs.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), roomCatchUpLimit*c.cfg.ConnectTimeout)
		go func() {
			defer cancel()
			c.catchUpRoom(cctx, sess, rc, opts.Since, n)
		}()
	}
	return nil
}

// roomCatchUpLimit bounds a room's catch-up, in connection timeouts.
const roomCatchUpLimit = 10

// sendJoin sends the join presence and waits for the room's answer.
func (c *Client) sendJoin(ctx context.Context, sess *xmpp.Session, join xml.TokenReader, room jid.JID, wait <-chan error) error {
	if err := sess.Send(ctx, join); err != nil {
		return err
	}
	select {
	case err := <-wait:
		return err
	case <-ctx.Done():
		return fmt.Errorf("joining %s: no answer from the room: %w", room, ctx.Err())
	}
}

// RoomNick returns our nickname in room, and whether we are in it.
func (c *Client) RoomNick(room jid.JID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nick, ok := c.rooms[room.Bare().String()]
	return nick, ok
}

// LeaveRoom exits a room.
func (c *Client) LeaveRoom(ctx context.Context, room jid.JID) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	room = room.Bare()
	nick, ok := c.forgetRoom(room.String())
	if !ok {
		return fmt.Errorf("not in %s", room)
	}
	occ, _ := room.WithResource(nick)
	return sess.Send(ctx, presenceElement(occ, stanza.UnavailablePresence, "", ""))
}

// forgetRoom takes room off the rooms we are in; it returns our nick
// there and whether we were.
func (c *Client) forgetRoom(room string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nick, ok := c.rooms[room]
	delete(c.rooms, room)
	delete(c.roomSeen, room)
	delete(c.subjectJoins, room)
	delete(c.roomLast, room)
	delete(c.roomCrypt, room)
	return nick, ok
}

type groupOut struct {
	XMLName xml.Name `xml:"jabber:client message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	Type    string   `xml:"type,attr"`
	Body    string   `xml:"body"`
	Origin  idEl     `xml:"urn:xmpp:sid:0 origin-id"`
	// A reply (XEP-0461): what it answers and where its quote is.
	Reply    *replyOut    `xml:"urn:xmpp:reply:0 reply"`
	Fallback *fallbackOut `xml:"urn:xmpp:fallback:0 fallback"`
	OOB      *oobOut      `xml:"jabber:x:oob x"`
}

// oobOut is XEP-0066's out-of-band data in a message we send.
type oobOut struct {
	URL string `xml:"url"`
}

type replyOut struct {
	To string `xml:"to,attr,omitempty"`
	ID string `xml:"id,attr"`
}

type fallbackOut struct {
	For  string `xml:"for,attr"`
	Body struct {
		Start int `xml:"start,attr"`
		End   int `xml:"end,attr"`
	} `xml:"body"`
}

// SendGroup sends a message to a room we joined; it comes back from the
// room as a GroupMessage with Self set. Group messages do not go through
// the outbox.
func (c *Client) SendGroup(ctx context.Context, room jid.JID, body string) (string, error) {
	return c.sendGroup(ctx, room, body, nil, false)
}

// SendGroupReply is SendGroup for a message answering another of the
// room (r.ID: the room's stanza-id of it, r.To: room/nick of its author).
func (c *Client) SendGroupReply(ctx context.Context, room jid.JID, body string, r Reply) (string, error) {
	if r.ID == "" {
		return "", errors.New("a reply needs the id of the message it answers")
	}
	return c.sendGroup(ctx, room, body, &r, false)
}

// SendGroupFile shares a file in a room we joined: the body is its URL,
// with the same URL as out-of-band data (XEP-0066), as Conversations, Dino
// and Gajim send files to rooms. An encrypted file's aesgcm:// URL (it
// holds the key) goes only in an OMEMO-encrypted message, without the
// out-of-band element (XEP-0454).
func (c *Client) SendGroupFile(ctx context.Context, room jid.JID, url string) (string, error) {
	return c.sendGroup(ctx, room, url, nil, true)
}

// ErrRoomNotEncrypted: an encrypted file's link was to go to a room whose
// messages are not encrypted (any more).
var ErrRoomNotEncrypted = errors.New("the room's messages are not encrypted now, and an encrypted file's link (it holds its key) is never sent in the clear")

func (c *Client) sendGroup(ctx context.Context, room jid.JID, body string, r *Reply, oob bool) (string, error) {
	sess, err := c.session()
	if err != nil {
		return "", err
	}
	if body == "" {
		return "", errors.New("empty message")
	}
	c.mu.Lock()
	_, in := c.rooms[room.Bare().String()]
	c.mu.Unlock()
	if !in {
		return "", fmt.Errorf("join %s first", room.Bare())
	}
	id := randomID()
	if enc, err := c.sendGroupEncrypted(ctx, sess, room.Bare(), id, body, r); enc || err != nil {
		return id, err
	}
	if strings.HasPrefix(body, "aesgcm:") {
		return "", ErrRoomNotEncrypted
	}
	out := groupOut{ID: id, To: room.Bare().String(), Type: "groupchat", Body: body, Origin: idEl{ID: id}}
	if r != nil {
		text, n := wireBody(OutboxEntry{Body: body, Reply: r})
		out.Body = text
		out.Reply = &replyOut{To: r.To, ID: r.ID}
		if n > 0 {
			out.Fallback = &fallbackOut{For: nsReply}
			out.Fallback.Body.End = n
		}
	}
	if oob {
		out.OOB = &oobOut{URL: body}
	}
	return id, sess.Encode(ctx, out)
}

// rejoinRooms enters again the rooms we were in before a new (not resumed)
// session: the server forgot them.
func (c *Client) rejoinRooms(ctx context.Context) {
	rooms := c.joinedRooms()
	for r, nick := range rooms {
		room, err := jid.Parse(r)
		if err != nil {
			continue
		}
		go func() {
			jctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
			defer cancel()
			if err := c.JoinRoom(jctx, room, nick, JoinOptions{Archive: true}); err != nil {
				c.emit(ErrorEvent{Err: fmt.Errorf("rejoining %s: %w", room, err)})
			}
		}()
	}
}

// onRoomPresence handles presence from room@service/nick; it reports
// whether the presence belonged to a room.
func (c *Client) onRoomPresence(from jid.JID, p *inPresence) bool {
	room := from.Bare().String()
	c.mu.Lock()
	wait := c.joins[room]
	nickWait := c.nickWaits[room]
	c.mu.Unlock()
	if p.MUC == nil && wait == nil && nickWait == nil {
		return false
	}
	if p.Type == "error" && wait == nil && nickWait != nil {
		c.nickRefused(from, p, nickWait)
		return true
	}
	if p.Type == "error" {
		if wait != nil {
			re := &RoomError{Room: from.Bare(), Condition: stanza.UndefinedCondition}
			if p.Error != nil {
				re.Condition = p.Error.Condition
				re.Text = errorText(*p.Error)
			}
			select {
			case wait <- re:
			default:
			}
		}
		return true
	}
	if p.MUC == nil {
		return false
	}
	c.noteRoomTraffic(room)
	o := Occupant{Room: from.Bare(), Nick: from.Resourcepart(), Left: p.Type == "unavailable", Self: p.MUC.has(110),
		Show: p.Show, Status: p.Status}
	if it := p.MUC.Item; it != nil {
		o.Affiliation, o.Role = it.Affiliation, it.Role
		if it.JID != "" {
			o.JID, _ = jid.Parse(it.JID)
		}
	}
	if o.Left && p.MUC.has(303) && p.MUC.Item != nil && p.MUC.Item.Nick != "" {
		o.NewNick = p.MUC.Item.Nick
		if o.Self {
			c.nickChanged(from.Bare(), o.NewNick, nickWait)
		}
	}
	if o.Left {
		o.Removed = removal(p.MUC)
		if it := p.MUC.Item; it != nil {
			o.Reason = strings.TrimSpace(it.Reason)
			if it.Actor != nil {
				o.Actor = it.Actor.Nick
			}
		}
		if d := p.MUC.Destroy; d != nil {
			o.Reason = strings.TrimSpace(d.Reason)
			o.Venue, _ = jid.Parse(d.JID)
			// XEP-0045's example of it carries no status 110: ours is
			// known by our nick.
			if nick, in := c.RoomNick(from.Bare()); in && nick == o.Nick {
				o.Self = true
			}
		}
		if o.Self && o.Removed != "" && o.Removed != Shutdown {
			// Not ours to enter again (self-ping, a reconnection) until
			// the user asks. A service going down comes back: the
			// reconnection or the self-ping enters it again.
			c.forgetRoom(room)
		}
	}
	c.noteOccupant(o)
	if o.Self && !o.Left && wait == nil && (p.MUC.has(104) || p.MUC.has(172) || p.MUC.has(173) || p.MUC.has(174)) {
		// The room's configuration changed (§10.2.1): whether it is
		// private may have too.
		go c.refreshRoomPrivacy(from.Bare())
	}
	c.emit(o)
	if o.Self && wait != nil && !o.Left {
		c.mu.Lock()
		if c.joinCodes == nil {
			c.joinCodes = map[string]RoomJoined{}
		}
		c.joinCodes[room] = RoomJoined{AddressesShown: p.MUC.has(100), Logged: p.MUC.has(170)}
		c.mu.Unlock()
		if p.MUC.has(201) {
			c.mu.Lock()
			if c.created == nil {
				c.created = map[string]bool{}
			}
			c.created[room] = true
			c.mu.Unlock()
		}
		select {
		case wait <- nil:
		default:
		}
	}
	return true
}

// onGroupMessage turns a groupchat message into a GroupMessage event
// (or a ReactionsReceived); while the room's archive is being read after
// a join (muc_mam.go) it is held, to come after the archive's messages.
func (c *Client) onGroupMessage(m *inMessage) {
	from, err := jid.Parse(m.From)
	if err != nil {
		return
	}
	room := from.Bare()
	c.noteRoomTraffic(room.String())
	if from.Resourcepart() == "" && m.Body == "" && m.MUCUser != nil && c.roomConfigChanged(room, m.MUCUser) {
		return
	}
	ev, ok := c.groupEvent(m, from, m.Delay, "")
	if !ok || c.holdLive(room.String(), ev) {
		return
	}
	c.tellRoom(ev)
}

// groupEvent is what a room's message from room/nick means: a
// GroupMessage, or the sender's reactions (XEP-0444). archiveID is the
// room's archive id of a MAM result ("": a live message, whose
// stanza-id by the room names it).
func (c *Client) groupEvent(m *inMessage, from jid.JID, delay *delayEl, archiveID string) (Event, bool) {
	room := from.Bare()
	c.mu.Lock()
	nick, in := c.rooms[room.String()]
	if !in {
		nick = c.joinNicks[room.String()] // the history sent on joining
	}
	c.mu.Unlock()
	g := GroupMessage{Room: room, Nick: from.Resourcepart(), Body: m.Body, ID: m.ID, Time: time.Now().UTC()}
	if m.Subject != nil && m.Body == "" && archiveID == "" {
		// §8.1: a subject and no body (a body with a subject is a
		// message with a title, not a change).
		g.Subject, g.SubjectSet = *m.Subject, true
		g.SubjectChange = c.subjectArrived(room, g.Nick)
	}
	if m.OriginID != nil && m.OriginID.ID != "" {
		g.ID = m.OriginID.ID
	}
	for _, s := range m.StanzaIDs {
		if s.By == room.String() {
			g.ArchiveID = s.ID
		}
	}
	if archiveID != "" {
		g.ArchiveID = archiveID
	}
	if t, ok := parseStamp(delayStamp(delay)); ok {
		g.Time, g.Delayed = t.UTC(), true
	}
	g.Self = nick != "" && g.Nick == nick
	g.OccupantID = c.roomOccupantID(room.String(), m)
	if m.Reactions != nil {
		if m.Reactions.ID != "" && g.Nick != "" {
			return ReactionsReceived{Reactions{From: from, To: c.JID(), ID: m.Reactions.ID,
				Emojis: CleanReactions(m.Reactions.Reactions), Group: true, Outgoing: g.Self, Time: g.Time}}, true
		}
		return nil, false
	}
	if r := m.retraction(); r.id != "" {
		// A moderation (XEP-0425) comes from the room itself, and only
		// there: an occupant's <moderated/> is their own retraction at
		// most (the store checks that it is theirs).
		if g.Nick == "" && !r.moderated || g.Nick != "" && r.moderated {
			return nil, false
		}
		g.Retracts, g.Body = r.id, ""
		if r.moderated {
			g.Moderated, g.Body, g.Moderator = true, r.why, nickOf(r.moderator, room)
		}
		return g, true
	}
	if m.Encrypted != nil {
		g.enc = m.Encrypted
		g.sender, _ = c.occupantJID(room.String(), g.Nick)
		stored := archiveID != "" || (delay != nil && delay.From == room.String())
		if stored && m.MUCUser != nil && m.MUCUser.Item != nil {
			// The room's stored copy (its archive, or the history sent on
			// joining, whose delay only the room can sign: prosody drops
			// an occupant's): who sent it as the room kept it — the nick
			// may be someone else's by now. prosody adds its <x/> after
			// any the sender put in, and the last one read wins. Never
			// from a live message: its <x/> is the sender's own.
			if j, err := jid.Parse(m.MUCUser.Item.JID); err == nil {
				g.sender = j.Bare().String()
			}
		}
		if m.Reply != nil {
			// The fallback's ranges are in the decrypted body.
			g.rep = &pendingReply{el: *m.Reply, fbs: m.fallbacks()}
		}
		return g, true
	}
	g.Reply, g.Body = replyOf(m.Reply, m.fallbacks(), g.Body)
	g.File = fileOf(m.Body, m.OOB, false)
	if g.Body == "" && !g.SubjectSet {
		return nil, false
	}
	return g, true
}

// roomConfigChanged tells of a change of room's settings (a message from
// the room itself with status codes, §10.2.1) and reads again whether the
// room is private; false if u says no such change.
func (c *Client) roomConfigChanged(room jid.JID, u *mucUserMsg) bool {
	var codes []int
	for _, s := range u.Status {
		if s.Code == 104 || s.Code >= 170 && s.Code <= 174 {
			codes = append(codes, s.Code)
		}
	}
	if len(codes) == 0 {
		return false
	}
	if _, in := c.RoomNick(room); !in {
		return true // not a room we are in
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	c.emit(RoomConfigChanged{Room: room, Codes: codes})
	if slices.ContainsFunc(codes, func(code int) bool { return code == 104 || code >= 172 }) {
		go c.refreshRoomPrivacy(room)
	}
	return true
}

// joinedRooms is a copy of the rooms we are in: bare address → our nick.
func (c *Client) joinedRooms() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.rooms)
}

// nickOf is the nick of a room/nick address in room, or "".
func nickOf(addr string, room jid.JID) string {
	j, err := jid.Parse(addr)
	if err != nil || !j.Bare().Equal(room) {
		return ""
	}
	return j.Resourcepart()
}
