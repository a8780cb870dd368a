package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Invisibility (XEP-0126) on privacy lists (XEP-0016, jabber:iq:privacy):
// the account defines a list "invisible" that denies all outgoing
// presence, makes it this session's active list, then sends available
// presence. The server delivers messages to the session as to any
// available one, but tells no contact about it: they see the account
// unavailable. Becoming visible declines the active list and broadcasts
// the chosen presence. Prosody 0.12 has this in mod_privacy_lists
// (prosody-modules); XEP-0186 is in no Debian 12 package.
//
// The active list belongs to the server's session: a new session (a
// reconnect that could not resume) starts without it, so the list is made
// active again before its first presence, and a contact never sees the
// account available in between.

// Invisible is the show SetPresence takes to make the account invisible.
// It is never sent as a <show/>.
const Invisible = "invisible"

const (
	nsPrivacy     = "jabber:iq:privacy"
	nsDiscoInfo   = "http://jabber.org/protocol/disco#info"
	invisibleList = "invisible"
)

// ErrInvisible is returned by the roster's presence requests (subscribe,
// approve, deny) while the account is invisible: prosody's privacy list
// drops every outgoing presence, these too, so they would be lost without a
// word.
var ErrInvisible = errors.New("you are invisible: your server holds back every presence you send, so become visible first")

var errNoPrivacyLists = errors.New("your server does not offer invisibility (privacy lists, XEP-0016)")

// Support says whether the server offers what a feature needs.
type Support int32

const (
	SupportUnknown Support = iota // not logged in yet, or not asked yet
	Supported
	Unsupported
)

func (s Support) String() string {
	switch s {
	case Supported:
		return "supported"
	case Unsupported:
		return "unsupported"
	}
	return "unknown"
}

// InvisibleSupport says whether the account's server offers privacy lists
// (and so Invisible), as found at the last login. It does not block.
func (c *Client) InvisibleSupport() Support { return Support(c.invisibleSupport.Load()) }

// presSent is what the server's session (the one resumption keeps) has of
// our presence.
type presSent struct {
	announced  bool     // an available presence went out on it
	show, text string   // that presence (show Invisible: behind the list)
	photo      ownPhoto // the avatar hash it carried (XEP-0153)
	listActive bool     // the invisible list is its active list
	// unsure: the server may have missed our last presence changes (a
	// resumed stream lost them), so the next one does every step again.
	unsure bool
}

// resetPresence says the server has a new session: nothing announced,
// no active list.
func (c *Client) resetPresence() {
	c.mu.Lock()
	c.presGen++
	c.sent = presSent{}
	c.mu.Unlock()
	// Asked again (discoverServer): the server may have changed.
	c.invisibleSupport.Store(int32(SupportUnknown))
}

// presenceUnsure says the server may have missed our last presence
// changes (a resumed stream whose last presence was never acked).
func (c *Client) presenceUnsure() {
	c.mu.Lock()
	c.sent.unsure = true
	c.mu.Unlock()
}

// presTarget is a presence the server refused (see applyPresence).
type presTarget struct {
	show, text string
	gen        int
}

// loginPresence sends the session's first presence. Going invisible may be
// refused (the server lost its privacy lists): that is told as an
// ErrorEvent and the session stays online without presence, never visible.
func (c *Client) loginPresence(ctx context.Context, sess *xmpp.Session) error {
	err := c.applyPresence(ctx, sess, true)
	var se stanza.Error
	if err != nil && (errors.As(err, &se) || errors.Is(err, errNoPrivacyLists)) {
		c.emit(ErrorEvent{Err: err})
		return nil
	}
	return err
}

// applyPresence brings the server's session to the presence chosen last
// (c.status, c.statusText), doing only the steps still missing. It waits
// for the privacy list's answers before any presence that depends on
// them: if going invisible fails, no available presence is sent at all.
// A change the server refused is tried again on this session only when
// retry is set (the user chose it again), so it is reported once.
func (c *Client) applyPresence(ctx context.Context, sess *xmpp.Session, retry bool) error {
	c.presMu.Lock()
	defer c.presMu.Unlock()
	c.mu.Lock()
	show, text, have, gen, photo := c.status, c.statusText, c.sent, c.presGen, c.photo
	refused := c.refused == presTarget{show, text, gen}
	c.mu.Unlock()
	if refused && !retry {
		return nil
	}
	record := func(s presSent) {
		c.mu.Lock()
		if c.presGen == gen { // else a new session began meanwhile
			c.sent = s
		}
		c.mu.Unlock()
	}
	refuse := func() {
		c.mu.Lock()
		c.refused = presTarget{show, text, gen}
		c.mu.Unlock()
	}

	if show == Invisible {
		if !have.unsure && have.announced && have.listActive {
			return nil // its text matters to no one: contacts see nothing
		}
		if c.InvisibleSupport() == Unsupported {
			// Known before anything changed: contacts keep seeing what
			// they saw.
			refuse()
			return errNoPrivacyLists
		}
		left := have.announced || have.unsure
		if left {
			// Contacts see us (or may): tell them we left while the list
			// does not block it yet. The server says it to the rooms we
			// are in too (directed presence): we enter them again below.
			if err := sess.Send(ctx, presenceElement(jid.JID{}, stanza.UnavailablePresence, "", "")); err != nil {
				return err
			}
		}
		if err := c.hide(ctx, sess); err != nil {
			var se stanza.Error
			if errors.As(err, &se) {
				record(presSent{})
				refuse()
			} else {
				record(presSent{unsure: true})
			}
			return fmt.Errorf("could not become invisible (you are shown offline): %w", err)
		}
		// Available again, for messages and our other devices; the list
		// keeps it from every contact.
		if err := sess.Send(ctx, presenceElement(jid.JID{}, "", "", "", photo.element())); err != nil {
			record(presSent{listActive: true, unsure: true})
			return err
		}
		record(presSent{announced: true, show: Invisible, listActive: true, photo: photo})
		if left {
			c.rejoinRooms(ctx)
		}
		return nil
	}
	if !have.unsure && have.announced && !have.listActive && have.show == show && have.text == text && have.photo == photo {
		return nil
	}
	if have.listActive || have.unsure {
		if err := c.privacySet(ctx, sess, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "active"}})); err != nil {
			var se stanza.Error
			if have.unsure && errors.As(err, &se) && (se.Condition == stanza.ServiceUnavailable || se.Condition == stanza.FeatureNotImplemented) {
				// No privacy lists on this server: nothing can be active.
			} else {
				if errors.As(err, &se) {
					refuse()
				}
				return fmt.Errorf("could not become visible: %w", err)
			}
		}
	}
	if err := sess.Send(ctx, presenceElement(jid.JID{}, "", show, text, photo.element())); err != nil {
		record(presSent{unsure: true})
		return err
	}
	record(presSent{announced: true, show: show, text: text, photo: photo})
	if have.announced || have.unsure {
		// Not the session's first presence (whose rooms are entered
		// afterwards, with it): the rooms need telling themselves.
		return c.presenceToRooms(ctx, sess, show, text, photo)
	}
	return nil
}

// hide defines the invisible list and makes it the session's active one.
// Both requests are written at once (the server handles them in order);
// both answers are awaited. The list lets presence through to the rooms
// we are in or joining (else every room would see us leave).
func (c *Client) hide(ctx context.Context, sess *xmpp.Session) error {
	rooms := c.allowedRooms()
	var items []xml.TokenReader
	order := 1
	for _, r := range rooms {
		items = append(items, privacyItem(order, "allow", r))
		order++
	}
	items = append(items, privacyItem(order, "deny", ""))
	list := xmlstream.Wrap(xmlstream.MultiReader(items...), xml.StartElement{Name: xml.Name{Local: "list"}, Attr: []xml.Attr{xmlAttr("name", invisibleList)}})
	written, defined := privacyRequest(ctx, sess, list)
	select {
	case <-written:
	case err := <-defined:
		return c.privacyAnswer(err)
	}
	active := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "active"}, Attr: []xml.Attr{xmlAttr("name", invisibleList)}})
	_, activated := privacyRequest(ctx, sess, active)
	if err := c.privacyAnswer(<-defined); err != nil {
		if <-activated == nil {
			// An older list of that name went active: not what we asked.
			_ = c.privacySet(ctx, sess, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "active"}}))
		}
		return fmt.Errorf("defining the invisible list: %w", err)
	}
	if err := c.privacyAnswer(<-activated); err != nil {
		return fmt.Errorf("making the invisible list active: %w", err)
	}
	c.mu.Lock()
	c.listRooms = rooms
	c.mu.Unlock()
	return nil
}

// privacyAnswer records what an answer says about the server's support.
func (c *Client) privacyAnswer(err error) error {
	var se stanza.Error
	switch {
	case err == nil:
		c.invisibleSupport.Store(int32(Supported))
	case errors.As(err, &se) && (se.Condition == stanza.ServiceUnavailable || se.Condition == stanza.FeatureNotImplemented):
		c.invisibleSupport.Store(int32(Unsupported))
		return fmt.Errorf("%w: %w", errNoPrivacyLists, err)
	}
	return err
}

// allowedRooms are the rooms we are in or joining, sorted.
func (c *Client) allowedRooms() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rooms []string
	for r := range c.rooms {
		rooms = append(rooms, r)
	}
	for r := range c.joins {
		if _, in := c.rooms[r]; !in {
			rooms = append(rooms, r)
		}
	}
	slices.Sort(rooms)
	return rooms
}

// allowRoom lets presence to room through the active invisible list
// before we join it (the list is replaced; the session keeps it active).
func (c *Client) allowRoom(ctx context.Context, sess *xmpp.Session, room string) error {
	c.presMu.Lock()
	defer c.presMu.Unlock()
	c.mu.Lock()
	hidden := c.sent.listActive
	listed := slices.Contains(c.listRooms, room)
	c.mu.Unlock()
	if !hidden || listed {
		return nil
	}
	// hide again: defining the active list anew changes it at once.
	if err := c.hide(ctx, sess); err != nil {
		return fmt.Errorf("letting the room see you while you are invisible: %w", err)
	}
	return nil
}

// invisibleNow says whether the server's session holds back our presence.
func (c *Client) invisibleNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent.listActive
}

func privacyItem(order int, action, value string) xml.TokenReader {
	attrs := []xml.Attr{xmlAttr("action", action), xmlAttr("order", strconv.Itoa(order))}
	if value != "" {
		attrs = append([]xml.Attr{xmlAttr("type", "jid"), xmlAttr("value", value)}, attrs...)
	}
	return xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "presence-out"}}),
		xml.StartElement{Name: xml.Name{Local: "item"}, Attr: attrs})
}

// privacyRequest sends a jabber:iq:privacy set with one child; written is
// closed once it is on the stream, answered gets the outcome (see
// iqWritten).
func privacyRequest(ctx context.Context, sess *xmpp.Session, child xml.TokenReader) (written <-chan struct{}, answered <-chan error) {
	w := make(chan struct{})
	a := make(chan error, 1)
	q := &onEOF{r: xmlstream.Wrap(child, xml.StartElement{Name: xml.Name{Space: nsPrivacy, Local: "query"}}), f: func() { close(w) }}
	go func() { a <- sess.UnmarshalIQElement(ctx, q, stanza.IQ{Type: stanza.SetIQ}, nil) }()
	return w, a
}

// privacySet sends a jabber:iq:privacy set and waits for its answer.
func (c *Client) privacySet(ctx context.Context, sess *xmpp.Session, child xml.TokenReader) error {
	_, answered := privacyRequest(ctx, sess, child)
	return c.privacyAnswer(<-answered)
}

// discoverServer asks the server (disco#info) whether it offers privacy
// lists; the answer is what InvisibleSupport says until the next login.
func (c *Client) discoverServer(ctx context.Context, sess *xmpp.Session) {
	var info struct {
		Features []struct {
			Var string `xml:"var,attr"`
		} `xml:"feature"`
	}
	server, err := jid.New("", c.cfg.JID.Domainpart(), "")
	if err != nil {
		return
	}
	err = sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}),
		stanza.IQ{To: server, Type: stanza.GetIQ}, &info)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Info("server features not known", "err", err)
		}
		return
	}
	s := Unsupported
	for _, f := range info.Features {
		if f.Var == nsPrivacy {
			s = Supported
		}
	}
	c.invisibleSupport.Store(int32(s))
}
