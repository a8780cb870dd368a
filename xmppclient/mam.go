package xmppclient

import (
	"context"
	"errors"
	"fmt"

	"mellium.im/xmpp"
	"mellium.im/xmpp/history"
	"mellium.im/xmpp/stanza"
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
