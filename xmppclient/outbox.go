package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"mellium.im/xmpp"
)

// OutboxEntry is a message accepted for sending.
type OutboxEntry struct {
	ID      string // stanza id and origin-id
	To      string
	Body    string
	Created time.Time
	// Adopted: Pending gives this client the entry of another session of
	// the account that ended (a process killed, or one that gave up
	// waiting) before the server's acknowledgement was recorded. That
	// session may have sent it: the archive is asked before it is sent
	// (see reconcile).
	Adopted bool
	// File: the message shares a file (Body is its URL).
	File *FileRef
	// Reply: the message answers another (XEP-0461); Body is the text
	// alone, the quote of the other is put before it on the wire.
	Reply *Reply
	// Replace: the message corrects our earlier one with this id
	// (XEP-0308); Body is the new text.
	Replace string
	// Retract: the message retracts our earlier one Replace names
	// (XEP-0424); Body is empty.
	Retract bool
}

// Outbox persists messages from the moment they are accepted until the
// server acknowledges them. Enqueue must be durable when it returns.
//
// Pending gives the entries this client is to send. An outbox shared by
// several sessions of the account (several processes on one profile)
// gives each only its own and those it takes over from sessions that
// ended (Adopted), so that one message is sent by one session: a session
// that sends another's message takes its acknowledgement, and the other
// waits for it in vain.
type Outbox interface {
	Enqueue(ctx context.Context, e OutboxEntry) error
	Pending(ctx context.Context) ([]OutboxEntry, error)
	Acked(ctx context.Context, id string) error
}

// ErrNoSuchMessage is what an Outbox's Acked wraps for an id that names
// no message it holds. The server acknowledges every stanza with an id —
// receipts, chat states, room messages — which no outbox ever held; for
// a message this client sent from the outbox it means the profile lost
// it after the send, which the client reports (see record).
var ErrNoSuchMessage = errors.New("no such message in the outbox")

// ErrStorageFull is what an Outbox's methods wrap when the disk holding
// it is full: nothing of the call was written. The client then keeps the
// server's acknowledgements in memory (told as MessageAcked with
// Unrecorded set) and records them once a write works again.
var ErrStorageFull = errors.New("the disk holding your profile is full")

// BatchOutbox is an Outbox that can also write several entries in one
// durable step; SendMany and acks covering several messages use it.
type BatchOutbox interface {
	Outbox
	EnqueueBatch(ctx context.Context, es []OutboxEntry) error
	AckedBatch(ctx context.Context, ids []string) error
}

// flushOutbox sends what the outbox gives this client (but what this
// connection sent already, or what the archive shows the server has: see
// reconcile). fresh: right after a login that did not resume the stream,
// when what the connection before sent without an ack may be at the
// server. Flushes run one at a time.
func (c *Client) flushOutbox(ctx context.Context, sess *xmpp.Session, fresh bool) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	pending, err := c.outbox.Pending(ctx)
	if err != nil {
		return fmt.Errorf("reading the outbox: %w", err)
	}
	if check := c.unsure(pending, fresh); len(check) > 0 && c.cfg.Archive != nil {
		c.reconcile(ctx, sess, check)
	}
	pre := c.preEncrypt(ctx, sess, pending)
	var encrypted []string
	defer func() {
		if len(encrypted) > 0 {
			c.emit(MessageEncrypted{IDs: encrypted})
		}
	}()
	for _, e := range pending {
		if err := c.sendEntry(ctx, sess, e, pre, &encrypted); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if c.sess == sess {
		// Sent on this connection, or found in the archive: from now on
		// the connections' own bookkeeping (sentBefore) covers them.
		for id := range c.adopted {
			if c.sentNow[id] {
				delete(c.adopted, id)
			}
		}
	}
	c.mu.Unlock()
	return nil
}

// unsure picks the pending entries that may have reached the server
// without an ack this client knows of: adopted from a session that ended
// (until sent on a connection of this client), and, after a fresh login,
// those written before this client existed (an earlier process) or sent
// on the connection before.
func (c *Client) unsure(pending []OutboxEntry, fresh bool) []OutboxEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []OutboxEntry
	for _, e := range pending {
		if e.Adopted {
			if c.adopted == nil {
				c.adopted = map[string]bool{}
			}
			c.adopted[e.ID] = true
		}
		if c.adopted[e.ID] || (fresh && (e.Created.Before(c.born) || c.sentBefore[e.ID])) {
			out = append(out, e)
		}
	}
	return out
}

// CheckOutbox has the client look at its outbox again now rather than at
// the next login: another session of the account ended, and what it left
// queued may be this client's to send (OutboxEntry.Adopted). While not
// online it does nothing (every login looks).
func (c *Client) CheckOutbox() {
	select {
	case c.recheck <- struct{}{}:
	default: // one pending look covers them all
	}
}

// acked runs on the worker: the outbox drops the entries, then the events
// tell the caller. On a full disk the acks are told all the same (the
// server has the messages), kept in memory and recorded with the next ack
// that finds room; the full disk is reported once, not once per ack.
func (c *Client) acked(ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.ackMu.Lock()
	defer c.ackMu.Unlock()
	all := append(c.unrecorded[:len(c.unrecorded):len(c.unrecorded)], ids...)
	err := c.record(ctx, all)
	full := errors.Is(err, ErrStorageFull)
	switch {
	case full:
		c.unrecorded = all
		if !c.diskFull {
			c.diskFull = true
			c.emit(ErrorEvent{Err: fmt.Errorf("the server's acknowledgements cannot be recorded: %w; they are kept in memory until there is room again", err)})
		}
	case c.diskFull:
		c.diskFull = false
		c.log.Info("the disk holding the profile has room again: the server's acknowledgements kept in memory are recorded", "acks", len(c.unrecorded))
		c.unrecorded = nil
	}
	for _, id := range ids {
		c.emit(MessageAcked{ID: id, Unrecorded: full})
	}
}

// RecordAcks records the server's acknowledgements kept in memory while
// the disk was full (see acked), without waiting for the next ack: the
// profile's disk has room again.
func (c *Client) RecordAcks() { c.acked(nil) }

// record drops the acknowledged entries from the outbox: in one step when
// it can, else one by one so one bad id does not hold the rest. It stops
// at a full disk (ErrStorageFull), which holds them all.
func (c *Client) record(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if bo, ok := c.outbox.(BatchOutbox); ok && len(ids) > 1 {
		err := bo.AckedBatch(ctx, ids)
		if err == nil || errors.Is(err, ErrStorageFull) {
			return err
		}
	}
	for _, id := range ids {
		err := c.outbox.Acked(ctx, id)
		switch {
		case errors.Is(err, ErrStorageFull):
			return err
		case errors.Is(err, ErrNoSuchMessage):
			if c.fromOutbox(id) {
				// Written before it was sent, and nothing removes a
				// queued message but its account's removal: the server
				// has it, the profile's history does not.
				c.emit(ErrorEvent{Err: fmt.Errorf("the server acknowledged message %s, which the profile no longer holds: %w", id, err)})
			}
		case err != nil:
			c.emit(ErrorEvent{Err: fmt.Errorf("could not update the outbox: %w", err)})
		}
	}
	return nil
}

// fromOutbox reports whether id is an outbox entry this client sent (on
// this connection or the one before), not another stanza with an id.
func (c *Client) fromOutbox(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sentNow[id] || c.sentBefore[id]
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
