package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sync"

	"mellium.im/xmlstream"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/roster"
	"mellium.im/xmpp/stanza"
)

// ErrRoster marks the ErrorEvent of a roster that could not be loaded
// after login.
var ErrRoster = errors.New("the contact list could not be loaded")

// rosterQuery is a roster result (RFC 6121 §2.1.4).
type rosterQuery struct {
	XMLName xml.Name     `xml:"jabber:iq:roster query"`
	Ver     string       `xml:"ver,attr"`
	Items   []rosterItem `xml:"item"`
}

// requestRoster asks for the roster and emits it (RosterChanged, Full).
// written is closed once the request has been handed to the stream, so
// initial presence can follow it without waiting for the answer (RFC
// 6121 §2.2: the roster is requested before presence); done gets the
// outcome. mellium's roster.Fetch cannot say when its request is written,
// so the request is made here; adding and removing use mellium's.
func (c *Client) requestRoster(ctx context.Context, sess *xmpp.Session) (written <-chan struct{}, done <-chan error) {
	var q rosterQuery
	written, answered := iqWritten(ctx, sess, stanza.GetIQ, xml.Name{Space: roster.NS, Local: "query"}, &q)
	d := make(chan error, 1)
	go func() {
		if err := <-answered; err != nil {
			d <- fmt.Errorf("loading the contact list: %w", err)
			return
		}
		items := make([]RosterItem, 0, len(q.Items))
		for _, it := range q.Items {
			if ri, ok := it.item(); ok {
				items = append(items, ri)
			}
		}
		c.emit(RosterChanged{Items: items, Ver: q.Ver, Full: true})
		d <- nil
	}()
	return written, d
}

// iqWritten sends an IQ of type typ with an empty payload element and
// decodes the answer's payload into v. written is closed once the request
// has been handed to the stream (what follows it on the stream, the server
// handles after it); answered gets the outcome.
func iqWritten(ctx context.Context, sess *xmpp.Session, typ stanza.IQType, payload xml.Name, v any) (written <-chan struct{}, answered <-chan error) {
	w := make(chan struct{})
	a := make(chan error, 1)
	r := &onEOF{r: xmlstream.Wrap(nil, xml.StartElement{Name: payload}), f: func() { close(w) }}
	go func() { a <- sess.UnmarshalIQElement(ctx, r, stanza.IQ{Type: typ}, v) }()
	return w, a
}

// onEOF calls f once, when r is read to its end.
type onEOF struct {
	r    xml.TokenReader
	f    func()
	once sync.Once
}

func (o *onEOF) Token() (xml.Token, error) {
	t, err := o.r.Token()
	if err == io.EOF {
		o.once.Do(o.f)
	}
	return t, err
}

// AddContact adds or renames a roster entry and, with subscribe, asks to see
// the contact's presence.
func (c *Client) AddContact(ctx context.Context, j jid.JID, name string, groups []string, subscribe bool) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := roster.Set(ctx, sess, roster.Item{JID: j.Bare(), Name: name, Group: groups}); err != nil {
		return fmt.Errorf("adding %s to the contact list: %w", j.Bare(), err)
	}
	if subscribe {
		if c.invisibleNow() {
			return fmt.Errorf("%s was added, but asking to see their presence: %w", j.Bare(), ErrInvisible)
		}
		return c.presenceTo(ctx, sess, j.Bare(), stanza.SubscribePresence)
	}
	return nil
}

// RemoveContact removes a roster entry (which also cancels subscriptions).
func (c *Client) RemoveContact(ctx context.Context, j jid.JID) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if err := roster.Delete(ctx, sess, j.Bare()); err != nil {
		return fmt.Errorf("removing %s from the contact list: %w", j.Bare(), err)
	}
	return nil
}

// Approve lets j see our presence; Deny refuses (or revokes) it.
func (c *Client) Approve(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.SubscribedPresence)
}

// Deny refuses or revokes j's subscription to our presence.
func (c *Client) Deny(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.UnsubscribedPresence)
}

// Subscribe asks to see j's presence.
func (c *Client) Subscribe(ctx context.Context, j jid.JID) error {
	return c.sendPresence(ctx, j.Bare(), stanza.SubscribePresence)
}

// SetPresence broadcasts our availability: show is "", "away", "chat",
// "dnd" or "xa", status a free text ("" for none); show Invisible makes the
// account invisible (see invisible.go). It is kept and sent again at every
// login; while not connected it is only kept.
func (c *Client) SetPresence(ctx context.Context, show, status string) error {
	c.mu.Lock()
	c.status, c.statusText = show, status
	c.mu.Unlock()
	sess, err := c.session()
	if err != nil {
		return nil // sent at the next login
	}
	return c.applyPresence(ctx, sess, true)
}

func (c *Client) sendPresence(ctx context.Context, to jid.JID, typ stanza.PresenceType) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	if c.invisibleNow() {
		return ErrInvisible
	}
	return c.presenceTo(ctx, sess, to, typ)
}

func (c *Client) presenceTo(ctx context.Context, sess *xmpp.Session, to jid.JID, typ stanza.PresenceType) error {
	return sess.Send(ctx, presenceElement(to, typ, "", ""))
}
