package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/muc"

	"github.com/clove-xmpp/clove/omemo"
)

// OMEMO in rooms, as Conversations, Dino and Gajim do it: only in a
// private room — members-only (so the set of readers is known) and
// non-anonymous (so each occupant's real address, whose devices a
// message is encrypted for and whose sender key decrypts it, is known).
// A message to such a room is encrypted for every device of every member
// (the room's member lists, §7.11, and the occupants present) and of our
// own other devices, when each member has at least one device; otherwise
// it goes as plaintext, as a one-to-one message to a contact without
// OMEMO does, and RoomEncryption says why. The room reflects our message
// to us: this device cannot decrypt its own message (OMEMO never
// encrypts for the sender's device), so the text of our recent ones is
// kept to tell the reflection.

const (
	featNonAnonymous = "muc_nonanonymous"
	featMembersOnly  = "muc_membersonly"
)

// roomCrypt is what the client knows of a joined room for OMEMO. Guarded
// by Client.mu.
type roomCrypt struct {
	known       bool              // private is read (disco#info or our own configuration)
	private     bool              // members-only and non-anonymous
	occupants   map[string]string // nick → bare real address
	members     map[string]bool   // bare addresses on the member lists
	membersRead bool              // the member lists were read
	// occupantIDs: the room's disco#info lists XEP-0421: its
	// <occupant-id/> on a message is the room's word (elsewhere anyone
	// could write one).
	occupantIDs bool
}

// RoomEncryption says whether our messages to a room go OMEMO-encrypted.
type RoomEncryption struct {
	Encrypted bool
	// Why not, in words for the user ("" when Encrypted).
	Why string
	// Members are the addresses the messages are encrypted for (besides
	// our own other devices), sorted.
	Members []string
}

// ErrRoomNotJoined: the room is not one we are in.
var ErrRoomNotJoined = errors.New("not in the room")

// cryptLocked returns room's record, made if missing (c.mu held).
func (c *Client) cryptLocked(room string) *roomCrypt {
	if c.roomCrypt == nil {
		c.roomCrypt = map[string]*roomCrypt{}
	}
	rc := c.roomCrypt[room]
	if rc == nil {
		rc = &roomCrypt{occupants: map[string]string{}, members: map[string]bool{}}
		c.roomCrypt[room] = rc
	}
	return rc
}

// setRoomPrivacy records what the room's disco#info (or our own
// configuration of a new room) says of it.
func (c *Client) setRoomPrivacy(room jid.JID, features []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := c.cryptLocked(room.String())
	rc.known = true
	rc.private = hasFeature(features, featNonAnonymous) && hasFeature(features, featMembersOnly)
	if hasFeature(features, muc.NS) {
		// disco#info's whole list (our own configuration's is not).
		rc.occupantIDs = hasFeature(features, nsOccupantID)
	}
}

// nsOccupantID is XEP-0421's namespace.
const nsOccupantID = "urn:xmpp:occupant-id:0"

// roomOccupantID is the occupant-id on m if room vouches for it ("").
func (c *Client) roomOccupantID(room string, m *inMessage) string {
	if m.OccupantID == nil || m.OccupantID.ID == "" {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc := c.roomCrypt[room]; rc != nil && rc.occupantIDs {
		return m.OccupantID.ID
	}
	return ""
}

// configPrivacy is the disco#info features a room configured with fields
// has, as far as OMEMO cares.
func configPrivacy(fields []FormField) []string {
	var out []string
	for _, f := range fields {
		switch {
		case f.Var == "muc#roomconfig_membersonly" && slices.Contains(f.Values, "1"):
			out = append(out, featMembersOnly)
		case f.Var == "muc#roomconfig_whois" && slices.Contains(f.Values, "anyone"):
			out = append(out, featNonAnonymous)
		}
	}
	return out
}

// noteOccupant keeps an occupant's real address (and, for someone with an
// affiliation, their membership) as the room's presence tells it.
func (c *Client) noteOccupant(o Occupant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, in := c.rooms[o.Room.String()]; !in && c.joins[o.Room.String()] == nil {
		return
	}
	rc := c.cryptLocked(o.Room.String())
	if o.Left {
		delete(rc.occupants, o.Nick)
	} else if !o.JID.Equal(jid.JID{}) {
		if _, was := rc.occupants[o.Nick]; !was {
			// Someone coming: their device list is read again if we
			// knew it empty (they may have an OMEMO client now).
			c.omemo.forgetFetched(o.JID.Bare().String())
		}
		rc.occupants[o.Nick] = o.JID.Bare().String()
	}
	if o.JID.Equal(jid.JID{}) {
		return
	}
	switch o.Affiliation {
	case "owner", "admin", "member":
		rc.members[o.JID.Bare().String()] = true
	case "none", "outcast":
		delete(rc.members, o.JID.Bare().String())
	}
}

// occupantJID is the real address of room/nick as the room showed it.
func (c *Client) occupantJID(room, nick string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := c.roomCrypt[room]
	if rc == nil {
		return "", false
	}
	j, ok := rc.occupants[nick]
	return j, ok
}

// roomRecipients returns the bare addresses a message to room is
// encrypted for (not ours), or why the room's messages cannot be
// encrypted. The member lists are read once per join (the occupants'
// presence keeps them current after).
func (c *Client) roomRecipients(ctx context.Context, room jid.JID) ([]string, string, error) {
	c.mu.Lock()
	_, in := c.rooms[room.String()]
	rc := c.roomCrypt[room.String()]
	var known, private, read bool
	if rc != nil {
		known, private, read = rc.known, rc.private, rc.membersRead
	}
	c.mu.Unlock()
	switch {
	case !in:
		return nil, "", fmt.Errorf("%s: %w", room, ErrRoomNotJoined)
	case !known:
		return nil, "the room's settings could not be read", nil
	case !private:
		return nil, "the room is not private: OMEMO needs a members-only room that shows members' addresses", nil
	}
	if !read {
		if err := c.readMembers(ctx, room); err != nil {
			return nil, "", err
		}
	}
	me := c.JID().Bare().String()
	c.mu.Lock()
	rc = c.cryptLocked(room.String())
	set := map[string]bool{}
	for m := range rc.members {
		set[m] = true
	}
	for _, j := range rc.occupants {
		set[j] = true
	}
	c.mu.Unlock()
	delete(set, me)
	out := make([]string, 0, len(set))
	for j := range set {
		out = append(out, j)
	}
	slices.Sort(out)
	if len(out) > maxRoomRecipients {
		return nil, fmt.Sprintf("the room has more than %d members", maxRoomRecipients), nil
	}
	return out, "", nil
}

// maxRoomRecipients bounds the members a room message is encrypted for:
// each costs a device list and a key per device. Conversations and Dino
// have no such bound; a private room is a small group.
const maxRoomRecipients = 100

// RoomEncryption tells whether a message to room would go encrypted now,
// fetching the members' device lists it needs (online only). It is what
// the room's lock asks at each arrival and departure, so it stops at the
// device lists: the bundles and sessions a send needs (omemoTargets) are
// built by the send, which fails loudly if a member's devices cannot be
// reached.
func (c *Client) RoomEncryption(ctx context.Context, room jid.JID) (RoomEncryption, error) {
	sess, err := c.session()
	if err != nil {
		return RoomEncryption{}, err
	}
	st, _, err := c.roomPeers(ctx, sess, room.Bare())
	return st, err
}

// roomTargets returns the devices a message to room is encrypted for, or
// nil targets and why not (plaintext). An error: the message must not go
// (a store error, or the members' devices could not be reached).
func (c *Client) roomTargets(ctx context.Context, sess *xmpp.Session, room jid.JID) (RoomEncryption, []omemo.Address, error) {
	st, peers, err := c.roomPeers(ctx, sess, room)
	if err != nil || !st.Encrypted {
		return st, nil, err
	}
	to, err := c.omemoTargets(ctx, sess, peers...)
	if err != nil {
		return RoomEncryption{}, nil, err
	}
	return st, to, nil
}

// roomPeers is whether room's messages are encrypted, by its settings,
// its members and their device lists, and if so the members.
func (c *Client) roomPeers(ctx context.Context, sess *xmpp.Session, room jid.JID) (RoomEncryption, []jid.JID, error) {
	if c.cfg.OMEMO == nil {
		return RoomEncryption{Why: "OMEMO is off in this session"}, nil, nil
	}
	members, why, err := c.roomRecipients(ctx, room)
	if err != nil || why != "" {
		return RoomEncryption{Why: why}, nil, err
	}
	if len(members) == 0 {
		return RoomEncryption{Why: "no one else is a member of the room yet"}, nil, nil
	}
	peers := make([]jid.JID, 0, len(members))
	var without []string
	for _, m := range members {
		j, err := jid.Parse(m)
		if err != nil {
			continue
		}
		ds, err := c.devicesOf(ctx, sess, j)
		if err != nil {
			return RoomEncryption{}, nil, err
		}
		if len(ds) == 0 {
			without = append(without, m)
		}
		peers = append(peers, j)
	}
	if len(without) > 0 {
		return RoomEncryption{Why: fmt.Sprintf("%s %s no OMEMO device", strings.Join(without, ", "), hasHave(len(without)))}, nil, nil
	}
	return RoomEncryption{Encrypted: true, Members: members}, peers, nil
}

func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// recentTexts keeps the text of our last encrypted room messages by id
// (bounded: a room's copy comes back within seconds).
type recentTexts struct {
	mu    sync.Mutex
	order []string
	text  map[string]string
}

const recentTextsMax = 256

func (r *recentTexts) put(id, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.text == nil {
		r.text = map[string]string{}
	}
	if len(r.order) >= recentTextsMax {
		delete(r.text, r.order[0])
		r.order = r.order[1:]
	}
	r.order = append(r.order, id)
	r.text[id] = text
}

func (r *recentTexts) get(id string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.text[id]
	return t, ok
}

// decryptGroup is decrypt for a room's message: the sender's key is that
// of the occupant's real address. false drops it.
func (c *Client) decryptGroup(ctx context.Context, g GroupMessage) (GroupMessage, bool) {
	el := g.enc
	g.enc = nil
	g.Encrypted = true
	sender := g.sender
	if g.Self && sender == "" {
		sender = c.JID().Bare().String()
	}
	if sender == "" && el.e != nil && c.cfg.OMEMO != nil {
		sender = c.memberWithDevice(ctx, g.Room.String(), el.e.SID)
	}
	fallback := func(why string) (GroupMessage, bool) {
		g.Body = "could not decrypt: " + why
		return g, true
	}
	acc := c.cfg.OMEMO
	switch {
	case acc == nil:
		return fallback("OMEMO is off in this session")
	case el.err != nil:
		return fallback(el.err.Error())
	case sender == "":
		return fallback(fmt.Sprintf("the room did not show who %s is", g.Nick))
	}
	d, err := acc.Decrypt(ctx, sender, el.e)
	switch {
	case errors.Is(err, omemo.ErrFromThisDevice):
		// The room's copy of our own message: its text as we sent it
		// (the history has it already; this marks it sent).
		if t, ok := c.sentGroup.get(g.ID); ok {
			g.Body = t
			return g, true
		}
		g.OwnCopy = true
		return fallback(err.Error())
	case errors.Is(err, omemo.ErrReplay):
		return g, false // decrypted before: the live copy and the archive's
	case err != nil && el.e.Payload == nil:
		return g, false // a key transport not for us
	case errors.Is(err, omemo.ErrNotForThisDevice):
		// Mostly the room's history from before we were a member, or
		// before this device was known to the sender.
		return fallback("it was not encrypted for this device (said before you were a member, or by a client that did not know this device yet)")
	case err != nil:
		return fallback(err.Error())
	}
	if !c.decrypted(d, !g.Delayed) {
		return g, false
	}
	g.Reply, g.Body = decryptedText(d, g.rep)
	g.rep = nil
	return g, true
}

// sendGroupEncrypted sends body to room OMEMO-encrypted if the room's
// messages are (true), else does nothing (false).
func (c *Client) sendGroupEncrypted(ctx context.Context, sess *xmpp.Session, room jid.JID, id, body string, r *Reply) (bool, error) {
	if c.cfg.OMEMO == nil {
		return false, nil
	}
	start := time.Now()
	st, to, err := c.roomTargets(ctx, sess, room)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrOMEMOFailed, err)
	}
	if !st.Encrypted {
		c.log.Debug("room message in plaintext", "room", room, "why", st.Why)
		return false, nil
	}
	text, n := wireBody(OutboxEntry{Body: body, Reply: r})
	es, err := c.cfg.OMEMO.EncryptMany(ctx, [][]byte{[]byte(text)}, to)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrOMEMOFailed, err)
	}
	c.sentGroup.put(id, body)
	c.log.Debug("OMEMO encrypted for a room", "room", room, "members", len(st.Members), "keys", len(es[0].Keys), "took", time.Since(start))
	return true, sess.Send(ctx, encryptedTokens(id, room.String(), "groupchat", r, n, es[0]))
}

// refreshRoomPrivacy reads room's disco#info again after the room said
// its configuration changed.
func (c *Client) refreshRoomPrivacy(room jid.JID) {
	sess, err := c.session()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
	defer cancel()
	info, err := discoInfoOf(ctx, sess, room)
	if err != nil {
		c.log.Debug("room settings not read again", "room", room, "err", err)
		return
	}
	c.mu.Lock()
	_, in := c.rooms[room.String()]
	c.mu.Unlock()
	if in {
		c.setRoomPrivacy(room, info.features())
		c.emit(RoomSubjectPolicy{Room: room, Open: info.subjectOpen()})
	}
}

// GroupEncrypted reports whether our room message id went OMEMO-encrypted
// (known for our last few hundred encrypted room messages).
func (c *Client) GroupEncrypted(id string) bool {
	_, ok := c.sentGroup.get(id)
	return ok
}

// memberWithDevice is the member of room whose device list holds device
// ("" if none or several): who sent a message of the room's history
// (sent on joining, without the sender's address) when they are no
// longer there. Decrypting proves it: only that device's session opens
// the message.
func (c *Client) memberWithDevice(ctx context.Context, room string, device uint32) string {
	sess, err := c.session()
	if err != nil {
		return ""
	}
	rj, err := jid.Parse(room)
	if err != nil {
		return ""
	}
	c.readMembers(ctx, rj)
	c.mu.Lock()
	var cands []string
	if rc := c.roomCrypt[room]; rc != nil {
		for m := range rc.members {
			cands = append(cands, m)
		}
		for _, j := range rc.occupants {
			cands = append(cands, j)
		}
	}
	c.mu.Unlock()
	slices.Sort(cands)
	cands = slices.Compact(cands)
	found := ""
	for _, m := range cands {
		mj, err := jid.Parse(m)
		if err != nil {
			continue
		}
		ds, err := c.devicesOf(ctx, sess, mj)
		if err != nil || !slices.Contains(ds, device) {
			continue
		}
		if found != "" {
			return ""
		}
		found = m
	}
	return found
}

// readMembers reads room's member lists into its record, once per join
// (the occupants' presence keeps them current after).
func (c *Client) readMembers(ctx context.Context, room jid.JID) error {
	c.mu.Lock()
	rc := c.roomCrypt[room.String()]
	read := rc != nil && rc.membersRead
	c.mu.Unlock()
	if read {
		return nil
	}
	ms, err := c.RoomMembers(ctx, room)
	if err != nil && !errors.Is(err, ErrMembersForbidden) {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rc = c.cryptLocked(room.String())
	for _, m := range ms {
		rc.members[m.JID.Bare().String()] = true
	}
	rc.membersRead = true
	return nil
}

// onAffiliationNotice takes a room's word that someone not in it became
// a member (or stopped being one): prosody says so to the occupants
// (§9.3, example 195), and a private room's next message is then
// encrypted for them too (someone invited, whom the invitation made a
// member, reads it from the archive once they come).
func (c *Client) onAffiliationNotice(m *inMessage) {
	room, err := jid.Parse(m.From)
	if err != nil || room.Resourcepart() != "" {
		return
	}
	who, err := jid.Parse(m.MUCUser.Item.JID)
	if err != nil {
		return
	}
	c.noteOccupant(Occupant{Room: room, JID: who, Affiliation: m.MUCUser.Item.Affiliation, Left: true})
}
