package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/carbons"
	"mellium.im/xmpp/history"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/ping"
	"mellium.im/xmpp/stanza"
)

// OutboxEntry is a message accepted for sending.
type OutboxEntry struct {
	ID      string // stanza id and origin-id
	To      string
	Body    string
	Created time.Time
}

// Outbox persists messages from the moment they are accepted until the
// server acknowledges them. Enqueue must be durable when it returns.
type Outbox interface {
	Enqueue(ctx context.Context, e OutboxEntry) error
	Pending(ctx context.Context) ([]OutboxEntry, error)
	Acked(ctx context.Context, id string) error
}

// BatchOutbox is an Outbox that can also write several entries in one
// durable step; SendMany and acks covering several messages use it.
type BatchOutbox interface {
	Outbox
	EnqueueBatch(ctx context.Context, es []OutboxEntry) error
	AckedBatch(ctx context.Context, ids []string) error
}

// ArchiveCursor returns the last archive id already stored ("" if none).
type ArchiveCursor interface {
	LastArchiveID(ctx context.Context) (string, error)
}

// ErrNotOnline means the message was queued but not yet sent.
var ErrNotOnline = errors.New("not connected: the message is queued and will be sent on reconnect")

// Send accepts a chat message: it is written to the outbox first, then sent
// if the client is online (otherwise after the next login). The returned id
// is reported again in MessageAcked and ReceiptReceived events.
func (c *Client) Send(ctx context.Context, to jid.JID, body string) (string, error) {
	if to.Domainpart() == "" {
		return "", fmt.Errorf("%q is not a valid address", to.String())
	}
	if body == "" {
		return "", errors.New("empty message")
	}
	e := OutboxEntry{ID: randomID(), To: to.String(), Body: body, Created: time.Now().UTC()}
	if err := c.outbox.Enqueue(ctx, e); err != nil {
		return "", fmt.Errorf("could not save the message: %w", err)
	}
	c.mu.Lock()
	sess := c.sess
	online := c.state == Online
	c.flushAgain = c.flushAgain || !online
	c.mu.Unlock()
	if sess == nil || !online {
		return e.ID, nil
	}
	if err := c.sendEntry(ctx, sess, e); err != nil {
		c.log.Info("send failed; message stays queued", "id", e.ID, "err", err)
	}
	return e.ID, nil
}

// Outgoing is one message for SendMany.
type Outgoing struct {
	To   jid.JID
	Body string
}

// SendMany accepts several messages at once, in order. With a BatchOutbox
// they are made durable in chunks, one disk sync each, and each chunk goes
// out as soon as it is durable while the next one is written: the first
// message leaves after a small first chunk, not after the whole lot, and the
// disk and the network work at the same time. It returns once every message
// is durable and handed to the stream (or queued, when offline), with the
// ids in the same order. On an error, the messages before the failing chunk
// are accepted (their ids are returned with the error); none after it are.
func (c *Client) SendMany(ctx context.Context, msgs []Outgoing) ([]string, error) {
	es := make([]OutboxEntry, len(msgs))
	now := time.Now().UTC()
	for i, m := range msgs {
		if m.To.Domainpart() == "" {
			return nil, fmt.Errorf("%q is not a valid address", m.To.String())
		}
		if m.Body == "" {
			return nil, errors.New("empty message")
		}
		es[i] = OutboxEntry{ID: randomID(), To: m.To.String(), Body: m.Body, Created: now}
	}
	durable := func(ch []OutboxEntry) error {
		if bo, ok := c.outbox.(BatchOutbox); ok {
			return bo.EnqueueBatch(ctx, ch)
		}
		for _, e := range ch {
			if err := c.outbox.Enqueue(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}

	chunks := make(chan []OutboxEntry, 1)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		c.sendChunks(ctx, chunks)
	}()
	ids := make([]string, 0, len(es))
	var err error
	for size := firstChunk; len(es) > 0; size = min(2*size, maxChunk) {
		ch := es[:min(size, len(es))]
		if err = durable(ch); err != nil {
			err = fmt.Errorf("could not save the messages: %w", err)
			break
		}
		for _, e := range ch {
			ids = append(ids, e.ID)
		}
		chunks <- ch
		es = es[len(ch):]
	}
	close(chunks)
	<-sent
	return ids, err
}

// SendMany's chunks grow from firstChunk (the first message waits for
// that many to be written) to maxChunk messages per disk sync.
const (
	firstChunk = 32
	maxChunk   = 512
)

// sendChunks puts the durable chunks on the stream as they come, each on
// the session online at that moment (after a reconnect, the new one; a
// message the login's outbox flush already sent there is not sent again),
// then asks the server at once to acknowledge them (not ackDelay later:
// nothing else is coming). What cannot be sent now stays queued.
func (c *Client) sendChunks(ctx context.Context, chunks <-chan []OutboxEntry) {
	var last *xmpp.Session
	for ch := range chunks {
		c.mu.Lock()
		sess := c.sess
		if c.state != Online {
			sess = nil
			c.flushAgain = true
		}
		c.mu.Unlock()
		for _, e := range ch {
			if sess == nil {
				break
			}
			if err := c.awaitWindow(ctx, sess); err != nil {
				c.log.Info("not sent now; messages stay queued", "err", err)
				break
			}
			if err := c.sendEntry(ctx, sess, e); err != nil {
				c.log.Info("send failed; messages stay queued", "err", err)
				break
			}
			last = sess
		}
	}
	if last == nil {
		return
	}
	if due, _ := c.sm.needR(); due {
		if err := last.Send(ctx, smElement("r")); err != nil {
			c.log.Debug("ack request not sent", "err", err)
		}
	}
}

// awaitWindow waits until the stream-management window (sendWindow) has
// room for one more message on sess; an error when ctx ends or sess is no
// longer the client's online session.
func (c *Client) awaitWindow(ctx context.Context, sess *xmpp.Session) error {
	for {
		full, acked := c.sm.window()
		if !full {
			return nil
		}
		c.requestAckNow()
		select {
		case <-acked:
		case <-time.After(time.Second): // a last resort: acks wake it
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
		gone := c.sess != sess || c.state != Online
		c.mu.Unlock()
		if gone {
			return errors.New("the connection was lost")
		}
	}
}

// chatTokens is an outgoing chat message as XML tokens: <message id to
// type='chat'><body/><request xmlns='urn:xmpp:receipts'/><origin-id/>.
// Written as tokens rather than through Session.Encode, which marshals to
// bytes and parses them again: this is the hot path of sending.
func chatTokens(e OutboxEntry) xml.TokenReader {
	attr := func(k, v string) xml.Attr { return xml.Attr{Name: xml.Name{Local: k}, Value: v} }
	body := xml.StartElement{Name: xml.Name{Local: "body"}}
	req := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:receipts", Local: "request"}}
	oid := xml.StartElement{Name: xml.Name{Space: "urn:xmpp:sid:0", Local: "origin-id"}, Attr: []xml.Attr{attr("id", e.ID)}}
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{attr("id", e.ID), attr("to", e.To), attr("type", "chat")}}
	return &tokenList{toks: []xml.Token{
		msg,
		body, xml.CharData(e.Body), body.End(),
		req, req.End(),
		oid, oid.End(),
		msg.End(),
	}}
}

type tokenList struct {
	toks []xml.Token
	i    int
}

func (l *tokenList) Token() (xml.Token, error) {
	if l.i >= len(l.toks) {
		return nil, io.EOF
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

// sendEntry sends one outbox entry on sess unless it was already sent on
// this connection, then asks for an ack.
func (c *Client) sendEntry(ctx context.Context, sess *xmpp.Session, e OutboxEntry) error {
	c.mu.Lock()
	if c.sess != sess || c.sentNow[e.ID] {
		c.mu.Unlock()
		return nil
	}
	c.sentNow[e.ID] = true
	c.mu.Unlock()
	err := sess.Send(ctx, chatTokens(e))
	if err != nil {
		c.mu.Lock()
		delete(c.sentNow, e.ID)
		c.mu.Unlock()
		return err
	}
	if due, urgent := c.sm.needR(); urgent {
		return sess.Send(ctx, smElement("r"))
	} else if due {
		c.requestAck(sess)
	}
	if !c.sm.isEnabled() {
		if _, offered := sess.Feature(nsSM); !offered {
			// No stream management: a ping answered after the message
			// proves the server processed it (the stream is ordered).
			go func() {
				pctx, cancel := context.WithTimeout(context.Background(), c.cfg.ConnectTimeout)
				defer cancel()
				if c.ping(pctx, sess) == nil {
					c.work.push(func() { c.acked([]string{e.ID}) })
				}
			}()
		}
	}
	return nil
}

// requestAck sends an <r/> on sess shortly, unless one is already planned:
// the messages of a burst share one request.
func (c *Client) requestAck(sess *xmpp.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rPlanned {
		return
	}
	c.rPlanned = true
	time.AfterFunc(ackDelay, func() {
		c.mu.Lock()
		c.rPlanned = false
		current := c.sess == sess
		c.mu.Unlock()
		if due, _ := c.sm.needR(); !current || !due {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sess.Send(ctx, smElement("r")); err != nil {
			c.log.Debug("ack request not sent", "err", err)
		}
	})
}

func (c *Client) flushOutbox(ctx context.Context, sess *xmpp.Session) error {
	pending, err := c.outbox.Pending(ctx)
	if err != nil {
		return fmt.Errorf("reading the outbox: %w", err)
	}
	for _, e := range pending {
		if err := c.sendEntry(ctx, sess, e); err != nil {
			return err
		}
	}
	return nil
}

// acked runs on the worker: the outbox drops the entries, then the events
// tell the caller.
func (c *Client) acked(ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if bo, ok := c.outbox.(BatchOutbox); ok && len(ids) > 1 {
		if err := bo.AckedBatch(ctx, ids); err == nil {
			for _, id := range ids {
				c.emit(MessageAcked{ID: id})
			}
			return
		}
		// Fall back to one by one, so one bad id does not hold the rest.
	}
	for _, id := range ids {
		if err := c.outbox.Acked(ctx, id); err != nil {
			c.emit(ErrorEvent{Err: fmt.Errorf("could not update the outbox: %w", err)})
			continue
		}
		c.emit(MessageAcked{ID: id})
	}
}

type receiptMessage struct {
	XMLName  xml.Name `xml:"jabber:client message"`
	ID       string   `xml:"id,attr"`
	To       string   `xml:"to,attr"`
	Received idEl     `xml:"urn:xmpp:receipts received"`
}

func (c *Client) sendReceipt(to jid.JID, id string) {
	c.mu.Lock()
	sess := c.sess
	c.mu.Unlock()
	if sess == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Encode(ctx, receiptMessage{ID: randomID(), To: to.String(), Received: idEl{ID: id}}); err != nil {
		c.log.Debug("receipt not sent", "err", err)
	}
}

func (c *Client) ping(ctx context.Context, sess *xmpp.Session) error {
	return ping.Send(ctx, sess, c.cfg.JID.Domain())
}

// Ping checks the server answers.
func (c *Client) Ping(ctx context.Context) error {
	sess, err := c.session()
	if err != nil {
		return err
	}
	return c.ping(ctx, sess)
}

func (c *Client) session() (*xmpp.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil || c.state != Online {
		return nil, errors.New("not connected")
	}
	return c.sess, nil
}

// enableCarbons is carbons.Enable (XEP-0280), except that it tells when the
// request is written (see iqWritten).
func enableCarbons(ctx context.Context, sess *xmpp.Session) (written <-chan struct{}, answered <-chan error) {
	var v struct{ XMLName xml.Name }
	return iqWritten(ctx, sess, stanza.SetIQ, xml.Name{Space: carbons.NS, Local: "enable"}, &v)
}

// catchUp pages through the archive after the stored cursor; the messages
// arrive through the handler, then ArchiveSynced carries the new cursor.
func (c *Client) catchUp(ctx context.Context, sess *xmpp.Session) {
	last, err := c.cfg.Archive.LastArchiveID(ctx)
	if err != nil {
		c.emit(ErrorEvent{Err: fmt.Errorf("reading the archive cursor: %w", err)})
		return
	}
	q := history.Query{Limit: 100}
	if last == "" {
		q.Last = true // first sync: the newest page only
	} else {
		q.AfterID = last
	}
	pages := 0
	for page := 0; page < 1000; page++ {
		res, err := history.Fetch(ctx, q, c.JID().Bare(), sess)
		if err != nil {
			if ctx.Err() == nil {
				c.emit(ErrorEvent{Err: fmt.Errorf("archive catch-up (MAM) failed: %w", err)})
			}
			return
		}
		if res.Set.Last != "" {
			last = res.Set.Last
			pages++
		}
		if res.Complete || q.Last || res.Set.Last == "" {
			break
		}
		q = history.Query{Limit: 100, AfterID: res.Set.Last}
	}
	c.emit(ArchiveSynced{LastID: last, Pages: pages})
}

func presenceElement(to jid.JID, typ stanza.PresenceType, show string) xml.TokenReader {
	var inner xml.TokenReader
	if show != "" {
		inner = xmlstream.Wrap(xmlstream.Token(xml.CharData(show)), xml.StartElement{Name: xml.Name{Local: "show"}})
	}
	return stanza.Presence{To: to, Type: typ}.Wrap(inner)
}

// fifo is an unbounded queue: handlers push without ever blocking.
type fifo[T any] struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []T
	closed bool
}

func newFIFO[T any]() *fifo[T] {
	f := &fifo[T]{}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fifo[T]) push(v T) {
	f.mu.Lock()
	if !f.closed {
		f.items = append(f.items, v)
		f.cond.Signal()
	}
	f.mu.Unlock()
}

// pop blocks for the next item; ok is false once closed and drained.
func (f *fifo[T]) pop() (v T, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.items) == 0 && !f.closed {
		f.cond.Wait()
	}
	if len(f.items) == 0 {
		return v, false
	}
	v = f.items[0]
	var zero T
	f.items[0] = zero
	f.items = f.items[1:]
	return v, true
}

func (f *fifo[T]) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (c *Client) pump(done chan struct{}) {
	defer close(done)
	defer close(c.events)
	for {
		ev, ok := c.queue.pop()
		if !ok {
			return
		}
		c.events <- ev
	}
}

func (c *Client) worker(done chan struct{}) {
	defer close(done)
	for {
		f, ok := c.work.pop()
		if !ok {
			return
		}
		f()
	}
}

// memOutbox is the Outbox used when none is configured.
type memOutbox struct {
	mu      sync.Mutex
	entries []OutboxEntry
}

func newMemOutbox() *memOutbox { return &memOutbox{} }

func (m *memOutbox) Enqueue(_ context.Context, e OutboxEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, e)
	return nil
}

func (m *memOutbox) Pending(context.Context) ([]OutboxEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]OutboxEntry(nil), m.entries...), nil
}

func (m *memOutbox) Acked(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.entries {
		if e.ID == id {
			m.entries = append(m.entries[:i], m.entries[i+1:]...)
			break
		}
	}
	return nil
}
