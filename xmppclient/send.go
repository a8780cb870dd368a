package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// ErrNotOnline means the message was queued but not yet sent.
var ErrNotOnline = errors.New("not connected: the message is queued and will be sent on reconnect")

// Send accepts a chat message: it is written to the outbox first, then sent
// if the client is online (otherwise after the next login). The returned id
// is reported again in MessageAcked and ReceiptReceived events.
func (c *Client) Send(ctx context.Context, to jid.JID, body string) (string, error) {
	return c.send(ctx, to, body, nil, nil)
}

// SendReply is Send for a message that answers another (XEP-0461): r
// names it (r.ID its id, r.To its author) and r.Quote is what the body's
// readable fallback quotes of it, for clients without replies.
func (c *Client) SendReply(ctx context.Context, to jid.JID, body string, r Reply) (string, error) {
	if r.ID == "" {
		return "", errors.New("a reply needs the id of the message it answers")
	}
	return c.send(ctx, to, body, nil, &r)
}

// SendFile accepts a message that shares an uploaded file: its body is
// f.URL, with out-of-band data (XEP-0066) when it goes out in plaintext.
// An encrypted file (aesgcm:// URL, which holds the key) is only ever sent
// in an encrypted message: if the message would go out in plaintext it
// fails with ErrKeyInPlaintext instead.
func (c *Client) SendFile(ctx context.Context, to jid.JID, f FileRef) (string, error) {
	if f.URL == "" {
		return "", errors.New("no file URL")
	}
	return c.send(ctx, to, f.URL, &f, nil)
}

func (c *Client) send(ctx context.Context, to jid.JID, body string, f *FileRef, r *Reply) (string, error) {
	if to.Domainpart() == "" {
		return "", fmt.Errorf("%q is not a valid address", to.String())
	}
	if body == "" {
		return "", errors.New("empty message")
	}
	e := OutboxEntry{ID: randomID(), To: to.String(), Body: body, Created: time.Now().UTC(), File: f, Reply: r}
	return c.enqueueAndSend(ctx, e)
}

// enqueueAndSend makes e durable in the outbox, then sends it if online.
func (c *Client) enqueueAndSend(ctx context.Context, e OutboxEntry) (string, error) {
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
	if err := c.sendEntry(ctx, sess, e, nil, nil); err != nil {
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
		var pre preEncrypted
		var encrypted []string
		if sess != nil {
			pre = c.preEncrypt(ctx, sess, ch)
		}
		for _, e := range ch {
			if sess == nil {
				break
			}
			if err := c.awaitWindow(ctx, sess); err != nil {
				c.log.Info("not sent now; messages stay queued", "err", err)
				break
			}
			if err := c.sendEntry(ctx, sess, e, pre, &encrypted); err != nil {
				c.log.Info("send failed; messages stay queued", "err", err)
				break
			}
			last = sess
		}
		if len(encrypted) > 0 {
			c.emit(MessageEncrypted{IDs: encrypted})
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
	text, fbLen := wireBody(e)
	toks := []xml.Token{
		msg,
		body, xml.CharData(text), body.End(),
		req, req.End(),
		oid, oid.End(),
	}
	toks = append(toks, replyTokens(e.Reply, fbLen)...)
	toks = append(toks, activeTokens()...)
	toks = append(toks, replaceTokens(e.Replace)...)
	toks = append(toks, markableTokens()...)
	if e.File != nil && !e.File.Encrypted {
		toks = append(toks, oobTokens(e.File.URL)...)
	}
	if isPrivateTo(e.To) {
		toks = append(toks, mucUserTokens()...)
	}
	return &tokenList{toks: append(toks, msg.End())}
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
//
// encrypted, when not nil, collects the ids of the messages that went out
// encrypted (told together by the caller: one MessageEncrypted, one disk
// sync to record them); nil tells each at once.
func (c *Client) sendEntry(ctx context.Context, sess *xmpp.Session, e OutboxEntry, pre preEncrypted, encrypted *[]string) error {
	c.mu.Lock()
	if c.sess != sess || c.sentNow[e.ID] {
		c.mu.Unlock()
		return nil
	}
	c.sentNow[e.ID] = true
	c.mu.Unlock()
	toks, wasEncrypted, err := c.outgoingTokens(ctx, sess, e, pre)
	if err == nil {
		err = sess.Send(ctx, toks)
	}
	if err != nil {
		c.mu.Lock()
		delete(c.sentNow, e.ID)
		c.mu.Unlock()
		if errors.Is(err, ErrOMEMOFailed) {
			// Not the stream's fault: say so of this message, go on with
			// the others (it stays queued and is tried at the next login).
			c.emit(MessageFailed{ID: e.ID, Condition: "omemo", Text: err.Error()})
			return nil
		}
		return err
	}
	switch {
	case wasEncrypted && encrypted != nil:
		*encrypted = append(*encrypted, e.ID)
	case wasEncrypted:
		c.emit(MessageEncrypted{IDs: []string{e.ID}})
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
