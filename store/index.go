package store

import (
	"context"
	"database/sql"
)

// indexChunk is how many messages one indexing transaction takes: about
// 50 ms of the writer's time, so writes that come meanwhile wait no longer.
const indexChunk = 1000

// anyPending asks whether any message waits to be indexed.
const anyPending = `SELECT EXISTS (SELECT 1 FROM fts_pending)`

// indexPending adds up to indexChunk pending messages (see migration 4) to
// the full-text index in tx and reports whether more are pending. Both
// statements take the same ids, the lowest pending ones.
func indexPending(ctx context.Context, tx *sql.Tx) (more bool, err error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts(rowid, body)
		SELECT m.id, m.body FROM (SELECT id FROM fts_pending ORDER BY id LIMIT ?) p
		JOIN messages m ON m.id = p.id`, indexChunk); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM fts_pending
		WHERE id IN (SELECT id FROM fts_pending ORDER BY id LIMIT ?)`, indexChunk); err != nil {
		return false, err
	}
	err = tx.QueryRowContext(ctx, anyPending).Scan(&more)
	return more, err
}

// catchUpIndex indexes every pending message, so that a search sees all
// that is stored. The writer usually has done it already, and then this is
// one read.
func (s *Store) catchUpIndex(ctx context.Context, op string, db *sql.DB) error {
	var pending bool
	if err := db.QueryRowContext(ctx, anyPending).Scan(&pending); err != nil {
		return wrap(op, err)
	}
	for pending {
		err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			pending, err = indexPending(ctx, tx)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
