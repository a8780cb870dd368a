package store

import (
	"context"
	"database/sql"
	"errors"
)

// Last message correction (XEP-0308): a correction is a message row of its
// own (Replaces set, left out of History and Search) that changes the body
// of the message it names, in the same transaction. Only a message of the
// correction's sender may change: ours by our corrections (from any of our
// devices: bare address), a contact's by a correction from the same full
// address (XEP-0308 §5). Anything else is kept as a new message, which
// XEP-0308 allows, so no other person's text is ever changed.

// correctionWindow is how many of a chat's newest messages a correction
// naming a stanza id (not an origin id) is looked for in: corrections are
// of recent messages, and stanza ids have no index.
const correctionWindow = 1000

// checkCorrection finds what an incoming m corrects; one it may not apply
// loses its Replaces and is kept as a new message.
func (m *Message) checkCorrection(ctx context.Context, tx *sql.Tx) error {
	m.Corrects = 0
	if m.Replaces == "" {
		return nil
	}
	id, err := correctionTarget(ctx, tx, m)
	if err != nil {
		return err
	}
	if id == 0 {
		if !m.Retract {
			m.Replaces = ""
		}
		return nil
	}
	m.Corrects = id
	return nil
}

// correctionTarget is the store id of the message m may correct, or 0.
func correctionTarget(ctx context.Context, tx *sql.Tx, m *Message) (int64, error) {
	if m.Moderated {
		return moderationTarget(ctx, tx, m)
	}
	var (
		id                   int64
		from                 string
		fromFull, occupantID sql.NullString
	)
	err := tx.QueryRowContext(ctx, `SELECT id, from_jid, from_full, occupant_id FROM messages
		WHERE account = ? AND origin_id = ? AND peer = ? AND outgoing = ? AND replaces IS NULL
		ORDER BY id DESC LIMIT 1`, m.Account, m.Replaces, m.Peer, m.Outgoing).Scan(&id, &from, &fromFull, &occupantID)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT id, from_jid, from_full, occupant_id FROM
			(SELECT id, from_jid, from_full, occupant_id, stanza_id, outgoing, replaces FROM messages
			 WHERE account = ? AND peer = ? ORDER BY id DESC LIMIT ?)
			WHERE stanza_id = ? AND outgoing = ? AND replaces IS NULL LIMIT 1`,
			m.Account, m.Peer, correctionWindow, m.Replaces, m.Outgoing).Scan(&id, &from, &fromFull, &occupantID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	switch {
	case m.Outgoing:
	case occupantID.Valid && occupantID.String != m.OccupantID:
		// XEP-0421: the room vouched for who sent it; a nick taken over
		// later (or a room that stopped vouching) is not them.
		return 0, nil
	case occupantID.Valid:
		// The same occupant, whatever nick they have now.
	case m.Retract && from != m.From:
		// XEP-0424 §6: the same bare address in a chat (From is stored
		// bare), the same occupant (room/nick) in a room.
		return 0, nil
	case !m.Retract && fromFull.Valid && fromFull.String != m.FromFull:
		return 0, nil // another resource (or someone else in its name)
	}
	return id, nil
}

// retractedByModerator is messages.retracted for a message a room's
// moderator removed (1: its sender).
const retractedByModerator = 2

// moderationTarget is the store id of the message a room's moderation m
// names by the room's stanza-id, whoever sent it (ours too), or 0. Only
// the room itself moderates: m comes from the room's bare address.
func moderationTarget(ctx context.Context, tx *sql.Tx, m *Message) (int64, error) {
	if m.From != m.Peer || !m.Retract {
		return 0, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM
		(SELECT id, stanza_id, replaces FROM messages
		 WHERE account = ? AND peer = ? ORDER BY id DESC LIMIT ?)
		WHERE stanza_id = ? AND replaces IS NULL LIMIT 1`,
		m.Account, m.Peer, correctionWindow, m.Replaces).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// applyCorrection gives the message m corrects m's body, keeping its first
// text; a retraction erases it (a moderation leaves the reason given). A retracted message is never given a text
// again (a correction that comes after its retraction, from the archive).
func applyCorrection(ctx context.Context, tx *sql.Tx, m *Message) error {
	if m.Retract {
		body, how := "", 1
		if m.Moderated {
			body, how = m.Body, retractedByModerator
		}
		_, err := tx.ExecContext(ctx, `UPDATE messages
			SET body = ?, original_body = NULL, file = NULL, reply = NULL, edited = 0, retracted = ?
			WHERE id = ?`, body, how, m.Corrects)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE messages
		SET original_body = COALESCE(original_body, body), body = ?, edited = 1
		WHERE id = ? AND retracted = 0`, m.Body, m.Corrects)
	return err
}

// OriginalBody is the first text of a corrected message ("" when it was
// never corrected).
func (s *Store) OriginalBody(ctx context.Context, id int64) (string, error) {
	const op = "original body"
	db, err := s.reader(op)
	if err != nil {
		return "", err
	}
	var b sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT original_body FROM messages WHERE id = ?`, id).Scan(&b); err != nil {
		return "", wrap(op, err)
	}
	return b.String, nil
}

// SetChatStates records that contact jid of account sent chat states
// (XEP-0085): its client wants them. Nothing happens for a JID that is not
// a contact.
func (s *Store) SetChatStates(ctx context.Context, account, jid string) error {
	return s.wr.do(ctx, "record chat-state support", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE contacts SET chat_states = 1
			WHERE account = ? AND jid = ? AND chat_states = 0`, account, jid)
		return err
	})
}

// ChatStatesTo reports whether chat states may go to jid: a contact of
// account who may see its presence (subscription from or both) and whose
// client sent chat states (SetChatStates). known tells the latter alone.
func (s *Store) ChatStatesTo(ctx context.Context, account, jid string) (shares, known bool, err error) {
	const op = "chat-state peer"
	db, err := s.reader(op)
	if err != nil {
		return false, false, err
	}
	var sub string
	err = db.QueryRowContext(ctx, `SELECT subscription, chat_states FROM contacts WHERE account = ? AND jid = ?`,
		account, jid).Scan(&sub, &known)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, wrap(op, err)
	}
	return sub == "from" || sub == "both", known, nil
}
