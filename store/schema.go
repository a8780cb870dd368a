package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
)

// migration is one numbered step of the schema. Steps are applied in order,
// each in its own transaction together with the bump of PRAGMA user_version,
// so a crash mid-migration leaves the previous version intact. Never edit a
// step that has shipped: append a new one.
type migration struct {
	version int
	up      string
}

// migrations returns the schema history. It is a function, not a variable,
// so nothing can modify it at run time.
//
// SQLite notes for whoever adds a step:
//   - foreign keys are only enforced because every connection sets
//     PRAGMA foreign_keys=ON (done in the DSN); they cannot be switched inside
//     a transaction, so a step that rebuilds a table must do it with the
//     "create new, copy, drop, rename" dance and keep the constraints valid.
//   - UNIQUE treats NULLs as distinct: optional XMPP ids are stored as NULL,
//     never as empty strings, so two messages without an origin id never collide.
//   - messages_fts is an external-content FTS5 table: it holds no text of its
//     own and MUST be kept in sync by the triggers below. Since version 4 a
//     new or edited message is not indexed at once: its id goes into
//     fts_pending, and the writer indexes pending rows when it is idle (and
//     Search first catches up; see index.go). An FTS 'delete' must only ever
//     name an indexed row (one not in fts_pending), or the index is corrupt.
//     A step that rewrites messages.body outside the triggers has to finish
//     with INSERT INTO messages_fts(messages_fts) VALUES('rebuild') and
//     DELETE FROM fts_pending.
//   - tables keyed by text without a rowid use WITHOUT ROWID, which stores the
//     row in the primary key b-tree (one lookup instead of two).
func migrations() []migration {
	return []migration{
		{version: 1, up: `
CREATE TABLE accounts (
	jid             TEXT PRIMARY KEY NOT NULL,
	server          TEXT NOT NULL DEFAULT '',
	proxy           TEXT NOT NULL DEFAULT '',
	sam             TEXT NOT NULL DEFAULT '',
	i2p_only        INTEGER NOT NULL DEFAULT 0,
	pin             TEXT NOT NULL DEFAULT '',
	darknet_map     TEXT NOT NULL DEFAULT '{}', -- JSON object
	sam_keys        TEXT NOT NULL DEFAULT '',   -- path of the SAM key file
	created         INTEGER NOT NULL,           -- unix nanoseconds
	roster_ver      TEXT NOT NULL DEFAULT '',
	last_archive_id TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE pins (
	account     TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	host        TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	PRIMARY KEY (account, host)
) WITHOUT ROWID;

CREATE TABLE contacts (
	account      TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	jid          TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	subscription TEXT NOT NULL DEFAULT '',
	ask          INTEGER NOT NULL DEFAULT 0,
	groups       TEXT NOT NULL DEFAULT '[]', -- JSON array
	PRIMARY KEY (account, jid)
) WITHOUT ROWID;

-- id is the rowid: it grows with insertion, History pages on it.
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	account    TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer       TEXT NOT NULL,           -- bare JID of the other side
	outgoing   INTEGER NOT NULL,
	from_jid   TEXT NOT NULL,
	to_jid     TEXT NOT NULL,
	body       TEXT NOT NULL,
	origin_id  TEXT,                    -- XEP-0359, NULL when absent
	stanza_id  TEXT,                    -- XEP-0359 id stamped by the peer's server
	archive_id TEXT,                    -- XEP-0313 id in our own archive
	time       INTEGER NOT NULL,        -- unix nanoseconds
	state      TEXT NOT NULL CHECK (state IN ('queued','sent','delivered','failed','received'))
);
-- Dedupe: a carbon or MAM replay of a stored message is not stored again.
CREATE UNIQUE INDEX messages_origin ON messages(account, origin_id, from_jid) WHERE origin_id IS NOT NULL;
CREATE UNIQUE INDEX messages_archive ON messages(account, archive_id) WHERE archive_id IS NOT NULL;
-- History of one chat, and of all chats of an account.
CREATE INDEX messages_peer ON messages(account, peer, id);
CREATE INDEX messages_account ON messages(account, id);

-- Messages written but not yet acknowledged by the server, in send order.
-- It holds a handful of rows, so no index on account: one less page to
-- write per message sent.
CREATE TABLE outbox (
	message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	account    TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE
);

-- Full-text index over bodies. External content: the text lives only in
-- messages; the triggers keep the index in step. columnsize=0 because results
-- are ranked by recency, not bm25.
CREATE VIRTUAL TABLE messages_fts USING fts5(
	body,
	content = 'messages',
	content_rowid = 'id',
	columnsize = 0,
	prefix = '2 3',
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
	INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
`},
		{version: 2, up: `
-- Tunnel hops of an account's own SAM session (0: the default, 3).
ALTER TABLE accounts ADD COLUMN i2p_hops INTEGER NOT NULL DEFAULT 0;
`},
		{version: 3, up: `
-- Rooms (XEP-0045) the account keeps: its bookmarks (XEP-0048), cached
-- from the server. A room's messages live in messages with peer = the
-- room's address and from_jid = room/nick.
CREATE TABLE rooms (
	account  TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	jid      TEXT NOT NULL,
	name     TEXT NOT NULL DEFAULT '',
	nick     TEXT NOT NULL DEFAULT '',
	autojoin INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (account, jid)
) WITHOUT ROWID;
`},
		{version: 4, up: `
-- Messages not yet in the full-text index. Indexing a body costs about
-- twice as much as storing the message, so it is done off the send path:
-- the writer indexes pending rows once it is idle, and Search catches up
-- before it queries. Ids may be reused after the newest messages are
-- deleted, so what is indexed is tracked per row, not by a high-water mark.
CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO fts_pending(id) VALUES (new.id);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body)
		SELECT 'delete', old.id, old.body
		WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
	DELETE FROM fts_pending WHERE id = old.id;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, body)
		SELECT 'delete', old.id, old.body
		WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
	INSERT OR IGNORE INTO fts_pending(id) VALUES (new.id);
END;
`},
		{version: 5, up: `
-- What was typed in a chat and not sent yet: one draft per chat, kept
-- across restarts (in the profile, 0600, like the history).
CREATE TABLE drafts (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer    TEXT NOT NULL,
	text    TEXT NOT NULL,
	PRIMARY KEY (account, peer)
) WITHOUT ROWID;
`},
		{version: 6, up: `
-- Why a message failed, as the server said it ("Server-to-server
-- connection failed: NXDomain"): shown under it in the chat, also after a
-- restart. '' for every message that did not fail.
ALTER TABLE messages ADD COLUMN error TEXT NOT NULL DEFAULT '';
`},
		{version: 7, up: `
-- Which running session sends a queued message (issue 17): the id of the
-- session that wrote it, or took it over once that one ended (see Claim).
-- NULL: written before sessions had ids, or by a caller that gives none;
-- anyone's to send.
ALTER TABLE outbox ADD COLUMN owner TEXT;
`},
		{version: 8, up: `
-- OMEMO 0.3 (eu.siacs.conversations.axolotl, issue 18). Private keys are
-- here and nowhere else: the profile is 0700, the database 0600.
--
-- The account's own device: its id (random, 31 bits, also the Signal
-- registration id, as Conversations does) and identity key pair (raw
-- Curve25519, 32 bytes each). next_prekey_id is the id the next generated
-- one-time pre-key gets: ids are never reused, so a message naming a
-- consumed pre-key cannot match a new one.
CREATE TABLE omemo_identity (
	account          TEXT PRIMARY KEY NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	device_id        INTEGER NOT NULL CHECK (device_id BETWEEN 1 AND 2147483647),
	identity_public  BLOB NOT NULL,
	identity_private BLOB NOT NULL,
	signed_prekey_id INTEGER NOT NULL, -- the one published in the bundle
	next_prekey_id   INTEGER NOT NULL,
	created          INTEGER NOT NULL  -- unix nanoseconds
) WITHOUT ROWID;

-- Signed pre-keys (libsignal's serialized record: key pair, signature,
-- timestamp). Old ones stay a while after a rotation, for pre-key messages
-- built from a bundle fetched before it.
CREATE TABLE omemo_signed_prekeys (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	id      INTEGER NOT NULL,
	record  BLOB NOT NULL,
	PRIMARY KEY (account, id)
) WITHOUT ROWID;

-- One-time pre-keys (libsignal's serialized record); a row is deleted when
-- a pre-key message consumed it.
CREATE TABLE omemo_prekeys (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	id      INTEGER NOT NULL,
	record  BLOB NOT NULL,
	PRIMARY KEY (account, id)
) WITHOUT ROWID;

-- Signal sessions, keyed by the remote address's value (bare JID and device
-- id, i.e. libsignal's address.String() "jid:device"), never by the address
-- object: libsignal hands a new *SignalAddress to every call.
CREATE TABLE omemo_sessions (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer    TEXT NOT NULL,
	device  INTEGER NOT NULL,
	record  BLOB NOT NULL,
	PRIMARY KEY (account, peer, device)
) WITHOUT ROWID;

-- Identity keys seen for each device of a peer (own other devices too),
-- and what the user decided about each. A device that shows a new key is a
-- new row: the trust given to one key never carries over to another.
CREATE TABLE omemo_trust (
	account      TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer         TEXT NOT NULL,
	device       INTEGER NOT NULL,
	identity_key BLOB NOT NULL, -- 32 bytes, without the 0x05 type byte
	trust        TEXT NOT NULL CHECK (trust IN ('blind','undecided','verified','distrusted')),
	first_seen   INTEGER NOT NULL, -- unix nanoseconds
	PRIMARY KEY (account, peer, device, identity_key)
) WITHOUT ROWID;

-- The device lists peers published (PEP), as last received.
CREATE TABLE omemo_devices (
	account   TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer      TEXT NOT NULL,
	device    INTEGER NOT NULL,
	PRIMARY KEY (account, peer, device)
) WITHOUT ROWID;
`},
		{version: 9, up: `
-- Whether a message travelled OMEMO-encrypted (issue 18): the chat and
-- clove history --json say so per message. 0 for every older message
-- (they were all plaintext).
ALTER TABLE messages ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
`},
		{version: 10, up: `
-- The account sends nothing unencrypted (issue 18's require-encryption
-- option): a message to a contact without OMEMO devices fails instead.
ALTER TABLE accounts ADD COLUMN require_e2e INTEGER NOT NULL DEFAULT 0;
`},
		{version: 11, up: `
-- A message that shares a file (issue 19): its URL, name, size, type and
-- whether it is encrypted (XEP-0454), as JSON; NULL for text messages.
ALTER TABLE messages ADD COLUMN file TEXT;
`},
		{version: 12, up: `
-- Last message correction (XEP-0308, issue 20). A correction is stored as
-- a message of its own (so it dedupes and sits in the outbox like any
-- other) with replaces = the id of the message it corrects; History and
-- Search leave such rows out. The corrected message gets the new body,
-- edited = 1 and, the first time, its first text in original_body.
-- from_full is an incoming message's sender's full address: only a
-- correction from the same full address may change it (XEP-0308 §5).
ALTER TABLE messages ADD COLUMN replaces TEXT;
ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN original_body TEXT;
ALTER TABLE messages ADD COLUMN from_full TEXT;
-- Chat states (XEP-0085): the contact's client sent us one, so it wants
-- them (§5.1); kept so that typing reaches them after a restart too.
ALTER TABLE contacts ADD COLUMN chat_states INTEGER NOT NULL DEFAULT 0;
`},
		{version: 13, up: `
-- Replies (XEP-0461, issue 20): what a message answers, as JSON
-- {"to","id","quote"} (the author, the id it is known by, and the quote
-- the sender put before the text for other clients, shown when the
-- original is not at hand); NULL for a message that answers nothing.
-- body holds the text without that quote.
ALTER TABLE messages ADD COLUMN reply TEXT;

-- A room's messages are named by the room's stanza-id (stanza_id) in
-- replies and reactions: indexed for rooms only (from_jid room/nick; a
-- chat's are stored bare), so the chat's send path writes no more.
CREATE INDEX messages_room_sid ON messages(account, peer, stanza_id)
	WHERE stanza_id IS NOT NULL AND instr(from_jid, '/') > 0;

-- Reactions (XEP-0444): each sender's current set of reactions to a
-- stored message (a new set replaces the old; an empty one deletes the
-- row). Reactions to a message the profile does not hold are not kept:
-- nothing a stranger sends can add rows without a message of theirs.
-- sender is a bare JID (the account's own for ours) or, in a room,
-- room/nick; emojis a JSON array in the order sent. pending: our own set,
-- kept when chosen and not sent yet (offline); it goes at the next login
-- (an empty set waits as '[]', then its row goes).
CREATE TABLE reactions (
	message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	sender     TEXT NOT NULL,
	emojis     TEXT NOT NULL,
	time       INTEGER NOT NULL, -- unix nanoseconds of the last change
	pending    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (message_id, sender)
) WITHOUT ROWID;
CREATE INDEX reactions_pending ON reactions(message_id) WHERE pending = 1;
`},
		{version: 14, up: `
-- Avatars (issue 20, XEP-0084 / XEP-0153): each image once, by its SHA-1,
-- whoever shows it (so it is fetched once per hash, never again after a
-- restart), with a small copy scaled for the roster (what the window
-- decodes; the original is kept for a full-size view).
CREATE TABLE avatars (
	hash  TEXT PRIMARY KEY, -- SHA-1 of data, lower-case hex (checked before it is stored)
	mime  TEXT NOT NULL,
	data  BLOB NOT NULL,
	thumb BLOB NOT NULL     -- PNG, at most 64×64
);

-- Which avatar each contact (and the account itself) shows: source 'pep'
-- (XEP-0084) wins over 'vcard' (XEP-0153's presence hash). The hash may
-- name an avatar not fetched yet (or refused): initials are shown then.
CREATE TABLE contact_avatars (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	jid     TEXT NOT NULL,
	hash    TEXT NOT NULL,
	source  TEXT NOT NULL CHECK (source IN ('pep','vcard')),
	PRIMARY KEY (account, jid)
) WITHOUT ROWID;
`},
		{version: 15, up: `
-- Profiles (issue 20, XEP-0054 vCard text fields): the last one fetched of
-- each contact (and of the account itself), shown at once when the
-- contact's details open, while a fresh one is asked for. data is JSON
-- (fields bounded when read: about 10 KB at most); none = 1 records that
-- the contact has published none.
CREATE TABLE profiles (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	jid     TEXT NOT NULL,
	data    TEXT NOT NULL,
	none    INTEGER NOT NULL DEFAULT 0,
	fetched INTEGER NOT NULL, -- unix nanoseconds
	PRIMARY KEY (account, jid)
) WITHOUT ROWID;
`},
		{version: 16, up: `
-- Direct TLS (XEP-0368): the account's server override is a port that
-- speaks TLS from the first byte (no STARTTLS).
ALTER TABLE accounts ADD COLUMN direct_tls INTEGER NOT NULL DEFAULT 0;
`},
		{version: 17, up: `
-- Message retraction (XEP-0424, "delete for everyone"). A retraction is
-- stored as a correction is (a row of its own, replaces = the id of the
-- message it retracts, left out of History and Search) with retract = 1.
-- The message it retracts keeps its row, its place and its ids, with
-- retracted = 1 and its text, first text, file and reply erased (the FTS
-- triggers take the text out of the index).
ALTER TABLE messages ADD COLUMN retract INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN retracted INTEGER NOT NULL DEFAULT 0;
`},
		{version: 18, up: `
-- Chat markers (XEP-0333): how far a contact has read our messages in the
-- chat with them: the store id of our newest message a displayed marker
-- of theirs named (every message of ours before it counts as read too).
-- One row a chat, never lowered, rather than a state per message: a
-- marker then costs one write whatever the chat's length.
CREATE TABLE read_marks (
	account TEXT NOT NULL REFERENCES accounts(jid) ON DELETE CASCADE,
	peer    TEXT NOT NULL,
	up_to   INTEGER NOT NULL,
	PRIMARY KEY (account, peer)
) WITHOUT ROWID;
`},
		{version: 19, up: `
-- A room message's sender as the room vouches for them (XEP-0421
-- occupant-id, stable whatever nick they take): a later correction or
-- retraction of it must carry the same one, so someone who takes a nick
-- over cannot change or delete its earlier owner's messages. NULL where
-- the room gives none (then the nick decides, as before).
ALTER TABLE messages ADD COLUMN occupant_id TEXT;
`},
	}
}

// SchemaVersion names the schema this build writes: the newest migration
// number and a hash of all migration text, e.g. "1-3f2a9c0d1b7e". Caches of
// generated databases (the benchmarks' fixtures) are keyed by it.
func SchemaVersion() string {
	ms := migrations()
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00", m.version, m.up)
	}
	return strconv.Itoa(ms[len(ms)-1].version) + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// migrate brings db to the newest version in ms. Each step runs in its own
// transaction with the user_version bump; a failing step is rolled back and
// reported, leaving the database at the previous version.
func migrate(ctx context.Context, db *sql.DB, ms []migration, log *slog.Logger) error {
	var cur int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return wrap("read schema version", err)
	}
	latest := 0
	for i, m := range ms {
		if m.version != i+1 {
			return fmt.Errorf("store: migration %d has version %d: %w", i+1, m.version, ErrInvalid)
		}
		latest = m.version
	}
	if cur > latest {
		return fmt.Errorf("store: database has schema version %d, this build knows up to %d: %w", cur, latest, ErrSchemaTooNew)
	}
	for _, m := range ms[cur:] {
		if err := applyMigration(ctx, db, m); err != nil {
			return err
		}
		level := slog.LevelInfo
		if cur == 0 {
			level = slog.LevelDebug // a new database, nothing to tell
		}
		log.Log(ctx, level, "store: applied migration", "version", m.version)
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(fmt.Sprintf("migration %d", m.version), err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	// Re-check inside the (immediate) transaction: another process may have
	// migrated between our read and our lock.
	var cur int
	if err = tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return wrap(fmt.Sprintf("migration %d", m.version), err)
	}
	if cur >= m.version {
		return tx.Rollback()
	}
	if _, err = tx.ExecContext(ctx, m.up); err != nil {
		return wrap(fmt.Sprintf("migration %d", m.version), err)
	}
	// PRAGMA takes no bound parameters; version is an int from our own table.
	if _, err = tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return wrap(fmt.Sprintf("migration %d", m.version), err)
	}
	if err = tx.Commit(); err != nil {
		return wrap(fmt.Sprintf("migration %d: commit", m.version), err)
	}
	return nil
}
