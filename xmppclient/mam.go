package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sync"

	"mellium.im/xmpp"
	"mellium.im/xmpp/history"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/xtime"
)

// ArchiveCursor returns the last archive id already stored ("" if none).
type ArchiveCursor interface {
	LastArchiveID(ctx context.Context) (string, error)
}

// catchUp pages through the archive after the stored cursor; the messages
// arrive through the handler, then ArchiveSynced carries the new cursor.
func (c *Client) catchUp(ctx context.Context, sess *xmpp.Session) {
	last, err := c.cfg.Archive.LastArchiveID(ctx)
	if err != nil {
		if ctx.Err() == nil { // ending the session is no problem to report
			c.emit(ErrorEvent{Err: fmt.Errorf("reading the archive cursor: %w", err)})
		}
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
			var se stanza.Error
			switch {
			case ctx.Err() != nil:
			case errors.As(err, &se) && (se.Condition == stanza.ServiceUnavailable || se.Condition == stanza.FeatureNotImplemented):
				// A server without an archive: nothing to catch up on,
				// and nothing wrong.
				c.log.Debug("the server keeps no message archive (MAM)", "condition", se.Condition)
			default:
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

// CatchUp fetches what the archive holds after the stored cursor, as the
// login does, on the session now online (nothing when offline or without
// an archive): the profile's disk has room again after messages could not
// be saved, and the cursor was held for them.
func (c *Client) CatchUp(ctx context.Context) {
	sess, err := c.session()
	if err != nil || c.cfg.Archive == nil {
		return
	}
	c.catchUp(ctx, sess)
}

// Reconciling the outbox after a restart (issue 17). A new process cannot
// resume the old stream-management session, so it does not know which of
// the messages the server never acknowledged to it did reach the server:
// sending them all again gave a receiver that does not deduplicate by
// origin-id (most clients) up to 297 copies per 2,000 after a kill -9.
// Where the server archives (XEP-0313), the account's own archive says
// which it has: each message carries its origin-id (XEP-0359), the same in
// every resend, and the archive keeps our outgoing messages with it.
// Those are marked sent and not sent again. Where the server keeps no
// archive the guarantee is at least once: the rest are sent again, and
// only receivers that deduplicate by origin-id (Clove does) see each once.

// Reconciling reads the archive from a little before the oldest
// unacknowledged message, in pages, for at most reconcilePages pages. How
// much before is the server's clock against ours (XEP-0202, see
// archiveSkew) plus reconcileMargin, or reconcileSkew where the server
// does not tell its time. The window is what it costs: over prosody's
// internal storage each page takes longer the bigger the archive, and a
// fixed 10 minutes read 58 pages in 22.5 s after a burst of 2,000 messages
// (a kill -9 test), against a few pages with the measured skew.
const (
	reconcileSkew   = 10 * time.Minute
	reconcileMargin = 5 * time.Second
	reconcilePages  = 200
	timeQueryLimit  = 20 * time.Second
)

// archiveSkew is how far before a message's creation (our clock) its
// archive entry (the server's clock) may be dated: the clocks' difference
// as the server tells it (XEP-0202 entity time, answered by prosody's
// mod_time), the round trip, and a margin for the server's whole seconds.
func (c *Client) archiveSkew(ctx context.Context, sess *xmpp.Session) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, timeQueryLimit)
	defer cancel()
	sent := time.Now()
	theirs, err := xtime.Get(ctx, sess, c.JID().Domain())
	rtt := time.Since(sent)
	if err != nil || theirs.IsZero() {
		c.log.Debug("the server does not tell its time: the archive is read from 10 minutes before", "err", err)
		return reconcileSkew
	}
	off := theirs.Sub(sent.Add(rtt / 2))
	if off < 0 {
		off = -off
	}
	return off + rtt + reconcileMargin
}

// reconciliation is the archive query that reconcile runs: the results
// carrying its query id are shown to see, and not delivered.
type reconciliation struct {
	queryID string
	see     func(Message)
}

// reconcile asks the archive which of the pending messages the server
// already has and marks those sent (MessageAcked) and as sent on this
// connection, so no flush sends them (even if the disk is too full to
// record it). Any failure leaves everything to be sent again.
func (c *Client) reconcile(ctx context.Context, sess *xmpp.Session, pending []OutboxEntry) {
	want := make(map[string]bool, len(pending))
	oldest := pending[0].Created
	for _, e := range pending {
		want[e.ID] = true
		if e.Created.Before(oldest) {
			oldest = e.Created
		}
	}
	var mu sync.Mutex
	found := map[string]bool{}
	see := func(m Message) {
		if m.Outgoing && want[m.OriginID] {
			mu.Lock()
			found[m.OriginID] = true
			mu.Unlock()
		}
	}
	r := &reconciliation{queryID: "reconcile-" + randomID(), see: see}
	c.reconciling.Store(r)
	defer c.reconciling.Store(nil)
	skew := c.archiveSkew(ctx, sess)
	q := history.Query{ID: r.queryID, Limit: 100, Start: oldest.Add(-skew)}
	began, pages := time.Now(), 0
	defer func() {
		c.log.Debug("reconciled the outbox with the archive", "oldest", time.Since(oldest).Round(time.Millisecond), "n", len(pending), "found", len(found), "skew", skew.Round(time.Millisecond), "pages", pages, "took", time.Since(began).Round(time.Millisecond))
	}()
	for range reconcilePages {
		pages++
		// The results come through the handler, in order, before the
		// query's answer.
		res, err := history.Fetch(ctx, q, c.JID().Bare(), sess)
		if err != nil {
			var se stanza.Error
			if errors.As(err, &se) && (se.Condition == stanza.ServiceUnavailable || se.Condition == stanza.FeatureNotImplemented) {
				c.log.Info("the server keeps no archive: messages not acknowledged before are sent again (at least once)", "messages", len(pending))
			} else if ctx.Err() == nil {
				c.log.Warn("could not ask the archive which messages the server has; they are sent again", "err", err)
			}
			return
		}
		mu.Lock()
		done := len(found) == len(want)
		mu.Unlock()
		if done || res.Complete || res.Set.Last == "" {
			break
		}
		q = history.Query{ID: r.queryID, Limit: 100, Start: q.Start, AfterID: res.Set.Last}
	}
	mu.Lock()
	ids := make([]string, 0, len(found))
	for _, e := range pending { // in the outbox's order
		if found[e.ID] {
			ids = append(ids, e.ID)
		}
	}
	mu.Unlock()
	if len(ids) == 0 {
		return
	}
	c.log.Info("the server's archive has messages sent before the restart: marked sent, not sent again", "messages", len(ids), "of", len(pending))
	c.mu.Lock()
	if c.sess == sess {
		for _, id := range ids {
			c.sentNow[id] = true
		}
	}
	c.mu.Unlock()
	c.acked(ids)
}
