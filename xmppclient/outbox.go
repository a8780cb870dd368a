package xmppclient

import (
	"context"
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
