package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/msgstate"
)

// State is where a message is in its life; the rule for how it moves is
// package msgstate's, shared with the window.
type State = msgstate.State

// Message states. Outgoing messages go Queued → Sent → Delivered, or to
// Failed; incoming ones are Received.
const (
	Queued    = msgstate.Queued
	Sent      = msgstate.Sent
	Delivered = msgstate.Delivered
	Failed    = msgstate.Failed
	Received  = msgstate.Received
)

// DefaultLimit is the page size History and Search use when limit <= 0.
const DefaultLimit = 50

// Message is one chat message. Optional XMPP ids are "" when absent.
type Message struct {
	ID       int64  // set by the store; grows with insertion order
	Account  string // bare JID of the account
	Peer     string // bare JID of the other side; derived from To/From when ""
	Outgoing bool
	From, To string
	Body     string
	// OriginID is the sender's XEP-0359 origin-id (for outgoing messages,
	// also use it as the stanza's id attribute so receipts and errors can be
	// matched). StanzaID is the id stamped by the server (XEP-0359
	// stanza-id); ArchiveID is the id in our own MAM archive.
	OriginID, StanzaID, ArchiveID string
	Time                          time.Time // send time; set to now when zero
	State                         State
	// Error is why a Failed message failed, in the server's words (or its
	// error condition); set by MarkFailed. It stays when a receipt says
	// the message arrived after all (Delivered): read it only while Failed.
	Error string
	// Encrypted: the message travelled OMEMO-encrypted (Body is the
	// decrypted text, or why it could not be decrypted).
	Encrypted bool
	// File: the message shares a file (Body is its URL); nil for text.
	File *File
	// FromFull: an incoming message's sender's full address (From is
	// bare); a correction must come from the same one.
	FromFull string
	// OccupantID: in a room that vouches for its senders (XEP-0421), the
	// sender's stable id there; a correction or retraction of a message
	// that has one must carry the same (written, never read back).
	OccupantID string
	// Replaces: the message corrects the one with this id (XEP-0308).
	// When it is not a correction the store may apply (no such message,
	// or not the sender's), the store clears it and keeps the message as
	// a new one. Corrects is then the store id of the message it changed.
	Replaces string
	Corrects int64
	// Edited: a correction changed Body (read back, never written).
	Edited bool
	// Retract: the message is a retraction (XEP-0424) of the one Replaces
	// names, applied as a correction is (Corrects is then that message).
	// Unlike a correction's, a retraction's row keeps Replaces when it
	// names no message it may retract, so it is never shown.
	// Moderated, with Retract: the room itself (From is the room) removes
	// any occupant's message, named by the room's stanza-id (XEP-0425);
	// Body is the reason given, which the removed message then shows.
	Retract, Moderated bool
	// Retracted: its sender deleted it for everyone; Body, File and Reply
	// are empty (read back, never written). ModeratedAway: a room's
	// moderator removed it; Body is the reason given ("" for none).
	Retracted, ModeratedAway bool
	// Read: ours, and the contact's client said they saw it or a later
	// one (XEP-0333; History fills it in, see MarkDisplayed).
	Read bool
	// Reply: what the message answers (XEP-0461); nil for none. Body is
	// then the text without the sender's fallback quote.
	Reply *Reply
	// Reactions: everyone's reactions to it (History fills them in; other
	// reads leave it nil).
	Reactions []Reaction
}

// Reply is what a message answers: its author (a full or bare JID, or
// room/nick), the id it is known by (a chat message's id, a room's
// stanza-id) and the quote of it its sender gave.
type Reply struct {
	To    string `json:"to,omitempty"`
	ID    string `json:"id"`
	Quote string `json:"quote,omitempty"`
}

func replyColumn(r *Reply) any {
	if r == nil || r.ID == "" {
		return nil
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func scanReply(s sql.NullString) *Reply {
	if !s.Valid || s.String == "" {
		return nil
	}
	var r Reply
	if json.Unmarshal([]byte(s.String), &r) != nil || r.ID == "" {
		return nil
	}
	return &r
}

// File is a file a message shares: uploaded with XEP-0363 and sent as
// its URL (XEP-0066 out-of-band data in plaintext; an aesgcm:// URL with
// the key, XEP-0454, inside an encrypted message).
type File struct {
	URL       string `json:"url"`
	Name      string `json:"name,omitempty"`
	Size      int64  `json:"size,omitempty"` // bytes of the file (not of its ciphertext); 0: unknown
	MIME      string `json:"mime,omitempty"`
	Encrypted bool   `json:"encrypted"` // the upload is encrypted (URL is aesgcm://)
}

func fileColumn(f *File) any {
	if f == nil {
		return nil
	}
	b, _ := json.Marshal(f)
	return string(b)
}

func scanFile(s sql.NullString) *File {
	if !s.Valid || s.String == "" {
		return nil
	}
	var f File
	if json.Unmarshal([]byte(s.String), &f) != nil || f.URL == "" {
		return nil
	}
	return &f
}

const msgColumns = `id, account, peer, outgoing, from_jid, to_jid, body, origin_id, stanza_id, archive_id, time, state, error, encrypted, file, edited, replaces, reply, retract, retracted`

// AddOutgoing writes m as a Queued outgoing message together with its outbox
// row, in one transaction, and returns once that is on disk. Call it BEFORE
// sending: then a crash at any point leaves the message in Pending, to be
// sent again (with the same origin id, so the recipient can drop the copy).
//
// On success it sets m.ID, m.Outgoing and m.State, and fills in m.OriginID
// (a random id) when empty, m.Peer (bare m.To) when empty and m.Time when
// zero. A second message with the same account, origin id and From fails
// with ErrExists; an account that is not stored gives ErrNotFound.
//
// The message has no owner: any session of the account may send it (see
// AddOutgoingFor).
func (s *Store) AddOutgoing(ctx context.Context, m *Message) error {
	return s.addOutgoing(ctx, "add outgoing message", "", []*Message{m})
}

// AddOutgoingBatch is AddOutgoing for several messages in one transaction
// (one disk sync): all are written, in order, or none. Use it when messages
// queue up faster than one sync per message allows.
func (s *Store) AddOutgoingBatch(ctx context.Context, ms []*Message) error {
	return s.addOutgoing(ctx, "add outgoing messages", "", ms)
}

// AddOutgoingFor is AddOutgoingBatch for the running session owner (an
// id, see Claim): the messages are its to send for as long as it lives.
func (s *Store) AddOutgoingFor(ctx context.Context, owner string, ms []*Message) error {
	if owner == "" {
		return fmt.Errorf("store: add outgoing messages: empty owner: %w", ErrInvalid)
	}
	return s.addOutgoing(ctx, "add outgoing messages", owner, ms)
}

func (s *Store) addOutgoing(ctx context.Context, op, owner string, ms []*Message) error {
	prepared := make([]Message, len(ms))
	for i, m := range ms {
		if m == nil {
			return fmt.Errorf("store: %s: message %d is nil: %w", op, i, ErrInvalid)
		}
		mm := *m
		mm.Outgoing = true
		mm.State = Queued
		if mm.OriginID == "" {
			mm.OriginID = rand.Text()
		}
		if err := prepareMessage(&mm); err != nil {
			return fmt.Errorf("store: %s: %w", op, err)
		}
		prepared[i] = mm
	}
	ids := make([]int64, len(ms))
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		ins, err := prepareInsert(ctx, tx, "")
		if err != nil {
			return err
		}
		outbox, err := tx.PrepareContext(ctx, `INSERT INTO outbox (message_id, account, owner) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		for i := range prepared {
			m := &prepared[i]
			m.Corrects = 0
			if m.Replaces != "" {
				if m.Corrects, err = correctionTarget(ctx, tx, m); err != nil {
					return err
				}
				if m.Corrects == 0 {
					return fmt.Errorf("no message of yours with id %q to %s: %w", m.Replaces, m.Peer, ErrNotFound)
				}
			}
			res, err := insertMessage(ctx, ins, m)
			if err == nil && m.Corrects != 0 {
				err = applyCorrection(ctx, tx, m)
			}
			if err != nil {
				if isForeignKey(err) {
					return noAccount(m.Account)
				}
				if isUnique(err) {
					return fmt.Errorf("origin id %q from %q: %w", m.OriginID, m.From, ErrExists)
				}
				return err
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return err
			}
			if _, err = outbox.ExecContext(ctx, ids[i], m.Account, null(owner)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, m := range ms {
		prepared[i].ID = ids[i]
		*m = prepared[i]
	}
	return nil
}

// AddIncoming stores a message that came from the network: a live message, a
// carbon (XEP-0280) or a MAM result (XEP-0313). It is not stored again if a
// message with the same account, origin id and From, or the same account and
// archive id, is already stored; then inserted is false, m.ID is the stored
// message's id, and the stored copy gains the stanza and archive ids it
// lacked. If that stored copy is our own outgoing message still Queued, the
// server evidently has it: it becomes Sent and leaves the outbox.
//
// Messages without ids are always inserted (they cannot be told apart). A
// zero m.State becomes Received (Sent when m.Outgoing, e.g. a sent carbon), a
// zero m.Time becomes now and an empty m.Peer is derived from From (To when
// m.Outgoing).
func (s *Store) AddIncoming(ctx context.Context, m *Message) (inserted bool, err error) {
	ins, err := s.addIncoming(ctx, "add incoming message", []*Message{m})
	if err != nil {
		return false, err
	}
	return ins[0], nil
}

// AddIncomingBatch is AddIncoming for several messages (a MAM page) in one
// transaction: all are stored, in order, or none. inserted[i] tells whether
// ms[i] was new.
func (s *Store) AddIncomingBatch(ctx context.Context, ms []*Message) (inserted []bool, err error) {
	return s.addIncoming(ctx, "add incoming messages", ms)
}

func (s *Store) addIncoming(ctx context.Context, op string, ms []*Message) ([]bool, error) {
	prepared := make([]Message, len(ms))
	for i, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("store: %s: message %d is nil: %w", op, i, ErrInvalid)
		}
		mm := *m
		if mm.State == "" {
			mm.State = Received
			if mm.Outgoing {
				mm.State = Sent
			}
		}
		if err := prepareMessage(&mm); err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
		prepared[i] = mm
	}
	ids := make([]int64, len(ms))
	inserted := make([]bool, len(ms))
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		ins, err := prepareInsert(ctx, tx, "ON CONFLICT DO NOTHING")
		if err != nil {
			return err
		}
		for i := range prepared {
			m := &prepared[i]
			if err := m.checkCorrection(ctx, tx); err != nil {
				return err
			}
			res, err := insertMessage(ctx, ins, m)
			if err != nil {
				if isForeignKey(err) {
					return noAccount(m.Account)
				}
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			inserted[i] = n == 1
			if n == 1 && m.Corrects != 0 {
				// Only a correction stored now applies: a copy of one
				// seen before (a carbon, the archive) must not put back
				// an older text over a newer correction.
				if err := applyCorrection(ctx, tx, m); err != nil {
					return err
				}
			}
			if n == 1 {
				if ids[i], err = res.LastInsertId(); err != nil {
					return err
				}
				continue
			}
			if err := mergeDuplicate(ctx, tx, m, &ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, m := range ms {
		prepared[i].ID = ids[i]
		*m = prepared[i]
	}
	return inserted, nil
}

// mergeDuplicate handles an AddIncoming whose insert hit a uniqueness
// constraint: it finds the stored copy, adds the ids it lacks and, for our
// own queued message, records that the server has it.
func mergeDuplicate(ctx context.Context, tx *sql.Tx, m *Message, id *int64) error {
	var (
		outgoing bool
		state    State
	)
	err := tx.QueryRowContext(ctx, `SELECT id, outgoing, state FROM messages
		WHERE account = ? AND ((origin_id = ? AND from_jid = ?) OR archive_id = ?) LIMIT 1`,
		m.Account, null(m.OriginID), m.From, null(m.ArchiveID)).Scan(id, &outgoing, &state)
	if err != nil {
		return fmt.Errorf("find duplicate: %w", err)
	}
	if m.StanzaID != "" || m.ArchiveID != "" {
		// Only touch the row when it lacks an id we have: an UPDATE that
		// changes nothing still rewrites the page (and costs a sync). OR
		// IGNORE: if the archive id is already on another row, keep ours.
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE messages
			SET stanza_id = COALESCE(stanza_id, ?1), archive_id = COALESCE(archive_id, ?2)
			WHERE id = ?3 AND ((stanza_id IS NULL AND ?1 IS NOT NULL) OR (archive_id IS NULL AND ?2 IS NOT NULL))`,
			null(m.StanzaID), null(m.ArchiveID), *id); err != nil {
			return err
		}
	}
	if outgoing && state == Queued {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET state = 'sent' WHERE id = ?`, *id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE message_id = ?`, *id); err != nil {
			return err
		}
	}
	return nil
}

// prepareMessage fills derived fields and validates m.
func prepareMessage(m *Message) error {
	if m.Account == "" {
		return fmt.Errorf("empty account: %w", ErrInvalid)
	}
	if !m.State.Valid() {
		return fmt.Errorf("state %q: %w", m.State, ErrInvalid)
	}
	if m.Peer == "" {
		if m.Outgoing {
			m.Peer = bare(m.To)
		} else {
			m.Peer = bare(m.From)
		}
	}
	if m.Peer == "" {
		return fmt.Errorf("no peer (Peer, and To or From, empty): %w", ErrInvalid)
	}
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	return nil
}

// prepareInsert compiles the message INSERT (with its triggers) once for a
// transaction rather than once per message of a batch: a small saving
// (CPU per message of a 500-message burst written and marked sent,
// BenchmarkAddOutgoing: 18.0 → 17.4 µs). The statement is closed with the
// transaction.
func prepareInsert(ctx context.Context, tx *sql.Tx, conflict string) (*sql.Stmt, error) {
	return tx.PrepareContext(ctx, `INSERT INTO messages
		(account, peer, outgoing, from_jid, to_jid, body, origin_id, stanza_id, archive_id, time, state, encrypted, file, from_full, replaces, reply, retract, occupant_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+conflict)
}

func insertMessage(ctx context.Context, ins *sql.Stmt, m *Message) (sql.Result, error) {
	return ins.ExecContext(ctx,
		m.Account, m.Peer, m.Outgoing, m.From, m.To, m.Body,
		null(m.OriginID), null(m.StanzaID), null(m.ArchiveID), unixNano(m.Time), string(m.State), m.Encrypted, fileColumn(m.File),
		null(m.FromFull), null(m.Replaces), replyColumn(m.Reply), m.Retract, null(m.OccupantID))
}

// Pending returns the account's outbox: outgoing messages written but not
// yet acknowledged by the server, in the order they were added.
func (s *Store) Pending(ctx context.Context, account string) ([]Message, error) {
	const op = "list pending messages"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT m.`+strings.ReplaceAll(msgColumns, ", ", ", m.")+`
		FROM outbox o JOIN messages m ON m.id = o.message_id
		WHERE o.account = ? ORDER BY o.message_id`, account)
	return scanMessages(op, rows, err, false)
}

// MarkSent records the server's acknowledgement of the outgoing message with
// that origin id: Queued becomes Sent and the outbox row is removed, in one
// transaction. Repeating it is harmless; it never downgrades a Delivered or
// Failed message. ErrNotFound if no such outgoing message is stored.
func (s *Store) MarkSent(ctx context.Context, account, originID string) error {
	return s.mark(ctx, "mark sent", account, originID, Sent)
}

// MarkDelivered records a delivery receipt: the message becomes Delivered
// from any earlier state (a receipt proves delivery even if the ack was lost
// or an error was reported) and leaves the outbox.
func (s *Store) MarkDelivered(ctx context.Context, account, originID string) error {
	return s.mark(ctx, "mark delivered", account, originID, Delivered)
}

// MarkFailed records that the server returned an error for the message: a
// Queued or Sent message becomes Failed, with why (the server's words),
// and leaves the outbox (it is not resent by itself). A Delivered message
// stays Delivered.
func (s *Store) MarkFailed(ctx context.Context, account, originID, why string) error {
	if originID == "" {
		return fmt.Errorf("store: mark failed: empty origin id: %w", ErrInvalid)
	}
	return s.wr.do(ctx, "mark failed", func(ctx context.Context, tx *sql.Tx) error {
		if err := markTx(ctx, tx, account, originID, Failed, msgstate.From(Failed)...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE messages SET error = ?
			WHERE account = ? AND origin_id = ? AND outgoing = 1 AND state = ?`, why, account, originID, string(Failed))
		return err
	})
}

// MarkEncryptedBatch records that the outgoing messages originIDs went
// out OMEMO-encrypted: they are encrypted at send time (the outbox keeps
// the text), so only then is it known. One transaction (one disk sync) for
// a chunk of them; ids without a message row (an outbox entry whose row is
// gone) are skipped.
func (s *Store) MarkEncryptedBatch(ctx context.Context, account string, originIDs []string) error {
	if len(originIDs) == 0 {
		return nil
	}
	return s.wr.do(ctx, "mark encrypted", func(ctx context.Context, tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE messages SET encrypted = 1
			WHERE account = ? AND origin_id = ? AND outgoing = 1`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range originIDs {
			if _, err := st.ExecContext(ctx, account, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkSentBatch is MarkSent for several messages in one transaction (one
// disk sync): a stream-management ack usually covers a burst of messages.
// It stops at the first unknown id, leaving none of them marked.
func (s *Store) MarkSentBatch(ctx context.Context, account string, originIDs []string) error {
	for _, id := range originIDs {
		if id == "" {
			return fmt.Errorf("store: mark sent: empty origin id: %w", ErrInvalid)
		}
	}
	return s.wr.do(ctx, "mark sent", func(ctx context.Context, tx *sql.Tx) error {
		// One statement per chunk rather than per message: acks cover bursts.
		for len(originIDs) > 0 {
			n := min(len(originIDs), 400)
			if err := markSentChunk(ctx, tx, account, originIDs[:n]); err != nil {
				return err
			}
			originIDs = originIDs[n:]
		}
		return nil
	})
}

func markSentChunk(ctx context.Context, tx *sql.Tx, account string, ids []string) error {
	uniq := map[string]bool{}
	args := []any{account}
	for _, id := range ids {
		if !uniq[id] {
			uniq[id] = true
			args = append(args, id)
		}
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(uniq)), ",")
	var found int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT origin_id) FROM messages
		WHERE account = ? AND outgoing = 1 AND origin_id IN (`+in+`)`, args...).Scan(&found); err != nil {
		return err
	}
	if found != len(uniq) {
		return fmt.Errorf("%d of %d outgoing messages of %q: %w", len(uniq)-found, len(uniq), account, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET state = '`+string(Sent)+`'
		WHERE account = ? AND outgoing = 1 AND state = '`+string(Queued)+`' AND origin_id IN (`+in+`)`, args...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE message_id IN
		(SELECT id FROM messages WHERE account = ? AND outgoing = 1 AND origin_id IN (`+in+`))`, args...)
	return err
}

// mark moves an outgoing message to state to, from the states the rule
// (msgstate.From) allows.
func (s *Store) mark(ctx context.Context, op, account, originID string, to State) error {
	if originID == "" {
		return fmt.Errorf("store: %s: empty origin id: %w", op, ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		return markTx(ctx, tx, account, originID, to, msgstate.From(to)...)
	})
}

func markTx(ctx context.Context, tx *sql.Tx, account, originID string, to State, from ...State) error {
	in := make([]string, len(from))
	args := []any{string(to), account, originID}
	for i, st := range from {
		in[i] = "?"
		args = append(args, string(st))
	}
	{
		var found bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages
			WHERE account = ? AND origin_id = ? AND outgoing = 1)`, account, originID).Scan(&found); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("outgoing message %q of %q: %w", originID, account, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET state = ?
			WHERE account = ? AND origin_id = ? AND outgoing = 1 AND state IN (`+strings.Join(in, ",")+`)`,
			args...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE message_id IN
			(SELECT id FROM messages WHERE account = ? AND origin_id = ? AND outgoing = 1)`, account, originID)
		return err
	}
}

// History returns up to limit messages of the account with peer `with` (all
// peers when with is ""), the newest ones older than beforeID (0: the newest
// of all), oldest first. To page back, pass the ID of the first message
// returned. limit <= 0 means DefaultLimit.
func (s *Store) History(ctx context.Context, account, with string, beforeID int64, limit int) ([]Message, error) {
	const op = "history"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	var rows *sql.Rows
	if with == "" {
		rows, err = db.QueryContext(ctx, `SELECT `+msgColumns+` FROM messages
			WHERE account = ? AND id < ? AND replaces IS NULL ORDER BY id DESC LIMIT ?`, account, beforeID, limit)
	} else {
		rows, err = db.QueryContext(ctx, `SELECT `+msgColumns+` FROM messages
			WHERE account = ? AND peer = ? AND id < ? AND replaces IS NULL ORDER BY id DESC LIMIT ?`, account, with, beforeID, limit)
	}
	ms, err := scanMessages(op, rows, err, true)
	if err != nil {
		return nil, err
	}
	if err := withReactions(ctx, db, ms); err != nil {
		return nil, wrap(op, err)
	}
	if err := withReads(ctx, db, ms); err != nil {
		return nil, wrap(op, err)
	}
	return ms, nil
}

// scanMessages reads rows of msgColumns; reverse flips newest-first rows to
// oldest-first.
func scanMessages(op string, rows *sql.Rows, err error, reverse bool) ([]Message, error) {
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var (
			retracted             int
			m                     Message
			origin, sid, archID   sql.NullString
			file, replaces, reply sql.NullString
			t                     int64
			state                 string
		)
		if err := rows.Scan(&m.ID, &m.Account, &m.Peer, &m.Outgoing, &m.From, &m.To, &m.Body,
			&origin, &sid, &archID, &t, &state, &m.Error, &m.Encrypted, &file, &m.Edited, &replaces, &reply, &m.Retract, &retracted); err != nil {
			return nil, wrap(op, err)
		}
		m.Retracted, m.ModeratedAway = retracted != 0, retracted == retractedByModerator
		m.File = scanFile(file)
		m.Replaces = replaces.String
		m.Reply = scanReply(reply)
		m.OriginID, m.StanzaID, m.ArchiveID = origin.String, sid.String, archID.String
		m.Time = time.Unix(0, t)
		m.State = State(state)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	if reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// unixNano is t in nanoseconds, clamped to what int64 holds (years 1678 to
// 2262), so that a hostile timestamp (XEP-0203 delay) cannot wrap around.
func unixNano(t time.Time) int64 {
	if lo := time.Unix(0, math.MinInt64); t.Before(lo) {
		return math.MinInt64
	}
	if hi := time.Unix(0, math.MaxInt64); t.After(hi) {
		return math.MaxInt64
	}
	return t.UnixNano()
}

// null stores "" as NULL, so that absent ids never collide in UNIQUE indexes.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// bare strips the resource from a JID. The first '/' ends the bare JID:
// localpart and domainpart cannot contain one.
func bare(jid string) string {
	if i := strings.IndexByte(jid, '/'); i >= 0 {
		return jid[:i]
	}
	return jid
}
