package store

import (
	"context"
	"database/sql"
)

// DeleteChat deletes account's history with peer: its messages, their
// reactions and their words in the full-text index. Messages still in the
// outbox (accepted, not yet sent) stay: they go out as promised. It
// returns how many messages went.
//
// The text is overwritten in the database, not only unlinked: the writer
// deletes with secure_delete on (SQLite zeroes the freed cells and
// pages) and merges the full-text index (its segments otherwise keep the
// deleted words until a later merge); then the database is rebuilt
// (VACUUM: pages keep stale copies of cells that an insert's page split
// moved earlier, found in the file by TestDeleteChat without it) and the
// WAL, whose frames hold copies of the pages, is checkpointed and cut to
// nothing. What the filesystem or a backup kept before is beyond reach.
func (s *Store) DeleteChat(ctx context.Context, account, peer string) (int64, error) {
	const op = "delete chat"
	var n int64
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		// secure_delete is the connection's; it is set back before the
		// batch commits, other writes in it zero what they free too.
		if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA secure_delete = OFF`) //nolint:errcheck // best effort: only slower writes if it stays on
		const these = `SELECT id FROM messages WHERE account = ? AND peer = ?
			AND id NOT IN (SELECT message_id FROM outbox)`
		if _, err := tx.ExecContext(ctx, `DELETE FROM reactions WHERE message_id IN (`+these+`)`, account, peer); err != nil {
			return err
		}
		// How far the contact read goes with the messages it counts (ids
		// may be used again once the newest are gone).
		if _, err := tx.ExecContext(ctx, `DELETE FROM read_marks WHERE account = ? AND peer = ?`, account, peer); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id IN (`+these+`)`, account, peer)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		// The index's 'delete' entries (the triggers') only mask the old
		// ones; a merge of all segments drops both.
		_, err = tx.ExecContext(ctx, `INSERT INTO messages_fts(messages_fts) VALUES ('optimize')`)
		return err
	})
	if err != nil || n == 0 {
		return n, err
	}
	// Best effort from here: the history is gone either way. A full disk
	// (VACUUM needs room for a copy) or a reader in the middle of a query
	// (the truncation waits for none) leaves stale bytes until the next
	// rebuild or checkpoint.
	if _, err := s.w.ExecContext(ctx, `VACUUM`); err != nil {
		s.log.Warn("store: the deleted chat's text may stay in unused parts of the database file", "err", err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		s.log.Warn("store: the deleted chat's pages stay in the WAL until the next checkpoint", "err", err)
	}
	return n, nil
}
