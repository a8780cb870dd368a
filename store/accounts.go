package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Account is one XMPP account and how to reach its server.
type Account struct {
	JID     string // bare JID, the account's key
	Server  string // host:port to dial, "" for SRV / default
	Proxy   string // SOCKS proxy URL, "" for none
	SAM     string // I2P SAM bridge address, "" for none
	I2POnly bool   // never connect outside I2P
	Pin     string // pinned certificate fingerprint of the server, "" for none
	// DarknetMap maps XMPP domains to I2P destinations (b32 addresses).
	DarknetMap map[string]string
	SAMKeys    string // path of the file holding this account's I2P keys
	// I2PHops is the tunnel length of the account's own SAM session, each
	// way; 0 means the default (3). Fewer hops are faster and less
	// anonymous; private test networks need 1.
	I2PHops int
	// RequireEncryption: never send a chat message unencrypted; one to a
	// contact with no OMEMO device fails instead.
	RequireEncryption bool
	// DirectTLS: Server is a direct TLS port (XEP-0368): TLS from the
	// first byte, no STARTTLS round trips.
	DirectTLS bool
	Created   time.Time // set by AddAccount when zero
}

// Domain is the account's server domain: the part of its JID after "@".
func (a Account) Domain() string {
	_, d, _ := strings.Cut(a.JID, "@")
	return d
}

const accountColumns = `jid, server, proxy, sam, i2p_only, pin, darknet_map, sam_keys, created, i2p_hops, require_e2e, direct_tls`

// AddAccount stores a new account. It fails with ErrExists if the JID is
// already stored. A zero a.Created is set to the current time in the store
// (the caller's value is not modified).
func (s *Store) AddAccount(ctx context.Context, a Account) error {
	const op = "add account"
	if a.JID == "" {
		return fmt.Errorf("store: %s: empty JID: %w", op, ErrInvalid)
	}
	if a.Created.IsZero() {
		a.Created = time.Now()
	}
	dm, err := encodeMap(a.DarknetMap)
	if err != nil {
		return wrap(op, err)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jid) DO NOTHING`,
			a.JID, a.Server, a.Proxy, a.SAM, a.I2POnly, a.Pin, dm, a.SAMKeys, unixNano(a.Created), a.I2PHops, a.RequireEncryption, a.DirectTLS)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("account %q: %w", a.JID, ErrExists)
		}
		return nil
	})
}

// UpdateAccount replaces the settings of a stored account (ErrNotFound if
// there is none). Created, the roster version and the last archive id are
// kept.
func (s *Store) UpdateAccount(ctx context.Context, a Account) error {
	const op = "update account"
	dm, err := encodeMap(a.DarknetMap)
	if err != nil {
		return wrap(op, err)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET server = ?, proxy = ?, sam = ?,
			i2p_only = ?, pin = ?, darknet_map = ?, sam_keys = ?, i2p_hops = ?, require_e2e = ?, direct_tls = ? WHERE jid = ?`,
			a.Server, a.Proxy, a.SAM, a.I2POnly, a.Pin, dm, a.SAMKeys, a.I2PHops, a.RequireEncryption, a.DirectTLS, a.JID)
		return mustAffect(res, err, a.JID)
	})
}

// Account returns the stored account with that JID, or ErrNotFound.
func (s *Store) Account(ctx context.Context, jid string) (Account, error) {
	const op = "get account"
	db, err := s.reader(op)
	if err != nil {
		return Account{}, err
	}
	a, err := scanAccount(db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE jid = ?`, jid))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("store: %s: %w", op, noAccount(jid))
	}
	return a, wrap(op, err)
}

// Accounts returns all stored accounts ordered by JID.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	const op = "list accounts"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY jid`)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, a)
	}
	return out, wrap(op, rows.Err())
}

// RemoveAccount deletes the account and everything stored for it (contacts,
// pins, messages, outbox, rooms, drafts, OMEMO keys and sessions) in one transaction. ErrNotFound if it is not stored.
func (s *Store) RemoveAccount(ctx context.Context, jid string) error {
	const op = "remove account"
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		// Explicit deletes (children first) rather than relying on ON DELETE
		// CASCADE alone, so the result does not depend on the foreign_keys
		// setting of the connection.
		for _, q := range []string{
			`DELETE FROM outbox WHERE account = ?`,
			`DELETE FROM messages WHERE account = ?`,
			`DELETE FROM contacts WHERE account = ?`,
			`DELETE FROM pins WHERE account = ?`,
			`DELETE FROM rooms WHERE account = ?`,
			`DELETE FROM drafts WHERE account = ?`,
			`DELETE FROM omemo_devices WHERE account = ?`,
			`DELETE FROM omemo_trust WHERE account = ?`,
			`DELETE FROM omemo_sessions WHERE account = ?`,
			`DELETE FROM omemo_prekeys WHERE account = ?`,
			`DELETE FROM omemo_signed_prekeys WHERE account = ?`,
			`DELETE FROM omemo_identity WHERE account = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, jid); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE jid = ?`, jid)
		return mustAffect(res, err, jid)
	})
}

// RosterVersion returns the roster version (XEP-0237) stored for the
// account, "" if none. ErrNotFound if the account is not stored.
func (s *Store) RosterVersion(ctx context.Context, account string) (string, error) {
	return s.accountField(ctx, "get roster version", "roster_ver", account)
}

// SetRosterVersion stores the roster version for the account.
func (s *Store) SetRosterVersion(ctx context.Context, account, ver string) error {
	return s.setAccountField(ctx, "set roster version", "roster_ver", account, ver)
}

// LastArchiveID returns the id of the newest MAM (XEP-0313) result fetched
// for the account, "" if none. ErrNotFound if the account is not stored.
func (s *Store) LastArchiveID(ctx context.Context, account string) (string, error) {
	return s.accountField(ctx, "get last archive id", "last_archive_id", account)
}

// SetLastArchiveID stores the id of the newest MAM result fetched.
func (s *Store) SetLastArchiveID(ctx context.Context, account, id string) error {
	return s.setAccountField(ctx, "set last archive id", "last_archive_id", account, id)
}

// accountField reads one text column of accounts; column is always one of
// our constants, never user input.
func (s *Store) accountField(ctx context.Context, op, column, account string) (string, error) {
	db, err := s.reader(op)
	if err != nil {
		return "", err
	}
	var v string
	err = db.QueryRowContext(ctx, `SELECT `+column+` FROM accounts WHERE jid = ?`, account).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: %s: %w", op, noAccount(account))
	}
	return v, wrap(op, err)
}

func (s *Store) setAccountField(ctx context.Context, op, column, account, v string) error {
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET `+column+` = ? WHERE jid = ?`, v, account)
		return mustAffect(res, err, account)
	})
}

// mustAffect turns "no row changed" into ErrNotFound for the account.
func mustAffect(res sql.Result, err error, account string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return noAccount(account)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(sc scanner) (Account, error) {
	var (
		a       Account
		dm      string
		created int64
	)
	if err := sc.Scan(&a.JID, &a.Server, &a.Proxy, &a.SAM, &a.I2POnly, &a.Pin, &dm, &a.SAMKeys, &created, &a.I2PHops, &a.RequireEncryption, &a.DirectTLS); err != nil {
		return Account{}, err
	}
	if err := json.Unmarshal([]byte(dm), &a.DarknetMap); err != nil {
		return Account{}, fmt.Errorf("account %q: darknet map: %w", a.JID, err)
	}
	if len(a.DarknetMap) == 0 {
		a.DarknetMap = nil
	}
	a.Created = time.Unix(0, created)
	return a, nil
}

func encodeMap(m map[string]string) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}
