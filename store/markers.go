package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MarkDisplayed records a contact's displayed marker (XEP-0333) for our
// message originID in the chat with peer: it and every message of ours
// before it are read. It returns the message's store id; ErrNotFound
// when no message of ours to peer has that id (a marker for a message
// this profile never sent, or for someone else's). How far the chat is
// read never goes back (an older marker from the archive).
func (s *Store) MarkDisplayed(ctx context.Context, account, peer, originID string) (int64, error) {
	const op = "mark read"
	if originID == "" {
		return 0, fmt.Errorf("store: %s: empty id: %w", op, ErrInvalid)
	}
	var id int64
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages
			WHERE account = ? AND peer = ? AND origin_id = ? AND outgoing = 1 AND replaces IS NULL
			ORDER BY id DESC LIMIT 1`, account, peer, originID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("our message %q to %s: %w", originID, peer, ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO read_marks (account, peer, up_to) VALUES (?, ?, ?)
			ON CONFLICT (account, peer) DO UPDATE SET up_to = max(up_to, excluded.up_to)`, account, peer, id)
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// ReadUpTo is the store id of our newest message peer has read (0: none
// known).
func (s *Store) ReadUpTo(ctx context.Context, account, peer string) (int64, error) {
	const op = "read up to"
	db, err := s.reader(op)
	if err != nil {
		return 0, err
	}
	return readUpTo(ctx, db, account, peer)
}

func readUpTo(ctx context.Context, q querier, account, peer string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT up_to FROM read_marks WHERE account = ? AND peer = ?`, account, peer).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// withReads sets Read on the messages of ours in ms that their chat's
// contact has read.
func withReads(ctx context.Context, q querier, ms []Message) error {
	upTo := map[string]int64{}
	for i := range ms {
		m := &ms[i]
		if !m.Outgoing {
			continue
		}
		n, ok := upTo[m.Account+"\x00"+m.Peer]
		if !ok {
			var err error
			if n, err = readUpTo(ctx, q, m.Account, m.Peer); err != nil {
				return err
			}
			upTo[m.Account+"\x00"+m.Peer] = n
		}
		m.Read = m.ID <= n
	}
	return nil
}
