package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The outbox is shared by every session of an account on the profile —
// the window, `clove listen`, a bot, a `clove send` beside them — and a
// message in it must be sent by one of them only (issue 17): the one that
// wrote it while it runs, then one that takes it over once it ended. Who
// is running is not the store's to know: Claim asks (package
// internal/owner answers, with file locks).

// Claimed is a queued message as Claim gives it.
type Claimed struct {
	Message
	// Adopted: Claim took the message over just now from a session that
	// ended. That session may have sent it without the server's
	// acknowledgement being recorded, so it may be at the server already.
	Adopted bool
}

// Claim returns the account's queued messages that the running session
// owner is to send, in the order they were added: those it wrote
// (AddOutgoingFor) and those of sessions that ended, which become its own
// in the same transaction (Adopted). A session ended when alive(its id) is
// false; a message without an owner is anyone's. Sessions in other
// processes claim in their own write transactions, which SQLite runs one
// after the other, so a message is taken over by one session only.
func (s *Store) Claim(ctx context.Context, account, owner string, alive func(owner string) bool) ([]Claimed, error) {
	const op = "claim queued messages"
	if owner == "" || alive == nil {
		return nil, fmt.Errorf("store: %s: no owner: %w", op, ErrInvalid)
	}
	var out []Claimed
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		out = nil // a write may run twice (see writeFunc)
		adopted, err := adopt(ctx, tx, account, owner, alive)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT m.`+strings.ReplaceAll(msgColumns, ", ", ", m.")+`
			FROM outbox o JOIN messages m ON m.id = o.message_id
			WHERE o.account = ? AND o.owner = ? ORDER BY o.message_id`, account, owner)
		ms, err := scanMessages(op, rows, err, false)
		if err != nil {
			return err
		}
		out = make([]Claimed, len(ms))
		for i, m := range ms {
			out[i] = Claimed{Message: m, Adopted: adopted[m.ID]}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Claimable reports whether Claim would take anything over now: a read,
// which a running session can afford whenever another one may have ended.
func (s *Store) Claimable(ctx context.Context, account, owner string, alive func(owner string) bool) (bool, error) {
	const op = "look for queued messages to take over"
	db, err := s.reader(op)
	if err != nil {
		return false, err
	}
	where, _, err := ended(ctx, db, account, owner, alive)
	if err != nil {
		return false, wrap(op, err)
	}
	return where != "", nil
}

// adopt gives owner the account's queued messages of sessions that ended,
// and returns their ids.
func adopt(ctx context.Context, tx *sql.Tx, account, owner string, alive func(string) bool) (map[int64]bool, error) {
	where, args, err := ended(ctx, tx, account, owner, alive)
	if err != nil || where == "" {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT message_id FROM outbox WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE outbox SET owner = ? WHERE `+where, append([]any{owner}, args...)...)
	return ids, err
}

// ended finds the account's queued messages whose sessions ended: a WHERE
// clause on outbox with its arguments, "" when there are none.
func ended(ctx context.Context, q querier, account, owner string, alive func(string) bool) (string, []any, error) {
	// The outbox holds a handful of rows, and its owners are fewer.
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT owner FROM outbox
		WHERE account = ? AND (owner IS NULL OR owner <> ?)`, account, owner)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	var (
		orphans bool
		dead    []any
	)
	for rows.Next() {
		var o sql.NullString
		if err := rows.Scan(&o); err != nil {
			return "", nil, err
		}
		switch {
		case !o.Valid:
			orphans = true
		case !alive(o.String):
			dead = append(dead, o.String)
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	var or []string
	if orphans {
		or = append(or, "owner IS NULL")
	}
	if len(dead) > 0 {
		or = append(or, "owner IN ("+strings.TrimSuffix(strings.Repeat("?,", len(dead)), ",")+")")
	}
	if len(or) == 0 {
		return "", nil, nil
	}
	return "account = ? AND (" + strings.Join(or, " OR ") + ")", append([]any{account}, dead...), nil
}
