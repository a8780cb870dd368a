package xmppclient

import (
	"encoding/xml"
	"errors"
	"strconv"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// handle runs on the session's read loop for every top-level element. It
// decodes, answers what the protocol requires at once (IQ results, SM acks)
// and hands everything else to the event queue or the worker; it never
// touches storage or waits on the consumer.
func (c *Client) handle(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	// t holds the element's inner tokens and its end: put the start back so
	// the decoder sees a whole element.
	d := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), t))
	switch {
	case start.Name.Space == nsSM:
		return c.handleSM(t, d, start)
	case start.Name.Local == "message":
		var m inMessage
		if err := d.Decode(&m); err != nil {
			return c.badStanza(err)
		}
		c.onMessage(&m)
	case start.Name.Local == "presence":
		var p inPresence
		if err := d.Decode(&p); err != nil {
			return c.badStanza(err)
		}
		c.onPresence(&p)
	case start.Name.Local == "iq":
		return c.handleIQ(t, d, start)
	}
	return nil
}

// badStanza handles a stanza that could not be decoded: a malformed one is
// reported and skipped; a read that failed (a stanza over the size limit,
// the connection gone) ends the session, and the session's end says why
// (as an ErrorEvent too, it was said twice).
func (c *Client) badStanza(err error) error {
	var tooLarge *StanzaTooLargeError
	if errors.As(err, &tooLarge) || isNetErr(err) {
		return err
	}
	c.emit(ErrorEvent{Err: err})
	return nil
}

func (c *Client) handleSM(t xmlstream.TokenReadEncoder, d *xml.Decoder, start *xml.StartElement) error {
	var v struct {
		H        string `xml:"h,attr"`
		ID       string `xml:"id,attr"`
		Resume   string `xml:"resume,attr"`
		Location string `xml:"location,attr"`
	}
	if err := d.Decode(&v); err != nil {
		return err
	}
	switch start.Name.Local {
	case "r":
		c.mu.Lock()
		ac, _ := c.conn.(*ackConn)
		c.mu.Unlock()
		if ac != nil {
			ac.holdNext() // the <a/> goes with whatever is written next
		}
		if _, err := xmlstream.Copy(t, smElement("a", hAttr(c.sm.answer()))); err != nil {
			return err
		}
	case "a":
		h, err := strconv.ParseUint(v.H, 10, 32)
		if err != nil {
			c.emit(ErrorEvent{Err: err})
			return nil
		}
		ids, more := c.sm.ack(uint32(h))
		if len(ids) > 0 {
			c.work.push(func() { c.acked(ids) })
		}
		if more {
			c.requestAckNow()
		}
	case "enabled":
		c.sm.mu.Lock()
		c.sm.enabled = true
		c.sm.resumeID = v.ID
		c.sm.resumable = v.Resume == "true" || v.Resume == "1"
		c.sm.location = v.Location
		c.sm.mu.Unlock()
		c.requestAckNow()
	case "failed":
		c.log.Warn("stream management refused by the server")
	}
	return nil
}

// requestAckNow plans an ack request on the current session if one is due.
func (c *Client) requestAckNow() {
	c.mu.Lock()
	sess := c.sess
	c.mu.Unlock()
	if due, _ := c.sm.needR(); due && sess != nil {
		c.requestAck(sess)
	}
}

func (c *Client) handleIQ(t xmlstream.TokenReadEncoder, d *xml.Decoder, start *xml.StartElement) error {
	var iq struct {
		ID    string    `xml:"id,attr"`
		Type  string    `xml:"type,attr"`
		From  string    `xml:"from,attr"`
		Ping  *struct{} `xml:"urn:xmpp:ping ping"`
		Query *struct {
			Ver   string       `xml:"ver,attr"`
			Items []rosterItem `xml:"item"`
		} `xml:"jabber:iq:roster query"`
		Privacy *struct{} `xml:"jabber:iq:privacy query"`
		Disco   *struct {
			Node string `xml:"node,attr"`
		} `xml:"http://jabber.org/protocol/disco#info query"`
		Block   *blockingItems `xml:"urn:xmpp:blocking block"`
		Unblock *blockingItems `xml:"urn:xmpp:blocking unblock"`
	}
	if err := d.Decode(&iq); err != nil {
		return err
	}
	if iq.Type != "get" && iq.Type != "set" {
		return nil // a late reply nobody waits for
	}
	from := iq.From
	reply := stanza.IQ{ID: iq.ID, Type: stanza.ResultIQ}
	if from != "" {
		j, err := jid.Parse(from)
		if err != nil {
			return nil
		}
		reply.To = j
	}
	switch {
	case iq.Type == "get" && iq.Ping != nil:
	case iq.Type == "get" && iq.Disco != nil:
		// Our features (caps.go): prosody's PEP asks, to learn the +notify.
		_, err := xmlstream.Copy(t, reply.Wrap(discoInfoReply(iq.Disco.Node)))
		return err
	case iq.Type == "set" && iq.Query != nil && (from == "" || from == c.JID().Bare().String()):
		items := make([]RosterItem, 0, len(iq.Query.Items))
		removed := false
		for _, it := range iq.Query.Items {
			ri, ok := it.item()
			if !ok {
				continue
			}
			removed = removed || ri.Subscription == "remove"
			items = append(items, ri)
		}
		c.emit(RosterChanged{Items: items, Ver: iq.Query.Ver, Removed: removed})
	case iq.Type == "set" && (iq.Block != nil || iq.Unblock != nil) && (from == "" || from == c.JID().Bare().String()):
		// A blocklist push: this or another device of the account changed it.
		c.forgetBlocklist()
		if iq.Block != nil {
			c.emit(BlocklistChanged{JIDs: iq.Block.jids(), Blocked: true})
		} else {
			c.emit(BlocklistChanged{JIDs: iq.Unblock.jids()})
		}
	case iq.Type == "set" && iq.Privacy != nil && (from == "" || from == c.JID().Bare().String()):
		// A privacy list push (XEP-0016: it must be acknowledged): we or
		// another device defined a list; the active one is per session.
	default:
		reply.Type = stanza.ErrorIQ
		_, err := xmlstream.Copy(t, reply.Wrap(stanza.Error{Type: stanza.Cancel, Condition: stanza.ServiceUnavailable}.TokenReader()))
		return err
	}
	_, err := xmlstream.Copy(t, reply.Wrap(nil))
	return err
}

// blockingItems is a blocklist push's items.
type blockingItems struct {
	Items []struct {
		JID string `xml:"jid,attr"`
	} `xml:"item"`
}

func (b *blockingItems) jids() []string {
	out := make([]string, 0, len(b.Items))
	for _, it := range b.Items {
		if j, err := jid.Parse(it.JID); err == nil {
			out = append(out, j.String())
		}
	}
	return out
}

type rosterItem struct {
	JID          string   `xml:"jid,attr"`
	Name         string   `xml:"name,attr"`
	Subscription string   `xml:"subscription,attr"`
	Groups       []string `xml:"group"`
}

func (it rosterItem) item() (RosterItem, bool) {
	j, err := jid.Parse(it.JID)
	if err != nil {
		return RosterItem{}, false
	}
	sub := it.Subscription
	if sub == "" {
		sub = "none"
	}
	return RosterItem{JID: j, Name: it.Name, Subscription: sub, Groups: it.Groups}, true
}

type delayEl struct {
	Stamp string `xml:"stamp,attr"`
	From  string `xml:"from,attr"`
}

type forwarded struct {
	Delay   *delayEl   `xml:"urn:xmpp:delay delay"`
	Message *inMessage `xml:"jabber:client message"`
}

type carbon struct {
	Forwarded forwarded `xml:"urn:xmpp:forward:0 forwarded"`
}

type idEl struct {
	ID string `xml:"id,attr"`
	By string `xml:"by,attr"`
}

type inMessage struct {
	ID       string  `xml:"id,attr"`
	From     string  `xml:"from,attr"`
	To       string  `xml:"to,attr"`
	Type     string  `xml:"type,attr"`
	Body     string  `xml:"body"`
	Subject  *string `xml:"subject"`
	OriginID *idEl   `xml:"urn:xmpp:sid:0 origin-id"`
	// Form: a data form (XEP-0004), e.g. a room's voice request.
	Form *xForm `xml:"jabber:x:data x"`
	// OccupantID: XEP-0421, a room's stable id of the sender.
	OccupantID *idEl         `xml:"urn:xmpp:occupant-id:0 occupant-id"`
	StanzaIDs  []idEl        `xml:"urn:xmpp:sid:0 stanza-id"`
	Request    *struct{}     `xml:"urn:xmpp:receipts request"`
	Receipt    *idEl         `xml:"urn:xmpp:receipts received"`
	Delay      *delayEl      `xml:"urn:xmpp:delay delay"`
	Sent       *carbon       `xml:"urn:xmpp:carbons:2 sent"`
	Received   *carbon       `xml:"urn:xmpp:carbons:2 received"`
	Error      *stanza.Error `xml:"error"`
	Encrypted  *encryptedEl  `xml:"eu.siacs.conversations.axolotl encrypted"`
	Reply      *replyEl      `xml:"urn:xmpp:reply:0 reply"`
	Fallbacks  []fallbackEl  `xml:"urn:xmpp:fallback:0 fallback"`
	// The protoXEP's namespace, which slixmpp 1.8's XEP-0461 plugin
	// still writes and reads.
	OldFallbacks []fallbackEl `xml:"urn:xmpp:feature-fallback:0 fallback"`
	Reactions    *reactionsEl `xml:"urn:xmpp:reactions:0 reactions"`
	OOB          *oobEl       `xml:"jabber:x:oob x"`
	Event        *pepEvent    `xml:"http://jabber.org/protocol/pubsub#event event"`
	// Room invitations (invite.go): direct, and mediated or declined.
	Conference *directInviteEl `xml:"jabber:x:conference x"`
	MUCUser    *mucUserMsg     `xml:"http://jabber.org/protocol/muc#user x"`
	Replace    *idEl           `xml:"urn:xmpp:message-correct:0 replace"`
	Retract    *retractEl      `xml:"urn:xmpp:message-retract:1 retract"`
	Displayed  *idEl           `xml:"urn:xmpp:chat-markers:0 displayed"`
	Markable   *struct{}       `xml:"urn:xmpp:chat-markers:0 markable"`
	ApplyTo    *applyToEl      `xml:"urn:xmpp:fasten:0 apply-to"`
	chatStates
	Result *struct {
		QueryID   string    `xml:"queryid,attr"`
		ID        string    `xml:"id,attr"`
		Forwarded forwarded `xml:"urn:xmpp:forward:0 forwarded"`
	} `xml:"urn:xmpp:mam:2 result"`
}

// fallbacks are the message's fallback elements (XEP-0428), in either
// namespace.
func (m *inMessage) fallbacks() []fallbackEl {
	if len(m.OldFallbacks) == 0 {
		return m.Fallbacks
	}
	return append(append([]fallbackEl(nil), m.Fallbacks...), m.OldFallbacks...)
}

func parseStamp(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func (c *Client) onMessage(m *inMessage) {
	me := c.JID().Bare()
	fromSelf := m.From == "" || m.From == me.String()
	if m.Event != nil && m.Result == nil {
		// A PEP notification: from the publisher's bare JID (or ours).
		from := me
		if m.From != "" {
			j, err := jid.Parse(m.From)
			if err != nil {
				return
			}
			from = j.Bare()
		}
		c.onPEP(from, m.Event)
		return
	}
	if vr, ok := c.voiceRequest(m); ok {
		c.emit(vr)
		return
	}
	switch {
	case m.Result != nil:
		if !fromSelf {
			// A room's archive (muc_mam.go), or nothing we asked for.
			if from, err := jid.Parse(m.From); err == nil {
				c.onRoomResult(from, m)
			}
			return
		}
		if m.Result.Forwarded.Message == nil {
			return
		}
		msg, ok := c.convert(m.Result.Forwarded.Message, m.Result.Forwarded.Delay)
		if !ok {
			return
		}
		msg.Archived = true
		msg.ArchiveID = m.Result.ID
		if r := c.reconciling.Load(); r != nil && m.Result.QueryID == r.queryID {
			// The reconciliation's own pages are only looked at: the
			// catch-up after it fetches from the history's cursor, and
			// saving every archived message here made a reconciliation
			// over ~1,100 archived messages outlast a 30 s send.
			r.see(msg)
			return
		}
		c.deliver(msg, false)
		return
	case m.Sent != nil || m.Received != nil:
		if !fromSelf {
			return // forged carbon
		}
		fw := m.Received
		if m.Sent != nil {
			fw = m.Sent
		}
		if fw.Forwarded.Message == nil {
			return
		}
		msg, ok := c.convert(fw.Forwarded.Message, fw.Forwarded.Delay)
		if !ok {
			return
		}
		msg.Carbon = true
		c.deliver(msg, false)
		return
	}
	if c.onInvite(m) {
		return
	}
	if m.Type == "groupchat" {
		c.onGroupMessage(m)
		return
	}
	if m.Type == "error" {
		if c.subjectRefused(m) {
			return
		}
		if m.ID != "" {
			ev := MessageFailed{ID: m.ID}
			if m.Error != nil {
				ev.Condition = string(m.Error.Condition)
				ev.Text = errorText(*m.Error)
			}
			c.emit(ev)
		}
		return
	}
	c.onChatState(m)
	msg, ok := c.convert(m, m.Delay)
	if !ok {
		return
	}
	c.deliver(msg, m.Request != nil && m.Type != "groupchat")
}

func (c *Client) convert(m *inMessage, delay *delayEl) (Message, bool) {
	var msg Message
	var err error
	if m.From != "" {
		if msg.From, err = jid.Parse(m.From); err != nil {
			return msg, false
		}
	} else {
		msg.From = c.JID().Bare()
	}
	if m.To != "" {
		if msg.To, err = jid.Parse(m.To); err != nil {
			return msg, false
		}
	} else {
		msg.To = c.JID()
	}
	me := c.JID().Bare()
	msg.ID, msg.Type, msg.Body = m.ID, m.Type, m.Body
	msg.enc = m.Encrypted
	msg.react = m.Reactions
	if m.Encrypted == nil {
		msg.Reply, msg.Body = replyOf(m.Reply, m.fallbacks(), msg.Body)
		msg.File = fileOf(m.Body, m.OOB, false)
	} else if m.Reply != nil {
		// The fallback's ranges are in the decrypted body (see decrypt).
		msg.rep = &pendingReply{el: *m.Reply, fbs: m.fallbacks()}
	}
	if m.Replace != nil {
		msg.Replaces = m.Replace.ID
	}
	if id := m.retraction().id; id != "" {
		// A retraction: its body is the fallback for other clients, and
		// it has nothing to decrypt.
		msg.Replaces, msg.Retract = id, true
		msg.Body, msg.enc, msg.rep, msg.Reply, msg.File = "", nil, nil, nil, nil
	}
	msg.Markable = m.Markable != nil
	if m.Displayed != nil && m.Type != "groupchat" {
		msg.marker = m.Displayed.ID
	}
	msg.OriginID = m.ID
	if m.OriginID != nil && m.OriginID.ID != "" {
		msg.OriginID = m.OriginID.ID
	}
	for _, s := range m.StanzaIDs {
		if s.By == me.String() {
			msg.ArchiveID = s.ID
		}
	}
	msg.Outgoing = msg.From.Bare().Equal(me)
	msg.Time = time.Now().UTC()
	if t, ok := parseStamp(delayStamp(delay)); ok {
		msg.Time, msg.Delayed = t.UTC(), true
	}
	if m.Receipt != nil && m.Receipt.ID != "" {
		c.emit(ReceiptReceived{From: msg.From, ID: m.Receipt.ID})
	}
	msg.Private = c.privateMessage(m, msg)
	return msg, true
}

func delayStamp(d *delayEl) string {
	if d == nil {
		return ""
	}
	return d.Stamp
}

// deliver emits a message with a body (or reactions) and, if asked,
// sends a receipt.
func (c *Client) deliver(msg Message, receipt bool) {
	if msg.Type == "error" {
		return
	}
	if msg.marker != "" {
		c.emit(MarkerReceived{From: msg.From, To: msg.To, ID: msg.marker, Outgoing: msg.Outgoing, Archived: msg.Archived})
	}
	if msg.react != nil {
		// Reactions, not a message: a body beside them is their fallback
		// for other clients, shown nowhere here.
		if r, ok := c.reactionsOf(msg); ok {
			c.emit(r)
		}
		return
	}
	if msg.Body == "" && msg.enc == nil && !msg.Retract {
		return
	}
	c.emit(MessageReceived{Message: msg})
	if receipt && !msg.Outgoing && msg.ID != "" {
		to, id := msg.From, msg.ID
		c.work.push(func() { c.sendReceipt(to, id) })
	}
}

type inPresence struct {
	From     string        `xml:"from,attr"`
	Type     string        `xml:"type,attr"`
	Show     string        `xml:"show"`
	Status   string        `xml:"status"`
	Priority int           `xml:"priority"`
	MUC      *mucUser      `xml:"http://jabber.org/protocol/muc#user x"`
	VCard    *vcardUpdate  `xml:"vcard-temp:x:update x"`
	Error    *stanza.Error `xml:"error"`
}

func (c *Client) onPresence(p *inPresence) {
	if p.From == "" {
		return
	}
	from, err := jid.Parse(p.From)
	if err != nil {
		return
	}
	if c.onRoomPresence(from, p) {
		return
	}
	if p.Type == "subscribe" {
		c.emit(SubscriptionRequest{From: from.Bare()})
		return
	}
	c.emit(PresenceChanged{From: from, Type: p.Type, Show: p.Show, Status: p.Status, Priority: p.Priority})
	c.onVCardUpdate(from, p.VCard)
}

func xmlAttr(name, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: name}, Value: value}
}
