package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SetDraft keeps text as the account's unsent draft for peer; an empty
// text removes it. ErrNotFound if the account is not stored.
func (s *Store) SetDraft(ctx context.Context, account, peer, text string) error {
	const op = "set draft"
	if account == "" || peer == "" {
		return fmt.Errorf("store: %s: empty account or peer: %w", op, ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if text == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE account = ? AND peer = ?`, account, peer)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts (account, peer, text) VALUES (?, ?, ?)
			ON CONFLICT (account, peer) DO UPDATE SET text = excluded.text`, account, peer, text)
		if isForeignKey(err) {
			return noAccount(account)
		}
		return err
	})
}

// Drafts returns the account's unsent drafts by peer.
func (s *Store) Drafts(ctx context.Context, account string) (map[string]string, error) {
	const op = "list drafts"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT peer, text FROM drafts WHERE account = ?`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var peer, text string
		if err := rows.Scan(&peer, &text); err != nil {
			return nil, wrap(op, err)
		}
		out[peer] = text
	}
	return out, wrap(op, rows.Err())
}
