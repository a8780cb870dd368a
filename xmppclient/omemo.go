package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/omemo"
)

// OMEMO 0.3 on the wire (issue 18): the own device and bundle published
// over PEP, device lists of contacts taken from PEP events and fetched on
// demand, chat messages encrypted at send time (the outbox keeps the text:
// a resend after a restart encrypts again, same origin-id) and decrypted
// before anyone sees them (in the event pump, off the read loop, in order
// with the other events, so the archive cursor never passes a message
// that is still being decrypted).

const (
	nsPubsub      = "http://jabber.org/protocol/pubsub"
	nsPubsubEvent = "http://jabber.org/protocol/pubsub#event"
	nsXData       = "jabber:x:data"
	nsHints       = "urn:xmpp:hints"
	nsEME         = "urn:xmpp:eme:0"
	// omemoFallback is the body clients without OMEMO show: Dino's words.
	// Conversations' (143 bytes, with a link) made every encrypted stanza
	// 110 bytes longer, which prosody parses, stores in two archives and
	// writes to each device (issue 18's throughput), and I2P carries.
	omemoFallback = "[This message is OMEMO encrypted]"
)

// MessageEncrypted: the outgoing message ID went out OMEMO-encrypted.
type MessageEncrypted struct{ IDs []string }

// OMEMOReady: the own device and bundle are published (Err nil), or why
// OMEMO could not be set up on this login.
type OMEMOReady struct {
	DeviceID uint32
	Err      error
}

// DevicesChanged: a contact (or the account) published its OMEMO device
// list; it is stored.
type DevicesChanged struct {
	JID     jid.JID
	Devices []uint32
	// Added: the devices not in the list known before (none for the first
	// list seen of JID): a new device to announce in the chat, as
	// Conversations and Dino do. Never this device.
	Added []uint32
}

func (MessageEncrypted) isEvent() {}
func (OMEMOReady) isEvent()       {}
func (DevicesChanged) isEvent()   {}

// OMEMOAccount is the account's OMEMO device as the client uses it: its
// keys, sessions and trust are kept elsewhere (package omemo/device keeps
// them in the profile's store, which this package never imports). It must
// be safe for concurrent use.
type OMEMOAccount interface {
	// DeviceID is the account's own device id.
	DeviceID() uint32
	// Bundle is the own device's bundle, to publish.
	Bundle(ctx context.Context) (*omemo.Bundle, error)
	// Devices returns peer's device list as last stored by SetDevices.
	Devices(ctx context.Context, peer string) ([]uint32, error)
	// SetDevices stores peer's device list as received.
	SetDevices(ctx context.Context, peer string, l omemo.DeviceList) error
	// HasSession reports whether a session with the device exists.
	HasSession(ctx context.Context, to omemo.Address) (bool, error)
	// ProcessBundle builds a session with a device from its bundle.
	ProcessBundle(ctx context.Context, to omemo.Address, b *omemo.Bundle) error
	// EncryptMany encrypts each plaintext, in order, for the devices in to
	// (each with a session), all in one disk sync.
	EncryptMany(ctx context.Context, plaintexts [][]byte, to []omemo.Address) ([]*omemo.Encrypted, error)
	// RotateSignedPreKeyIfOlder makes a new signed pre-key when the
	// bundle's is older than maxAge; true: the bundle changed.
	RotateSignedPreKeyIfOlder(ctx context.Context, maxAge time.Duration) (bool, error)
	// KeyTransport makes an <encrypted> element with keys and no payload
	// for the devices in to (each with a session).
	KeyTransport(ctx context.Context, to []omemo.Address) (*omemo.Encrypted, error)
	// Decrypt decrypts e, sent by the device e.SID of from (a bare JID).
	Decrypt(ctx context.Context, from string, e *omemo.Encrypted) (*omemo.Decrypted, error)
	// RefillPreKeys tops the one-time pre-keys up after Decrypt reported
	// one consumed; the bundle is then published again.
	RefillPreKeys(ctx context.Context) (int, error)
}

// omemoState is the client's OMEMO bookkeeping: which peers' device lists
// were fetched on this run (an empty stored list is then known to be
// empty), and whether a bundle republication is under way.
type omemoState struct {
	// requireE2E: Config.RequireEncryption, changed by SetRequireEncryption.
	requireE2E atomic.Bool
	// published is closed once this client's first publication of its
	// device and bundle ended (done or failed): encrypting waits for it.
	published     chan struct{}
	publishedOnce sync.Once
	mu            sync.Mutex
	fetched       map[string]time.Time
	repaired      map[omemo.Address]time.Time // sessions started again (repair)
	republish     bool
	publishing    sync.Mutex // one publication at a time
}

// repair reports whether the session with d may be started again now (at
// most once in repairEvery per device: a hostile or broken sender must not
// make us fetch bundles in a loop), and records that it is.
func (o *omemoState) repair(d omemo.Address) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.repaired[d]; ok && time.Since(t) < repairEvery {
		return false
	}
	if o.repaired == nil {
		o.repaired = map[omemo.Address]time.Time{}
	}
	o.repaired[d] = time.Now()
	return true
}

// listedDevice reports whether d is in its owner's device list as stored:
// only such a device's session is repaired, so that a sender naming made-up
// device ids neither has us fetch a bundle per message nor grows the
// repair records beyond the devices listed (omemo.MaxDevices each).
func (c *Client) listedDevice(ctx context.Context, d omemo.Address) bool {
	ds, err := c.cfg.OMEMO.Devices(ctx, d.JID)
	return err == nil && slices.Contains(ds, d.Device)
}

// repairEvery bounds session repairs per device.
const repairEvery = 10 * time.Minute

// wasFetched reports whether peer's device list was read from their
// server lately (an empty stored list is then taken as empty).
func (o *omemoState) wasFetched(peer string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.fetched[peer]
	return ok && time.Since(t) < emptyListFor
}

func (o *omemoState) setFetched(peer string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fetched == nil {
		o.fetched = map[string]time.Time{}
	}
	o.fetched[peer] = time.Now()
}

// forgetFetched has peer's device list read again when it is needed and
// none is stored: they were seen coming (a room's member joining), with
// perhaps a client that has OMEMO now.
func (o *omemoState) forgetFetched(peer string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.fetched, peer)
}

// emptyListFor is how long an empty device list read from a server is
// believed: someone without OMEMO may start a client with it, and a
// contact who does not share presence with us sends no PEP event when
// they do.
const emptyListFor = 5 * time.Minute

// encryptedEl is an <encrypted> child as parsed by package omemo; a
// garbled one keeps its error, so the message says why it is unreadable.
type encryptedEl struct {
	e   *omemo.Encrypted
	err error
}

// UnmarshalXML collects the element (bounded by the stanza size limit)
// and parses it with omemo's limits.
func (el *encryptedEl) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	toks, err := collect(d, start)
	if err != nil {
		return err
	}
	el.e, el.err = omemo.ParseEncrypted(&tokenList{toks: toks})
	return nil
}

// collect returns the element whose start was read, start and end
// included, as tokens. (",innerxml" would not do: it is empty when the
// decoder reads tokens rather than bytes, as it does on a session.)
func collect(d *xml.Decoder, start xml.StartElement) ([]xml.Token, error) {
	toks := []xml.Token{start.Copy()}
	for depth := 1; depth > 0; {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
		toks = append(toks, xml.CopyToken(t))
	}
	return toks, nil
}

// pepEvent is a PEP notification's items.
type pepEvent struct {
	Items struct {
		Node     string    `xml:"node,attr"`
		Items    []rawItem `xml:"item"`
		Retracts []struct {
			ID string `xml:"id,attr"`
		} `xml:"retract"`
	} `xml:"items"`
}

// rawItem is a pubsub <item>: its payload's tokens (without the item's
// own start and end).
type rawItem struct {
	ID    string // the item's id
	Inner []xml.Token
}

func (it *rawItem) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	toks, err := collect(d, start)
	if err != nil {
		return err
	}
	for _, a := range start.Attr {
		if a.Name.Local == "id" {
			it.ID = a.Value
		}
	}
	it.Inner = toks[1 : len(toks)-1]
	return nil
}

func parseInner[T any](inner []xml.Token, parse func(xml.TokenReader) (T, error)) (T, error) {
	return parse(&tokenList{toks: inner})
}

// onPEP handles a PEP event message (on the read loop: parse only).
func (c *Client) onPEP(from jid.JID, ev *pepEvent) {
	if ev.Items.Node == nsBookmarks2 {
		c.onBookmarksEvent(from, ev)
		return
	}
	if ev.Items.Node == NSAvatarMetadata {
		c.onAvatarMetadata(from, ev)
		return
	}
	if ev.Items.Node == nsMDS {
		c.onMDSEvent(from, ev)
		return
	}
	if ev.Items.Node != omemo.NodeDeviceList || len(ev.Items.Items) == 0 {
		return
	}
	l, err := parseInner(ev.Items.Items[len(ev.Items.Items)-1].Inner, omemo.ParseDeviceList)
	if err != nil {
		c.emit(ErrorEvent{Err: fmt.Errorf("OMEMO device list of %s: %w", from.Bare(), err)})
		return
	}
	c.emit(DevicesChanged{JID: from.Bare(), Devices: l.Devices})
}

// omemoEvent runs in the pump for each event, before it is told: it
// decrypts messages and stores device lists. It returns false to drop
// the event (a key transport message, a copy of our own).
func (c *Client) omemoEvent(ev Event) (Event, bool) {
	acc := c.cfg.OMEMO
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
	defer cancel()
	switch e := ev.(type) {
	case DevicesChanged:
		if acc == nil {
			return ev, true
		}
		before, err := acc.Devices(ctx, e.JID.String())
		if err != nil {
			return ErrorEvent{Err: err}, true
		}
		if len(before) > 0 {
			for _, d := range e.Devices {
				if !slices.Contains(before, d) && d != acc.DeviceID() {
					e.Added = append(e.Added, d)
				}
			}
		}
		if err := acc.SetDevices(ctx, e.JID.String(), omemo.DeviceList{Devices: e.Devices}); err != nil {
			return ErrorEvent{Err: err}, true
		}
		ev = e
		c.omemo.setFetched(e.JID.String())
		if e.JID.Equal(c.JID().Bare()) && !slices.Contains(e.Devices, acc.DeviceID()) {
			// Another device of ours wrote the list without this one:
			// put it back, or contacts stop encrypting for it.
			go c.publishOMEMOAsync()
		}
		return ev, true
	case MessageReceived:
		if e.enc == nil {
			return ev, true
		}
		m, ok := c.decrypt(ctx, e.Message)
		if !ok {
			return nil, false
		}
		return MessageReceived{Message: m}, true
	case GroupMessage:
		if e.enc == nil {
			return ev, true
		}
		g, ok := c.decryptGroup(ctx, e)
		if !ok {
			return nil, false
		}
		g.File = fileOf(g.Body, nil, true)
		return g, true
	}
	return ev, true
}

// decrypt replaces m's fallback body with the decrypted text, or with why
// it could not be decrypted; false drops it (nothing to show).
func (c *Client) decrypt(ctx context.Context, m Message) (Message, bool) {
	el := m.enc
	m.enc = nil
	m.Encrypted = true
	acc := c.cfg.OMEMO
	if acc == nil {
		m.Body = "could not decrypt: OMEMO is off in this session"
		return m, true
	}
	if el.err != nil {
		m.Body = "could not decrypt: " + el.err.Error()
		return m, true
	}
	sender := m.From.Bare().String()
	d, err := acc.Decrypt(ctx, sender, el.e)
	switch {
	case errors.Is(err, omemo.ErrFromThisDevice), errors.Is(err, omemo.ErrReplay):
		// Our own message seen again, or a copy already decrypted (the
		// offline copy and the archive's): the history has it.
		return m, false
	case err != nil && el.e.Payload == nil:
		c.log.Info("OMEMO key transport not taken", "from", sender, "err", err)
		return m, false
	case err != nil:
		m.Body = "could not decrypt: " + err.Error()
		from := omemo.Address{JID: sender, Device: el.e.SID}
		if (errors.Is(err, omemo.ErrNoSession) || errors.Is(err, omemo.ErrUndecryptable)) &&
			!m.Outgoing && !m.Archived && c.listedDevice(ctx, from) && c.omemo.repair(from) {
			// Session repair, as Conversations and Dino do: a new session
			// from the device's bundle, announced by a key transport
			// (pre-key) message; the sender's next messages use it. The
			// old session stays in the record for messages already on
			// their way.
			m.Body += " (a new session with that device was started: its next messages will decrypt)"
			go c.sendKeyTransport(from, true)
		}
		return m, true
	}
	if !c.decrypted(d, !m.Outgoing && !m.Archived) {
		return m, false
	}
	m.Reply, m.Body = decryptedText(d, m.rep)
	m.rep = nil
	m.File = fileOf(m.Body, nil, true)
	return m, true
}

// decrypted is what follows a message's successful decryption, a chat's or
// a room's: the one-time pre-keys refilled, and a session just started
// from one of them confirmed (live messages only). False: a key transport,
// nothing to show.
func (c *Client) decrypted(d *omemo.Decrypted, live bool) bool {
	if d.RefillPreKeys {
		go c.refillPreKeys()
	}
	if d.PreKey && d.RefillPreKeys && live {
		// A session just started from one of our one-time pre-keys:
		// answered with an empty message, as Conversations, Dino and
		// python-omemo do. It confirms the session, so the sender's next
		// messages are no longer pre-key messages (the later ones of the
		// same session consume no pre-key and get no answer).
		go c.sendKeyTransport(d.From, false)
	}
	return !d.KeyTransport
}

// decryptedText is a decrypted message's text and, if it is a reply, the
// reply with its quote taken out of the text.
func decryptedText(d *omemo.Decrypted, rep *pendingReply) (*Reply, string) {
	if rep == nil {
		return nil, string(d.Plaintext)
	}
	return replyOf(&rep.el, rep.fbs, string(d.Plaintext))
}

// sendKeyTransport sends device to an OMEMO message with a key and no
// text (XEP-0384's key transport element), with the store hint so that it
// also reaches a device that is offline; fresh: in a new session built
// from the device's bundle (session repair).
func (c *Client) sendKeyTransport(to omemo.Address, fresh bool) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
	defer cancel()
	sess, err := c.session()
	if err != nil {
		return // the next message answers it
	}
	if fresh {
		b, err := c.fetchBundle(ctx, sess, to)
		if err == nil {
			err = c.cfg.OMEMO.ProcessBundle(ctx, to, b)
		}
		if err != nil {
			c.log.Info("OMEMO: session not repaired", "device", to.String(), "err", err)
			return
		}
	}
	enc, err := c.cfg.OMEMO.KeyTransport(ctx, []omemo.Address{to})
	if err != nil {
		c.log.Info("OMEMO: pre-key message not answered", "device", to.String(), "err", err)
		return
	}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", randomID()), xmlAttr("to", to.JID), xmlAttr("type", "chat")}}
	toks := append([]xml.Token{msg}, enc.Tokens()...)
	toks = append(toks, hint, hint.End(), msg.End())
	if err := sess.Send(ctx, &tokenList{toks: toks}); err != nil {
		c.log.Info("OMEMO: pre-key message not answered", "device", to.String(), "err", err)
	}
}

// refillPreKeys tops the pre-keys up after one was used and publishes the
// bundle again (coalesced: a burst of pre-key messages gives one).
func (c *Client) refillPreKeys() {
	c.omemo.mu.Lock()
	if c.omemo.republish {
		c.omemo.mu.Unlock()
		return
	}
	c.omemo.republish = true
	c.omemo.mu.Unlock()
	defer func() {
		c.omemo.mu.Lock()
		c.omemo.republish = false
		c.omemo.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
	defer cancel()
	if _, err := c.cfg.OMEMO.RefillPreKeys(ctx); err != nil {
		c.emit(ErrorEvent{Err: err})
		return
	}
	sess, err := c.session()
	if err != nil || !c.mayPublishOMEMO() {
		return // published at the next login
	}
	if err := c.publishBundle(ctx, sess); err != nil && ctx.Err() == nil {
		c.emit(ErrorEvent{Err: fmt.Errorf("OMEMO bundle not published again: %w", err)})
	}
}

// mayPublishOMEMO reports whether this client publishes its OMEMO device
// and bundle (Config.NoOMEMOPublish).
func (c *Client) mayPublishOMEMO() bool {
	return c.cfg.OMEMO != nil && !c.cfg.NoOMEMOPublish
}

// publishOMEMOAsync publishes on the current session, if any.
func (c *Client) publishOMEMOAsync() {
	if !c.mayPublishOMEMO() {
		return
	}
	sess, err := c.session()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
	defer cancel()
	if err := c.publishOMEMO(ctx, sess); err != nil && ctx.Err() == nil {
		c.emit(ErrorEvent{Err: err})
	}
}

// ErrDeviceIDTaken: another device of the account published a bundle
// under this device's id with another identity key.
var ErrDeviceIDTaken = errors.New("OMEMO: this device's id is taken by another device of the account (its bundle has another identity key)")

// publishOMEMO puts the own device in the account's device list (keeping
// the others) and publishes its bundle, both with access model open (what
// the deployed clients publish and expect: contacts not in the roster
// fetch them too).
func (c *Client) publishOMEMO(ctx context.Context, sess *xmpp.Session) error {
	acc := c.cfg.OMEMO
	c.omemo.publishing.Lock()
	defer c.omemo.publishing.Unlock()
	me := c.JID().Bare()
	list, err := c.fetchDeviceList(ctx, sess, me)
	if err != nil {
		return fmt.Errorf("OMEMO: own device list: %w", err)
	}
	if !slices.Contains(list.Devices, acc.DeviceID()) {
		// A new id in the list: make sure no other device of ours has it.
		b, err := c.fetchBundle(ctx, sess, omemo.Address{JID: me.String(), Device: acc.DeviceID()})
		if err == nil {
			own, berr := acc.Bundle(ctx)
			if berr != nil {
				return berr
			}
			if b.IdentityKey != own.IdentityKey {
				return ErrDeviceIDTaken
			}
		} else if !isItemNotFound(err) {
			return fmt.Errorf("OMEMO: own bundle: %w", err)
		}
		list.Devices = append(list.Devices, acc.DeviceID())
		if err := c.publish(ctx, sess, omemo.NodeDeviceList, list.TokenReader()); err != nil {
			return fmt.Errorf("OMEMO: publishing the device list: %w", err)
		}
	}
	if err := acc.SetDevices(ctx, me.String(), list); err != nil {
		return err
	}
	c.omemo.setFetched(me.String())
	// At each login, before the bundle is published (again).
	if _, err := acc.RotateSignedPreKeyIfOlder(ctx, signedPreKeyAge); err != nil {
		return err
	}
	return c.publishBundle(ctx, sess)
}

// signedPreKeyAge is how long a signed pre-key is published: checked at
// each login, so a client logging in daily rotates it weekly. The previous
// one is kept (omemo/device) for pre-key messages built on an older bundle.
const signedPreKeyAge = 7 * 24 * time.Hour

func (c *Client) publishBundle(ctx context.Context, sess *xmpp.Session) error {
	acc := c.cfg.OMEMO
	b, err := acc.Bundle(ctx)
	if err != nil {
		return err
	}
	node := fmt.Sprintf("%s%d", omemo.NodeBundles, acc.DeviceID())
	if err := c.publish(ctx, sess, node, b.TokenReader()); err != nil {
		return fmt.Errorf("OMEMO: publishing the bundle: %w", err)
	}
	return nil
}

// itemStart is a pubsub <item>, with id unless it is "".
func itemStart(id string) xml.StartElement {
	s := xml.StartElement{Name: xml.Name{Local: "item"}}
	if id != "" {
		s.Attr = []xml.Attr{xmlAttr("id", id)}
	}
	return s
}

func isItemNotFound(err error) bool {
	var se stanza.Error
	return errors.As(err, &se) && se.Condition == stanza.ItemNotFound
}

// publish publishes payload as the item "current" of the account's PEP
// node, with publish-options pubsub#access_model=open (XEP-0060 §7.1.5;
// mellium's pubsub package has none).
func (c *Client) publish(ctx context.Context, sess *xmpp.Session, node string, payload xml.TokenReader) error {
	return c.publishAs(ctx, sess, node, "current", payload)
}

// publishAs publishes payload as item id ("": the server picks one) of
// the account's PEP node, open to anyone (OMEMO's nodes, XEP-0084 avatars).
func (c *Client) publishAs(ctx context.Context, sess *xmpp.Session, node, id string, payload xml.TokenReader) error {
	return c.publishItem(ctx, sess, node, id, payload, [][2]string{{"pubsub#access_model", "open"}})
}

// pubsubIQ sends iq with payload and returns the first item's inner XML
// of the answer (nil if none). The answer's reader is always closed (an
// open one stalls the read loop).
func (c *Client) pubsubIQ(ctx context.Context, sess *xmpp.Session, iq stanza.IQ, payload xml.TokenReader) ([]xml.Token, error) {
	it, err := c.pubsubItems(ctx, sess, iq, payload, errors.New("the server refused it"))
	if err != nil || len(it) == 0 {
		return nil, err
	}
	return it[len(it)-1].Inner, nil
}

// pubsubItems sends iq with payload and returns the answer's items (nil
// if none); an error answer without a condition is refused. The answer's
// reader is always closed (an open one stalls the read loop).
func (c *Client) pubsubItems(ctx context.Context, sess *xmpp.Session, iq stanza.IQ, payload xml.TokenReader, refused error) ([]rawItem, error) {
	resp, err := sess.SendIQ(ctx, iq.Wrap(payload))
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	var v struct {
		Type   string        `xml:"type,attr"`
		Error  *stanza.Error `xml:"error"`
		Pubsub *struct {
			Items struct {
				Items []rawItem `xml:"item"`
			} `xml:"items"`
		} `xml:"http://jabber.org/protocol/pubsub pubsub"`
	}
	if err := xml.NewTokenDecoder(resp).Decode(&v); err != nil {
		return nil, err
	}
	if v.Type == "error" {
		if v.Error != nil {
			return nil, *v.Error
		}
		return nil, refused
	}
	if v.Pubsub == nil {
		return nil, nil
	}
	return v.Pubsub.Items.Items, nil
}

// items asks for the newest item of owner's node.
func (c *Client) items(ctx context.Context, sess *xmpp.Session, owner jid.JID, node string) ([]xml.Token, error) {
	q := xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "items"}, Attr: []xml.Attr{xmlAttr("node", node), xmlAttr("max_items", "1")}}),
		xml.StartElement{Name: xml.Name{Space: nsPubsub, Local: "pubsub"}},
	)
	return c.pubsubIQ(ctx, sess, stanza.IQ{Type: stanza.GetIQ, To: owner}, q)
}

// fetchDeviceList reads owner's device list; none published is an empty
// list.
func (c *Client) fetchDeviceList(ctx context.Context, sess *xmpp.Session, owner jid.JID) (omemo.DeviceList, error) {
	inner, err := c.items(ctx, sess, owner.Bare(), omemo.NodeDeviceList)
	if isItemNotFound(err) || (err == nil && inner == nil) {
		return omemo.DeviceList{}, nil
	}
	if err != nil {
		return omemo.DeviceList{}, err
	}
	return parseInner(inner, omemo.ParseDeviceList)
}

// fetchBundle reads a device's bundle (item-not-found when none).
func (c *Client) fetchBundle(ctx context.Context, sess *xmpp.Session, d omemo.Address) (*omemo.Bundle, error) {
	owner, err := jid.Parse(d.JID)
	if err != nil {
		return nil, err
	}
	inner, err := c.items(ctx, sess, owner, fmt.Sprintf("%s%d", omemo.NodeBundles, d.Device))
	if err != nil {
		return nil, err
	}
	if inner == nil {
		return nil, stanza.Error{Type: stanza.Cancel, Condition: stanza.ItemNotFound}
	}
	return parseInner(inner, omemo.ParseBundle)
}

// devicesOf returns peer's devices: as stored, fetched when none are
// stored and the last fetch is older than emptyListFor (an unknown
// contact, or one whose list changed while we were away and not
// subscribed).
func (c *Client) devicesOf(ctx context.Context, sess *xmpp.Session, peer jid.JID) ([]uint32, error) {
	acc := c.cfg.OMEMO
	key := peer.String()
	ds, err := acc.Devices(ctx, key)
	if err != nil || len(ds) > 0 || c.omemo.wasFetched(key) {
		return ds, err
	}
	l, err := c.fetchDeviceList(ctx, sess, peer)
	var se stanza.Error
	if errors.As(err, &se) {
		// No PEP at their server (service-unavailable), or no access:
		// they have no OMEMO we can use; plaintext, as other clients do.
		c.log.Debug("no OMEMO device list", "peer", key, "err", err)
		l, err = omemo.DeviceList{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("OMEMO device list of %s: %w", peer, err)
	}
	if err := acc.SetDevices(ctx, key, l); err != nil {
		return nil, err
	}
	c.omemo.setFetched(key)
	return l.Devices, nil
}

// publishWait bounds how long the first encrypted message of a client
// waits for its own device's publication (see omemoTargets): long enough
// for a publication over I2P, short of a send's usual timeout.
const publishWait = 15 * time.Second

// ErrOMEMOFailed wraps why a message to a contact with OMEMO devices
// could not be encrypted; it is not sent in plaintext instead.
var ErrOMEMOFailed = errors.New("OMEMO encryption failed; the message was not sent")

// ErrPlaintextRefused: the account sends nothing unencrypted
// (Config.RequireEncryption) and the contact has no OMEMO device. The
// message fails (and stays queued: it goes out, encrypted, once they have
// one).
var ErrPlaintextRefused = fmt.Errorf("%w: this account sends nothing unencrypted, and the contact has no OMEMO device", ErrOMEMOFailed)

// encryptFor encrypts body for peer's devices and the account's other
// devices, building sessions from bundles where there are none. nil, nil:
// peer has no OMEMO device (send plaintext).
func (c *Client) encryptFor(ctx context.Context, sess *xmpp.Session, peer jid.JID, body string) (*omemo.Encrypted, error) {
	es, err := c.encryptManyFor(ctx, sess, peer, []string{body})
	if err != nil || es == nil {
		return nil, err
	}
	return es[0], nil
}

// encryptManyFor is encryptFor for several bodies to peer, in order, with
// one disk sync for all the sessions' steps.
func (c *Client) encryptManyFor(ctx context.Context, sess *xmpp.Session, peer jid.JID, bodies []string) ([]*omemo.Encrypted, error) {
	to, err := c.omemoTargets(ctx, sess, peer)
	if err != nil && !errors.Is(err, ErrOMEMOFailed) && !isNetErr(err) {
		// A store error, say: these messages' failure, not the stream's.
		err = fmt.Errorf("%w: %w", ErrOMEMOFailed, err)
	}
	if err != nil || to == nil {
		return nil, err
	}
	pts := make([][]byte, len(bodies))
	for i, b := range bodies {
		pts[i] = []byte(b)
	}
	es, err := c.cfg.OMEMO.EncryptMany(ctx, pts, to)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOMEMOFailed, err)
	}
	return es, nil
}

// omemoTargets returns the devices a message to peers (a contact, or a
// room's members) is encrypted for: theirs and the account's other
// devices, each with a session (built from its bundle where there was
// none). nil, nil: a peer has no OMEMO device. An error also when no
// device of a peer could be reached.
func (c *Client) omemoTargets(ctx context.Context, sess *xmpp.Session, peers ...jid.JID) ([]omemo.Address, error) {
	acc := c.cfg.OMEMO
	// A new device's first messages are pre-key messages, which the peer's
	// client checks against our published bundle: python-omemo drops one
	// whose sender it cannot find (SenderNotFound, no retry). So the first
	// publication goes first, for at most publishWait (the message is then
	// sent all the same: Conversations and Dino accept it either way).
	select {
	case <-c.omemo.published:
	case <-time.After(publishWait):
		c.log.Info("OMEMO: sending before the own bundle is published", "waited", publishWait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var to []omemo.Address
	for _, peer := range peers {
		theirs, err := c.devicesOf(ctx, sess, peer)
		if err != nil || len(theirs) == 0 {
			return nil, err
		}
		for _, d := range theirs {
			to = append(to, omemo.Address{JID: peer.String(), Device: d})
		}
	}
	me := c.JID().Bare()
	mine, err := acc.Devices(ctx, me.String())
	if err != nil {
		return nil, err
	}
	for _, d := range mine {
		if d != acc.DeviceID() {
			to = append(to, omemo.Address{JID: me.String(), Device: d})
		}
	}
	ready := to[:0:0]
	var whyNot []error
	for _, d := range to {
		ok, err := acc.HasSession(ctx, d)
		if err != nil {
			return nil, err
		}
		if !ok {
			b, err := c.fetchBundle(ctx, sess, d)
			if err == nil {
				err = acc.ProcessBundle(ctx, d, b)
			}
			if err != nil {
				// A device without a usable bundle (gone, broken) is left
				// out; the others still get the message.
				c.log.Info("OMEMO device left out", "device", d.String(), "err", err)
				whyNot = append(whyNot, fmt.Errorf("%s: %w", d, err))
				continue
			}
		}
		ready = append(ready, d)
	}
	for _, peer := range peers {
		if !slices.ContainsFunc(ready, func(a omemo.Address) bool { return a.JID == peer.String() }) {
			return nil, fmt.Errorf("%w: no device of %s could be reached: %w", ErrOMEMOFailed, peer, errors.Join(whyNot...))
		}
	}
	return ready, nil
}

// preEncrypted is a chunk's messages encrypted ahead, by outbox id: each
// the element to send, or why it could not be made (nil element, nil
// error: plaintext).
type preEncrypted map[string]struct {
	e   *omemo.Encrypted
	err error
}

// preEncrypt encrypts a chunk's chat messages ahead, all of those to one
// contact in one disk sync (BenchmarkOMEMOSideBySide: one sync per message
// made encrypted sending 0.3-0.5x as fast as plaintext). Messages already
// sent on this connection are left out. Without OMEMO: nil.
func (c *Client) preEncrypt(ctx context.Context, sess *xmpp.Session, ch []OutboxEntry) preEncrypted {
	if c.cfg.OMEMO == nil || len(ch) < 2 {
		return nil
	}
	byPeer := map[string][]OutboxEntry{}
	var order []string
	c.mu.Lock()
	for _, e := range ch {
		if c.sentNow[e.ID] || isPrivateTo(e.To) || e.Retract {
			continue // sent, a room's private message or a retraction (plaintext)
		}
		to, err := jid.Parse(e.To)
		if err != nil {
			continue // outgoingTokens says so
		}
		k := to.Bare().String()
		if _, ok := byPeer[k]; !ok {
			order = append(order, k)
		}
		byPeer[k] = append(byPeer[k], e)
	}
	c.mu.Unlock()
	out := preEncrypted{}
	for _, k := range order {
		es := byPeer[k]
		bodies := make([]string, len(es))
		for i, e := range es {
			bodies[i], _ = wireBody(e)
		}
		enc, err := c.encryptManyFor(ctx, sess, jid.MustParse(k), bodies)
		for i, e := range es {
			r := out[e.ID]
			if err != nil {
				r.err = err
			} else if enc != nil {
				r.e = enc[i]
			}
			out[e.ID] = r
		}
	}
	return out
}

// encryptedChatTokens is an OMEMO chat message: as encryptedTokens, with
// the receipt request, chat state and correction a plaintext chat carries.
func encryptedChatTokens(e OutboxEntry, enc *omemo.Encrypted) xml.TokenReader {
	req := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:receipts", Local: "request"}}
	extra := append([]xml.Token{req, req.End()}, activeTokens()...)
	extra = append(extra, replaceTokens(e.Replace)...)
	extra = append(extra, markableTokens()...)
	_, fbLen := wireBody(e)
	return encryptedTokens(e.ID, e.To, "chat", e.Reply, fbLen, enc, extra...)
}

// encryptedTokens is an OMEMO message of type typ (chat or groupchat):
// the fallback body, the origin-id, the reply, the <encrypted> element,
// extra, the store hint (servers do not archive or keep bodiless-looking
// messages otherwise) and the EME marker (XEP-0380).
func encryptedTokens(id, to, typ string, r *Reply, fbLen int, enc *omemo.Encrypted, extra ...xml.Token) xml.TokenReader {
	body := xml.StartElement{Name: xml.Name{Local: "body"}}
	oid := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:sid:0", Local: "origin-id"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "store"}}
	eme := xml.StartElement{Name: xml.Name{Space: nsEME, Local: "encryption"}, Attr: []xml.Attr{xmlAttr("namespace", omemo.NS), xmlAttr("name", "OMEMO")}}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", id), xmlAttr("to", to), xmlAttr("type", typ)}}
	toks := []xml.Token{msg, body, xml.CharData(omemoFallback), body.End(), oid, oid.End()}
	// The reply travels in the clear, as Conversations and Dino send it
	// (OMEMO 0.3 encrypts the body only); its quote is inside the
	// encrypted body, where the fallback's range points.
	toks = append(toks, replyTokens(r, fbLen)...)
	toks = append(toks, enc.Tokens()...)
	toks = append(toks, extra...)
	toks = append(toks, hint, hint.End(), eme, eme.End(), msg.End())
	return &tokenList{toks: toks}
}

// outgoingTokens is the stanza for an outbox entry: encrypted when OMEMO
// is on and the peer has devices (encrypted true), else plaintext. pre
// holds the chunk's messages encrypted ahead (preEncrypt), if any.
func (c *Client) outgoingTokens(ctx context.Context, sess *xmpp.Session, e OutboxEntry, pre preEncrypted) (xml.TokenReader, bool, error) {
	if e.Retract {
		return retractTokens(e.ID, e.To, e.Replace, "chat"), false, nil // no text: see retract.go
	}
	if isPrivateTo(e.To) && (e.File == nil || !e.File.Encrypted) {
		// A room's private message: plaintext, as the room's messages
		// are (require-encryption covers chats with contacts).
		return chatTokens(e), false, nil
	}
	if c.cfg.OMEMO == nil {
		if c.omemo.requireE2E.Load() {
			return nil, false, ErrPlaintextRefused
		}
		if e.File != nil && e.File.Encrypted {
			return nil, false, ErrKeyInPlaintext
		}
		return chatTokens(e), false, nil
	}
	to, err := jid.Parse(e.To)
	if err != nil {
		return nil, false, err
	}
	start := time.Now()
	var enc *omemo.Encrypted
	if r, ok := pre[e.ID]; ok {
		enc, err = r.e, r.err
	} else {
		text, _ := wireBody(e)
		enc, err = c.encryptFor(ctx, sess, to.Bare(), text)
	}
	if err != nil {
		return nil, false, err
	}
	if enc == nil {
		if c.omemo.requireE2E.Load() {
			return nil, false, ErrPlaintextRefused
		}
		if e.File != nil && e.File.Encrypted {
			return nil, false, ErrKeyInPlaintext
		}
		return chatTokens(e), false, nil
	}
	c.log.Debug("OMEMO encrypted", "id", e.ID, "keys", len(enc.Keys), "took", time.Since(start))
	return encryptedChatTokens(e, enc), true, nil
}

// isOMEMOEvent: events the pump must look at even with OMEMO off (an
// encrypted message must not show its fallback body as the text).
func isOMEMOEvent(ev Event) bool {
	switch e := ev.(type) {
	case MessageReceived:
		return e.enc != nil
	case GroupMessage:
		return e.enc != nil
	}
	return false
}

// OMEMODevices returns peer's OMEMO devices: as stored, or, online and
// with none stored, as their server lists them (read again after
// emptyListFor).
// Messages to peer are encrypted when there is at least one. Without
// OMEMO in this client: none.
func (c *Client) OMEMODevices(ctx context.Context, peer jid.JID) ([]uint32, error) {
	acc := c.cfg.OMEMO
	if acc == nil {
		return nil, nil
	}
	peer = peer.Bare()
	sess, err := c.session()
	if err != nil { // offline: what is known
		return acc.Devices(ctx, peer.String())
	}
	return c.devicesOf(ctx, sess, peer)
}

// SetRequireEncryption changes Config.RequireEncryption for the messages
// sent from now on (the user turned the account's option on or off).
func (c *Client) SetRequireEncryption(on bool) { c.omemo.requireE2E.Store(on) }

// markPublished records that the first publication ended (see
// omemoState.published).
func (c *Client) markPublished() {
	c.omemo.publishedOnce.Do(func() { close(c.omemo.published) })
}
