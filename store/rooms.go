package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Room is a chat room (XEP-0045) the account keeps: one of its bookmarks.
type Room struct {
	Account  string
	JID      string // bare room address
	Name     string // "" when the bookmark has none
	Nick     string // our nickname there ("" for the account's name)
	Autojoin bool   // entered at every login
}

// PutRoom stores r, replacing the stored room with the same account and
// JID. ErrNotFound if the account is not stored.
func (s *Store) PutRoom(ctx context.Context, r Room) error {
	const op = "put room"
	if r.Account == "" || r.JID == "" {
		return fmt.Errorf("store: %s: empty account or JID: %w", op, ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		return putRoom(ctx, tx, r)
	})
}

func putRoom(ctx context.Context, tx *sql.Tx, r Room) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO rooms (account, jid, name, nick, autojoin)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, jid) DO UPDATE SET name = excluded.name,
			nick = excluded.nick, autojoin = excluded.autojoin`,
		r.Account, r.JID, r.Name, r.Nick, r.Autojoin)
	if isForeignKey(err) {
		return noAccount(r.Account)
	}
	return err
}

// SetRooms replaces all rooms of the account with rs (the bookmarks as the
// server has them), in one transaction.
func (s *Store) SetRooms(ctx context.Context, account string, rs []Room) error {
	const op = "set rooms"
	for _, r := range rs {
		if r.Account != account || r.JID == "" {
			return fmt.Errorf("store: %s: room %q of account %q: %w", op, r.JID, r.Account, ErrInvalid)
		}
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE account = ?`, account); err != nil {
			return err
		}
		for _, r := range rs {
			if err := putRoom(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveRoom deletes the room (its messages stay in the history); removing
// one that is not stored is not an error.
func (s *Store) RemoveRoom(ctx context.Context, account, jid string) error {
	return s.wr.do(ctx, "remove room", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE account = ? AND jid = ?`, account, jid)
		return err
	})
}

// Rooms returns the account's rooms ordered by JID.
func (s *Store) Rooms(ctx context.Context, account string) ([]Room, error) {
	const op = "list rooms"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT account, jid, name, nick, autojoin
		FROM rooms WHERE account = ? ORDER BY jid`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []Room
	for rows.Next() {
		var r Room
		if err := rows.Scan(&r.Account, &r.JID, &r.Name, &r.Nick, &r.Autojoin); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, r)
	}
	return out, wrap(op, rows.Err())
}

// LastTime returns the time of the last stored message with peer (zero
// when there is none): a room is asked for the history since then.
func (s *Store) LastTime(ctx context.Context, account, peer string) (time.Time, error) {
	const op = "last message time"
	db, err := s.reader(op)
	if err != nil {
		return time.Time{}, err
	}
	var ns int64
	err = db.QueryRowContext(ctx, `SELECT time FROM messages WHERE account = ? AND peer = ?
		ORDER BY id DESC LIMIT 1`, account, peer).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap(op, err)
	}
	return time.Unix(0, ns), nil
}

// LastRoomStanzaID returns the room's own id (XEP-0359 stanza-id by the
// room) of the newest message of the room that has one ("" if none): a
// room's archive (XEP-0313) is read after it.
func (s *Store) LastRoomStanzaID(ctx context.Context, account, room string) (string, error) {
	const op = "last room stanza id"
	db, err := s.reader(op)
	if err != nil {
		return "", err
	}
	var id string
	// from_jid room/nick: the room's messages (its subject or a notice
	// from the bare room has no stanza-id of a message).
	err = db.QueryRowContext(ctx, `SELECT stanza_id FROM messages WHERE account = ? AND peer = ?
		AND stanza_id IS NOT NULL AND instr(from_jid, '/') > 0 ORDER BY id DESC LIMIT 1`, account, room).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrap(op, err)
	}
	return id, nil
}
