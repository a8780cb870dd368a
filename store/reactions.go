package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Reaction is one sender's set of reactions to a message (XEP-0444).
type Reaction struct {
	// Sender: a bare JID (the account's own for ours) or, in a room,
	// room/nick.
	Sender string
	Emojis []string
	Time   time.Time
}

// FindMessage returns the account's message in its chat with peer that
// the XMPP id ref names: a chat message's id (our origin id, or the id
// its sender gave it) or a room's stanza-id. ErrNotFound if there is
// none; the newest one wins if several share it.
func (s *Store) FindMessage(ctx context.Context, account, peer, ref string) (Message, error) {
	const op = "find message"
	if ref == "" {
		return Message{}, fmt.Errorf("store: %s: empty id: %w", op, ErrInvalid)
	}
	db, err := s.reader(op)
	if err != nil {
		return Message{}, err
	}
	for _, where := range findSteps() {
		// +id: sort the few matches, rather than have SQLite walk the
		// chat's index backwards for the ORDER BY (what it chose).
		rows, err := db.QueryContext(ctx, `SELECT `+msgColumns+` FROM messages WHERE `+where+` ORDER BY +id DESC LIMIT 1`, account, peer, ref)
		ms, err := scanMessages(op, rows, err, false)
		if err != nil {
			return Message{}, err
		}
		if len(ms) > 0 {
			return ms[0], nil
		}
	}
	return Message{}, fmt.Errorf("store: %s: %q in the chat with %s: %w", op, ref, peer, ErrNotFound)
}

// findSteps are FindMessage's lookups, in order (each a WHERE on
// messages with ?1 account, ?2 peer, ?3 the id).
//
// One indexed lookup per kind of id rather than one query with OR,
// which scanned the whole chat (30 ms a lookup in a chat of 100,000
// messages, for every reaction that comes, also to made-up ids; now
// 0.06–0.3 ms, and 3 ms for an id found nowhere).
func findSteps() []string {
	return []string{
		// A chat message's id: ours and most clients' (origin-id = id).
		// (+peer: filtered, not the index SQLite would pick: the chat's.)
		`account = ?1 AND origin_id = ?3 AND origin_id IS NOT NULL AND +peer = ?2`,
		// A room's stanza-id (the partial index messages_room_sid).
		`account = ?1 AND peer = ?2 AND stanza_id = ?3 AND stanza_id IS NOT NULL AND instr(from_jid, '/') > 0`,
		`account = ?1 AND archive_id = ?3 AND archive_id IS NOT NULL AND +peer = ?2`,
		// A chat message whose id differs from its origin-id: among the
		// chat's newest, bounded.
		`id IN (SELECT id FROM messages WHERE account = ?1 AND peer = ?2 ORDER BY id DESC LIMIT ` + findRecent + `) AND stanza_id = ?3`,
	}
}

// findRecent is how many of a chat's newest messages FindMessage looks
// through for an id that is no origin-id, room stanza-id or archive id.
const findRecent = "5000"

// SetReactions records sender's whole set of reactions to the message of
// the chat with peer that ref names (see FindMessage): it replaces the
// set before; an empty set removes it. It returns the message's id and
// everyone's reactions to it now. A message the profile does not hold
// gives ErrNotFound and keeps nothing (a reaction cannot make a chat
// appear).
func (s *Store) SetReactions(ctx context.Context, account, peer, ref, sender string, emojis []string, t time.Time) (int64, []Reaction, error) {
	return s.setReactions(ctx, account, peer, ref, sender, emojis, t, false)
}

// SetOwnReactions is SetReactions for our own set, kept as not sent yet
// (see PendingReactions) until ReactionsSent says the server has it.
func (s *Store) SetOwnReactions(ctx context.Context, account, peer, ref, sender string, emojis []string, t time.Time) (int64, []Reaction, error) {
	return s.setReactions(ctx, account, peer, ref, sender, emojis, t, true)
}

func (s *Store) setReactions(ctx context.Context, account, peer, ref, sender string, emojis []string, t time.Time, pending bool) (int64, []Reaction, error) {
	const op = "set reactions"
	if sender == "" {
		return 0, nil, fmt.Errorf("store: %s: no sender: %w", op, ErrInvalid)
	}
	m, err := s.FindMessage(ctx, account, peer, ref)
	if err != nil {
		return 0, nil, err
	}
	if t.IsZero() {
		t = time.Now()
	}
	var all []Reaction
	err = s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if len(emojis) == 0 && !pending {
			if _, err := tx.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND sender = ?`, m.ID, sender); err != nil {
				return err
			}
		} else {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reactions (message_id, sender, emojis, time, pending) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (message_id, sender) DO UPDATE SET emojis = excluded.emojis, time = excluded.time, pending = excluded.pending`,
				m.ID, sender, emojisColumn(emojis), unixNano(t), pending); err != nil {
				return err
			}
		}
		by, err := reactionsOf(ctx, tx, []int64{m.ID})
		all = by[m.ID]
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return m.ID, all, nil
}

// emojisColumn is a set as stored: a JSON array ("[]" for none).
func emojisColumn(emojis []string) string {
	if len(emojis) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(emojis)
	return string(b)
}

// PendingReaction is one of our reaction sets not sent yet.
type PendingReaction struct {
	Message Message // the message reacted to (its chat, its ids)
	Sender  string
	Emojis  []string // empty: we take ours back
}

// PendingReactions are the account's own reaction sets kept while they
// could not be sent (SetOwnReactions), oldest change first.
func (s *Store) PendingReactions(ctx context.Context, account string) ([]PendingReaction, error) {
	const op = "list reactions to send"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT r.message_id, r.sender, r.emojis FROM reactions r
		JOIN messages m ON m.id = r.message_id
		WHERE r.pending = 1 AND m.account = ? ORDER BY r.time`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	type row struct {
		id             int64
		sender, emojis string
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sender, &r.emojis); err != nil {
			rows.Close()
			return nil, wrap(op, err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	out := make([]PendingReaction, 0, len(rs))
	for _, r := range rs { // a handful: kept while offline
		mrows, err := db.QueryContext(ctx, `SELECT `+msgColumns+` FROM messages WHERE id = ?`, r.id)
		ms, err := scanMessages(op, mrows, err, false)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			continue
		}
		p := PendingReaction{Message: ms[0], Sender: r.sender}
		_ = json.Unmarshal([]byte(r.emojis), &p.Emojis)
		out = append(out, p)
	}
	return out, nil
}

// ReactionsSent records that the server has our set emojis for message
// id: no longer pending (unless it changed since), and gone if empty.
func (s *Store) ReactionsSent(ctx context.Context, id int64, sender string, emojis []string) error {
	return s.wr.do(ctx, "record reactions sent", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reactions SET pending = 0
			WHERE message_id = ? AND sender = ? AND emojis = ?`, id, sender, emojisColumn(emojis)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM reactions
			WHERE message_id = ? AND sender = ? AND pending = 0 AND emojis = '[]'`, id, sender)
		return err
	})
}

// Reactions returns everyone's reactions to the message with store id.
func (s *Store) Reactions(ctx context.Context, id int64) ([]Reaction, error) {
	const op = "read reactions"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	by, err := reactionsOf(ctx, db, []int64{id})
	if err != nil {
		return nil, wrap(op, err)
	}
	return by[id], nil
}

// withReactions fills in the reactions of a page of messages (one query).
func withReactions(ctx context.Context, q querier, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	// In chunks: a page may be larger than SQLite's limit on bound
	// parameters (32,766), `clove history --limit` has no bound.
	for start := 0; start < len(ms); start += reactionsChunk {
		page := ms[start:min(start+reactionsChunk, len(ms))]
		ids := make([]int64, len(page))
		for i, m := range page {
			ids[i] = m.ID
		}
		by, err := reactionsOf(ctx, q, ids)
		if err != nil {
			return err
		}
		for i := range page {
			page[i].Reactions = by[page[i].ID]
		}
	}
	return nil
}

// reactionsChunk is how many messages' reactions one query reads.
const reactionsChunk = 500

// reactionsOf reads the reactions to the messages ids, by message id, in
// the order they were last changed.
func reactionsOf(ctx context.Context, q querier, ids []int64) (map[int64][]Reaction, error) {
	out := map[int64][]Reaction{}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT message_id, sender, emojis, time FROM reactions
		WHERE message_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`) ORDER BY time, sender`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     int64
			r      Reaction
			emojis string
			t      int64
		)
		if err := rows.Scan(&id, &r.Sender, &emojis, &t); err != nil {
			return nil, err
		}
		if json.Unmarshal([]byte(emojis), &r.Emojis) != nil || len(r.Emojis) == 0 {
			continue
		}
		r.Time = time.Unix(0, t)
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}
