package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OMEMOIdentity is an account's own OMEMO device (see package omemo/device). The
// private key is stored here and nowhere else.
type OMEMOIdentity struct {
	DeviceID        uint32
	IdentityPublic  []byte // 32 bytes, Curve25519
	IdentityPrivate []byte // 32 bytes
	SignedPreKeyID  uint32 // the signed pre-key in the published bundle
	NextPreKeyID    uint32 // id of the next one-time pre-key to generate
	Created         time.Time
}

// OMEMOTrust is what the user decided about one identity key of one device
// of a peer. The store keeps the word; package omemo gives it meaning.
type OMEMOTrust struct {
	Peer        string
	Device      uint32
	IdentityKey []byte // 32 bytes
	Trust       string // blind, undecided, verified or distrusted
	FirstSeen   time.Time
}

// querier is what both a transaction and the read pool offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// OMEMOTx reads and writes one account's OMEMO state inside one
// transaction. It is valid only during the function given to OMEMOUpdate
// or OMEMORead.
type OMEMOTx struct {
	ctx     context.Context
	q       querier
	account string
}

// OMEMOUpdate runs fn in a write transaction over account's OMEMO state and
// returns once it has committed (or fn's error, with nothing written).
//
// A Signal ratchet step reads a session, derives a message key and writes
// the session back; if two processes of the same profile (the window and
// `clove send`) did that at once, both would use the same message key. The
// whole step therefore runs inside one write transaction, which SQLite
// serialises across processes. Like every write, fn may be run twice (a
// shared commit that failed is retried alone), so it must only leave
// results in variables it overwrites.
func (s *Store) OMEMOUpdate(ctx context.Context, account string, fn func(t *OMEMOTx) error) error {
	const op = "omemo update"
	if account == "" {
		return fmt.Errorf("store: %s: empty account: %w", op, ErrInvalid)
	}
	// fn's own error is returned as it is (the OMEMOTx methods wrap
	// theirs): it says what failed in OMEMO's terms.
	var fnErr error
	err := s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		fnErr = fn(&OMEMOTx{ctx: ctx, q: tx, account: account})
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// OMEMORead runs fn over a consistent read-only view of account's OMEMO
// state; the write methods of t fail there.
func (s *Store) OMEMORead(ctx context.Context, account string, fn func(t *OMEMOTx) error) error {
	const op = "omemo read"
	db, err := s.reader(op)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(op, err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(&OMEMOTx{ctx: ctx, q: tx, account: account})
}

// Identity returns the account's own device, ErrNotFound if none was made.
func (t *OMEMOTx) Identity() (OMEMOIdentity, error) {
	var id OMEMOIdentity
	var created int64
	err := t.q.QueryRowContext(t.ctx, `SELECT device_id, identity_public, identity_private,
		signed_prekey_id, next_prekey_id, created FROM omemo_identity WHERE account = ?`, t.account).
		Scan(&id.DeviceID, &id.IdentityPublic, &id.IdentityPrivate, &id.SignedPreKeyID, &id.NextPreKeyID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return id, fmt.Errorf("omemo identity of %q: %w", t.account, ErrNotFound)
	}
	id.Created = time.Unix(0, created)
	return id, wrap("omemo identity", err)
}

// PutIdentity stores the account's own device, replacing the one stored.
// ErrNotFound if the account is not stored.
func (t *OMEMOTx) PutIdentity(id OMEMOIdentity) error {
	if id.Created.IsZero() {
		id.Created = time.Now()
	}
	_, err := t.q.ExecContext(t.ctx, `INSERT INTO omemo_identity (account, device_id, identity_public,
		identity_private, signed_prekey_id, next_prekey_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET device_id = excluded.device_id,
			identity_public = excluded.identity_public, identity_private = excluded.identity_private,
			signed_prekey_id = excluded.signed_prekey_id, next_prekey_id = excluded.next_prekey_id`,
		t.account, id.DeviceID, id.IdentityPublic, id.IdentityPrivate, id.SignedPreKeyID, id.NextPreKeyID, unixNano(id.Created))
	if isForeignKey(err) {
		return wrap("omemo write", noAccount(t.account))
	}
	return wrap("omemo write", err)
}

// blob reads one record column; ErrNotFound names what is missing.
func (t *OMEMOTx) blob(what string, query string, args ...any) ([]byte, error) {
	var b []byte
	err := t.q.QueryRowContext(t.ctx, query, args...).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: %s of %q: %w", what, t.account, ErrNotFound)
	}
	return b, wrap("omemo "+what, err)
}

// SignedPreKey returns the serialized signed pre-key id, ErrNotFound if none.
func (t *OMEMOTx) SignedPreKey(id uint32) ([]byte, error) {
	return t.blob(fmt.Sprintf("signed pre-key %d", id),
		`SELECT record FROM omemo_signed_prekeys WHERE account = ? AND id = ?`, t.account, id)
}

// SignedPreKeys returns every stored signed pre-key, by id.
func (t *OMEMOTx) SignedPreKeys() (map[uint32][]byte, error) {
	return t.records(`SELECT id, record FROM omemo_signed_prekeys WHERE account = ?`)
}

// putRecord runs insert, an upsert of (account, id, record) rows.
func (t *OMEMOTx) putRecord(insert string, id uint32, record []byte) error {
	_, err := t.q.ExecContext(t.ctx, insert, t.account, id, record)
	if isForeignKey(err) {
		return wrap("omemo write", noAccount(t.account))
	}
	return wrap("omemo write", err)
}

// records reads the (id, record) rows of query, whose one parameter is
// the account, into a map by id.
func (t *OMEMOTx) records(query string) (map[uint32][]byte, error) {
	rows, err := t.q.QueryContext(t.ctx, query, t.account)
	if err != nil {
		return nil, wrap("omemo read", err)
	}
	defer rows.Close()
	out := map[uint32][]byte{}
	for rows.Next() {
		var id uint32
		var rec []byte
		if err := rows.Scan(&id, &rec); err != nil {
			return nil, wrap("omemo read", err)
		}
		out[id] = rec
	}
	return out, wrap("omemo read", rows.Err())
}

// PutSignedPreKey stores (or replaces) a signed pre-key.
func (t *OMEMOTx) PutSignedPreKey(id uint32, record []byte) error {
	return t.putRecord(`INSERT INTO omemo_signed_prekeys (account, id, record) VALUES (?, ?, ?)
		ON CONFLICT (account, id) DO UPDATE SET record = excluded.record`, id, record)
}

// DeleteSignedPreKey removes a signed pre-key; a missing one is no error.
func (t *OMEMOTx) DeleteSignedPreKey(id uint32) error {
	_, err := t.q.ExecContext(t.ctx, `DELETE FROM omemo_signed_prekeys WHERE account = ? AND id = ?`, t.account, id)
	return wrap("omemo delete signed pre-key", err)
}

// PreKey returns the serialized one-time pre-key id, ErrNotFound if it was
// consumed or never made.
func (t *OMEMOTx) PreKey(id uint32) ([]byte, error) {
	return t.blob(fmt.Sprintf("pre-key %d", id),
		`SELECT record FROM omemo_prekeys WHERE account = ? AND id = ?`, t.account, id)
}

// PreKeys returns every stored one-time pre-key, by id.
func (t *OMEMOTx) PreKeys() (map[uint32][]byte, error) {
	return t.records(`SELECT id, record FROM omemo_prekeys WHERE account = ?`)
}

// CountPreKeys returns how many one-time pre-keys are left.
func (t *OMEMOTx) CountPreKeys() (int, error) {
	var n int
	err := t.q.QueryRowContext(t.ctx, `SELECT count(*) FROM omemo_prekeys WHERE account = ?`, t.account).Scan(&n)
	return n, wrap("omemo count pre-keys", err)
}

// PutPreKey stores (or replaces) a one-time pre-key.
func (t *OMEMOTx) PutPreKey(id uint32, record []byte) error {
	return t.putRecord(`INSERT INTO omemo_prekeys (account, id, record) VALUES (?, ?, ?)
		ON CONFLICT (account, id) DO UPDATE SET record = excluded.record`, id, record)
}

// DeletePreKey removes a one-time pre-key; a missing one is no error.
func (t *OMEMOTx) DeletePreKey(id uint32) error {
	_, err := t.q.ExecContext(t.ctx, `DELETE FROM omemo_prekeys WHERE account = ? AND id = ?`, t.account, id)
	return wrap("omemo delete pre-key", err)
}

// Session returns the serialized Signal session with peer's device,
// ErrNotFound if there is none.
func (t *OMEMOTx) Session(peer string, device uint32) ([]byte, error) {
	return t.blob(fmt.Sprintf("session with %s:%d", peer, device),
		`SELECT record FROM omemo_sessions WHERE account = ? AND peer = ? AND device = ?`, t.account, peer, device)
}

// SessionDevices returns the devices of peer a session exists with.
func (t *OMEMOTx) SessionDevices(peer string) ([]uint32, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT device FROM omemo_sessions WHERE account = ? AND peer = ? ORDER BY device`, t.account, peer)
	return scanDevices(rows, err)
}

// PutSession stores (or replaces) the session with peer's device.
func (t *OMEMOTx) PutSession(peer string, device uint32, record []byte) error {
	_, err := t.q.ExecContext(t.ctx, `INSERT INTO omemo_sessions (account, peer, device, record) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, peer, device) DO UPDATE SET record = excluded.record`, t.account, peer, device, record)
	if isForeignKey(err) {
		return wrap("omemo write", noAccount(t.account))
	}
	return wrap("omemo write", err)
}

// DeleteSession removes the session with peer's device (device 0: all of
// peer's sessions); a missing one is no error.
func (t *OMEMOTx) DeleteSession(peer string, device uint32) error {
	_, err := t.q.ExecContext(t.ctx, `DELETE FROM omemo_sessions WHERE account = ? AND peer = ? AND (device = ?3 OR ?3 = 0)`,
		t.account, peer, device)
	return wrap("omemo delete session", err)
}

// Trust returns what is stored about key of peer's device; ErrNotFound if
// the key was never seen there.
func (t *OMEMOTx) Trust(peer string, device uint32, key []byte) (OMEMOTrust, error) {
	r := OMEMOTrust{Peer: peer, Device: device, IdentityKey: key}
	var seen int64
	err := t.q.QueryRowContext(t.ctx, `SELECT trust, first_seen FROM omemo_trust
		WHERE account = ? AND peer = ? AND device = ? AND identity_key = ?`, t.account, peer, device, key).Scan(&r.Trust, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: identity key of %s:%d: %w", peer, device, ErrNotFound)
	}
	r.FirstSeen = time.Unix(0, seen)
	return r, wrap("omemo trust", err)
}

// Trusts returns every key seen for peer's devices (peer "": for all
// peers), by peer, device and first sighting.
func (t *OMEMOTx) Trusts(peer string) ([]OMEMOTrust, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT peer, device, identity_key, trust, first_seen FROM omemo_trust
		WHERE account = ?1 AND (peer = ?2 OR ?2 = '') ORDER BY peer, device, first_seen`, t.account, peer)
	if err != nil {
		return nil, wrap("omemo read", err)
	}
	defer rows.Close()
	var out []OMEMOTrust
	for rows.Next() {
		var r OMEMOTrust
		var seen int64
		if err := rows.Scan(&r.Peer, &r.Device, &r.IdentityKey, &r.Trust, &seen); err != nil {
			return nil, wrap("omemo read", err)
		}
		r.FirstSeen = time.Unix(0, seen)
		out = append(out, r)
	}
	return out, wrap("omemo read", rows.Err())
}

// PutTrust stores (or updates) the trust in r.IdentityKey for r.Peer's
// r.Device. FirstSeen is kept from the first time the key was stored.
func (t *OMEMOTx) PutTrust(r OMEMOTrust) error {
	if r.FirstSeen.IsZero() {
		r.FirstSeen = time.Now()
	}
	_, err := t.q.ExecContext(t.ctx, `INSERT INTO omemo_trust (account, peer, device, identity_key, trust, first_seen)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, peer, device, identity_key) DO UPDATE SET trust = excluded.trust`,
		t.account, r.Peer, r.Device, r.IdentityKey, r.Trust, unixNano(r.FirstSeen))
	if isForeignKey(err) {
		return wrap("omemo write", noAccount(t.account))
	}
	return wrap("omemo write", err)
}

// Devices returns peer's device list as last stored.
func (t *OMEMOTx) Devices(peer string) ([]uint32, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT device FROM omemo_devices WHERE account = ? AND peer = ? ORDER BY device`, t.account, peer)
	return scanDevices(rows, err)
}

// SetDevices replaces peer's device list.
func (t *OMEMOTx) SetDevices(peer string, devices []uint32) error {
	if _, err := t.q.ExecContext(t.ctx, `DELETE FROM omemo_devices WHERE account = ? AND peer = ?`, t.account, peer); err != nil {
		return wrap("omemo set devices", err)
	}
	for _, d := range devices {
		_, err := t.q.ExecContext(t.ctx, `INSERT OR IGNORE INTO omemo_devices (account, peer, device) VALUES (?, ?, ?)`, t.account, peer, d)
		if isForeignKey(err) {
			return wrap("omemo set devices", noAccount(t.account))
		}
		if err != nil {
			return wrap("omemo set devices", err)
		}
	}
	return nil
}

func scanDevices(rows *sql.Rows, err error) ([]uint32, error) {
	if err != nil {
		return nil, wrap("omemo read", err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var d uint32
		if err := rows.Scan(&d); err != nil {
			return nil, wrap("omemo read", err)
		}
		out = append(out, d)
	}
	return out, wrap("omemo read", rows.Err())
}
